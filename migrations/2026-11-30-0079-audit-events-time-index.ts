import type { Kysely } from "kysely";

// The audit trail page lists the whole node's events newest first (time, then id) and filters on a
// date range: an index on (at, id) serves that order and the keyset paging without a sort.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("audit_events_at_id_idx").on("audit_events").columns(["at", "id"]).execute();
}
