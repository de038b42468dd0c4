/** Status-list indexes claimed per issuer and list, by credentials and endorsements alike (migration 2026-11-29-0064). */
export interface StatusIndexesTable {
  issuer_id: string;
  purpose: string; // "revocation": the list whose bits credentials and endorsements share
  idx: number;
  kind: "credential" | "endorsement";
  object_id: string;
}

/** The tables of the shared status-index space. */
export interface StatusIndexTables {
  status_indexes: StatusIndexesTable;
}
