import type { Kysely } from "kysely";

// A badge imported as a VC-JWT: its signature covers the compact token, not the decoded JSON, so
// the token is kept as received for downloads and exports (the decoded JSON stays for display).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("backpack_entries").addColumn("external_jwt", "text").execute();
}
