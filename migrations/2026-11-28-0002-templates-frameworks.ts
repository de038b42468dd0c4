import { sql, type Kysely } from "kysely";

// Badge templates (OB 3.0 Achievements) with immutable versions, images, competency frameworks.
// Binary columns are the only dialect-specific type: bytea on PostgreSQL, blob on SQLite.
async function isPostgres(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ v: string }>`select version() as v`.execute(db).catch(() => ({ rows: [] as { v: string }[] }));
  return rows[0]?.v?.startsWith("PostgreSQL") ?? false;
}

export async function up(db: Kysely<any>): Promise<void> {
  const binary = (await isPostgres(db)) ? sql`bytea` : sql`blob`;

  await db.schema
    .createTable("images")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("media_type", "text", (c) => c.notNull())
    .addColumn("original", binary, (c) => c.notNull())
    .addColumn("png", binary, (c) => c.notNull())
    .addColumn("width", "integer", (c) => c.notNull())
    .addColumn("height", "integer", (c) => c.notNull())
    .addColumn("design", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("frameworks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("source_url", "text")
    .addColumn("source_kind", "text", (c) => c.notNull())
    .addColumn("case_uri", "text")
    .addColumn("levels", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("framework_items")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("framework_id", "text", (c) => c.notNull().references("frameworks.id").onDelete("cascade"))
    .addColumn("parent_id", "text", (c) => c.references("framework_items.id").onDelete("cascade"))
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("short_name", "text")
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("case_uri", "text")
    .execute();
  await db.schema.createIndex("framework_items_framework_idx").on("framework_items").columns(["framework_id", "position"]).execute();

  await db.schema
    .createTable("framework_cells")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("framework_id", "text", (c) => c.notNull().references("frameworks.id").onDelete("cascade"))
    .addColumn("item_id", "text", (c) => c.notNull().references("framework_items.id").onDelete("cascade"))
    .addColumn("level_code", "text", (c) => c.notNull())
    .addColumn("descriptor", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("situations", "text", (c) => c.notNull().defaultTo("[]"))
    .addUniqueConstraint("framework_cells_item_level_uq", ["item_id", "level_code"])
    .execute();

  await db.schema
    .createTable("framework_imports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("report", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("confirmed_at", "text")
    .addColumn("framework_id", "text")
    .execute();

  await db.schema
    .createTable("achievements")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("search_text", "text", (c) => c.notNull())
    .addColumn("achievement_type", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("framework_id", "text", (c) => c.references("frameworks.id").onDelete("set null"))
    .addColumn("competency_id", "text", (c) => c.references("framework_items.id").onDelete("set null"))
    .addColumn("level_code", "text")
    .addColumn("level_rank", "integer")
    .addColumn("image_id", "text", (c) => c.references("images.id"))
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("published_at", "text")
    .addColumn("archived_at", "text")
    .execute();
  await db.schema.createIndex("achievements_issuer_idx").on("achievements").columns(["issuer_id", "status", "name"]).execute();
  await db.schema.createIndex("achievements_status_idx").on("achievements").columns(["status", "name"]).execute();
  await db.schema.createIndex("achievements_framework_idx").on("achievements").columns(["framework_id", "competency_id", "level_code"]).execute();

  await db.schema
    .createTable("achievement_versions")
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("published_at", "text")
    .addPrimaryKeyConstraint("achievement_versions_pk", ["achievement_id", "version"])
    .execute();

  await db.schema
    .createTable("achievement_tags")
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id").onDelete("cascade"))
    .addColumn("tag", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("achievement_tags_pk", ["achievement_id", "tag"])
    .execute();
  await db.schema.createIndex("achievement_tags_tag_idx").on("achievement_tags").column("tag").execute();

  await db.schema
    .createTable("achievement_prerequisites")
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id").onDelete("cascade"))
    .addColumn("requires_id", "text", (c) => c.notNull().references("achievements.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("achievement_prerequisites_pk", ["achievement_id", "requires_id"])
    .execute();
}
