import type { Kysely } from "kysely";

// Competency frameworks, second step: keep the CASE 1.0 `identifier` beside the `uri` of an
// imported CFDocument/CFItem, so a CASE export republishes the same identifiers (CASE 1.0 §4:
// identifiers are UUIDs the publisher keeps stable; our own row ids could not be reused because
// two issuers may import the same CASE document). Plus the lookups the pages make.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("frameworks").addColumn("case_identifier", "text").execute();
  await db.schema.alterTable("framework_items").addColumn("case_identifier", "text").execute();
  await db.schema.createIndex("frameworks_issuer_idx").on("frameworks").columns(["issuer_id", "name"]).execute();
  await db.schema.createIndex("framework_cells_framework_idx").on("framework_cells").column("framework_id").execute();
  await db.schema.createIndex("framework_imports_issuer_idx").on("framework_imports").columns(["issuer_id", "created_at"]).execute();
}
