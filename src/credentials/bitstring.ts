import { randomInt } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

/** W3C Bitstring Status List minimum size: 131 072 entries (16 KiB). */
export const STATUS_LIST_SIZE = 131_072;

/** Encodes set indexes as the multibase base64url ("u") GZIP bitstring; index 0 is the left-most bit. */
export function encodeStatusList(setIndexes: Iterable<number>, size = STATUS_LIST_SIZE): string {
  const bits = Buffer.alloc(size / 8);
  for (const i of setIndexes) {
    if (i < 0 || i >= size) throw new RangeError(`status index ${i} outside the list`);
    bits[i >> 3]! |= 0x80 >> (i & 7);
  }
  return "u" + gzipSync(bits).toString("base64url");
}

/** Decodes an encodedList (with or without the "u" multibase prefix, as StatusList2021 omits it). */
export function decodeStatusList(encoded: string): Buffer {
  const body = encoded.startsWith("u") ? encoded.slice(1) : encoded;
  return gunzipSync(Buffer.from(body, "base64url"), { maxOutputLength: 16 * 1024 * 1024 });
}

/** True when the bit at `index` is set. */
export function isBitSet(bits: Buffer, index: number): boolean {
  if (index < 0 || index >= bits.length * 8) throw new RangeError(`status index ${index} outside the list (${bits.length * 8} entries)`);
  return (bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
}

/** Picks a free random index (W3C: assign indexes randomly) and marks it used in `used`. */
export function pickStatusIndex(used: Set<number>): number {
  if (used.size >= STATUS_LIST_SIZE * 0.9) throw new Error("status list nearly full: no free index");
  for (;;) {
    const index = randomInt(0, STATUS_LIST_SIZE);
    if (!used.has(index)) {
      used.add(index);
      return index;
    }
  }
}
