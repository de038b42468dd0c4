import type { Kysely } from "kysely";

// Learners' backpack: what they accepted or declined, what they show, and their public pages (online CV).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("backpack_entries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("credential_id", "text")
    .addColumn("external_document", "text")
    .addColumn("external_source", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("visibility", "text", (c) => c.notNull())
    .addColumn("show_name", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("backpack_entries_user_credential_uq", ["user_id", "credential_id"])
    .execute();
  await db.schema.createIndex("backpack_entries_credential_idx").on("backpack_entries").column("credential_id").execute();

  await db.schema
    .createTable("learner_pages")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("intro", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("published", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("learner_page_entries")
    .addColumn("page_id", "text", (c) => c.notNull().references("learner_pages.id").onDelete("cascade"))
    .addColumn("entry_id", "text", (c) => c.notNull().references("backpack_entries.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("learner_page_entries_pk", ["page_id", "entry_id"])
    .execute();
}
