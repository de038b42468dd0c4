import type { Kysely } from "kysely";

// Badges imported from elsewhere: what the verifier read from them (shown without re-parsing the
// document), and a key per credential so that importing the same badge twice keeps one entry.
export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite adds a single column per ALTER TABLE.
  for (const column of ["external_key", "external_kind", "external_name", "external_issuer", "external_image", "external_issued_on", "external_recipient"]) {
    await db.schema.alterTable("backpack_entries").addColumn(column, "text").execute();
  }
  await db.schema.createIndex("backpack_entries_user_external_uq").on("backpack_entries").columns(["user_id", "external_key"]).unique().execute();
}
