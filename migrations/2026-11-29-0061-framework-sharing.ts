import type { Kysely } from "kysely";

// Competency frameworks travel between partners like templates: a framework can now be archived
// (its followers are sent a Delete), and frameworks received from partners are kept, read-only,
// as the parsed tree (for their matrix page) beside the CASE 1.0 package they came in.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("frameworks").addColumn("archived_at", "text").execute();

  await db.schema
    .createTable("remote_frameworks")
    .addColumn("id", "text", (c) => c.primaryKey()) // local id, for local URLs
    .addColumn("ap_id", "text", (c) => c.notNull().unique()) // the AS2 Document's id
    .addColumn("package_url", "text", (c) => c.notNull()) // the CASE CFPackage URL on the sender's node
    .addColumn("actor_id", "text", (c) => c.notNull()) // the sender (owner)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("source_url", "text")
    .addColumn("competencies", "integer", (c) => c.notNull())
    .addColumn("tree_json", "text", (c) => c.notNull()) // JSON: the framework as our importer reads it (levels, competencies, cells)
    .addColumn("case_json", "text", (c) => c.notNull()) // the CASE 1.0 package as received
    .addColumn("changed_at", "text", (c) => c.notNull()) // the sender's lastChangeDateTime: older deliveries never replace newer ones
    .addColumn("status", "text", (c) => c.notNull()) // "published" | "archived"
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("archived_at", "text")
    .execute();
  await db.schema.createIndex("remote_frameworks_status_name_idx").on("remote_frameworks").columns(["status", "name"]).execute();
  await db.schema.createIndex("remote_frameworks_actor_idx").on("remote_frameworks").column("actor_id").execute();
}
