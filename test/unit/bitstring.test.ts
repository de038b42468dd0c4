import { describe, expect, it } from "vitest";
import { decodeStatusList, encodeStatusList, isBitSet, STATUS_LIST_SIZE } from "../../src/credentials/bitstring.ts";

describe("Bitstring Status List codec", () => {
  it("encodes an empty 131 072-entry list exactly as the W3C spec example", () => {
    expect(encodeStatusList([])).toBe("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
  });
  it("round-trips set bits, left-most bit first", () => {
    const bits = decodeStatusList(encodeStatusList([0, 23, STATUS_LIST_SIZE - 1]));
    expect(bits.length).toBe(STATUS_LIST_SIZE / 8);
    expect(bits[0]).toBe(0x80);
    expect(isBitSet(bits, 23)).toBe(true);
    expect(isBitSet(bits, 22)).toBe(false);
    expect(isBitSet(bits, STATUS_LIST_SIZE - 1)).toBe(true);
  });
  it("refuses an index outside the list", () => {
    expect(() => encodeStatusList([STATUS_LIST_SIZE])).toThrow(RangeError);
  });
});
