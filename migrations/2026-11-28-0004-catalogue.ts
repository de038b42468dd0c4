import type { Kysely } from "kysely";

// Catalogue lookups (measured with bench/catalogue.ts on 3 000 templates): the filter choices
// ("types / languages in use among published templates") become index-only scans instead of a
// pass over every published row, and the tag filter reads (tag → template) from the index alone.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("achievements_status_type_idx").on("achievements").columns(["status", "achievement_type"]).execute();
  await db.schema.createIndex("achievements_status_language_idx").on("achievements").columns(["status", "language"]).execute();
  await db.schema.createIndex("achievement_tags_tag_achievement_idx").on("achievement_tags").columns(["tag", "achievement_id"]).execute();
}
