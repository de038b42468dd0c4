// Status-list indexes drawn by credential batches being signed in this process and not stored yet.
// The issuing job keeps two batches in flight (one is signed while the other is stored); both read
// the indexes already stored before either commits, so without this they draw the same random index
// about once in thirteen pairs of 100-credential batches, and the unique constraint then makes one of
// them sign its whole batch again. A batch reads the reservations before and after reading the
// stored indexes, and checks and reserves its own in one synchronous step, so a clash is found
// before signing. Other processes are still caught by that constraint.

/** Reservations of status-list indexes, per issuer. */
export function createIndexReservations() {
  const byIssuer = new Map<string, Set<number>>();

  return {
    /**
     * The indexes other batches of the issuer have reserved. Read it before reading the stored ones
     * too: a batch may be stored, and release its reservation, while that read is under way.
     */
    reserved(issuerId: string): number[] {
      return [...(byIssuer.get(issuerId) ?? [])];
    },

    /**
     * Reserves drawn indexes, all or none: null when another batch reserved one of them since they
     * were drawn (draw again); otherwise the function that releases them once stored (or failed).
     */
    reserve(issuerId: string, indexes: number[]): (() => void) | null {
      const reserved = byIssuer.get(issuerId) ?? new Set<number>();
      if (indexes.some((index) => reserved.has(index))) return null;
      for (const index of indexes) reserved.add(index);
      byIssuer.set(issuerId, reserved);
      return () => {
        for (const index of indexes) reserved.delete(index);
        if (reserved.size === 0 && byIssuer.get(issuerId) === reserved) byIssuer.delete(issuerId);
      };
    },
  };
}
