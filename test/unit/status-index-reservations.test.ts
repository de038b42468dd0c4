import { describe, expect, it } from "vitest";
import { createIndexReservations } from "../../src/awards/status-index-reservations.ts";

describe("status-list index reservations (two issuing batches in flight)", () => {
  it("shows a batch the indexes another one drew, refuses a clash, and frees them once released", () => {
    const reservations = createIndexReservations();
    const release = reservations.reserve("issuer-a", [7, 42]);
    expect(release).toBeTypeOf("function");

    expect(reservations.reserved("issuer-a").sort((x, y) => x - y)).toEqual([7, 42]);
    expect(reservations.reserved("issuer-b")).toEqual([]); // per issuer: their index spaces are separate

    expect(reservations.reserve("issuer-a", [3, 42])).toBeNull(); // all or none
    expect(reservations.reserved("issuer-a")).not.toContain(3);
    expect(reservations.reserve("issuer-b", [42])).toBeTypeOf("function");

    release!();
    expect(reservations.reserved("issuer-a")).toEqual([]);
    expect(reservations.reserve("issuer-a", [42])).toBeTypeOf("function");
  });
});
