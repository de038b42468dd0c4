import type { Kysely } from "kysely";

// The catalogue's language filter finds a template by its main language or by the language of
// its edition (the English edition beside the French one): that second language gets a column
// (indexed like `language`), filled here from each template's current version.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("achievements").addColumn("edition_language", "text").execute();
  await db.schema.createIndex("achievements_status_edition_language_idx").on("achievements").columns(["status", "edition_language"]).execute();
  let after = "";
  for (;;) {
    const rows: { id: string; content: string }[] = await db.selectFrom("achievements as a")
      .innerJoin("achievement_versions as v", (j) => j.onRef("v.achievement_id", "=", "a.id").onRef("v.version", "=", "a.version"))
      .select(["a.id as id", "v.content as content"]).where("a.id", ">", after).orderBy("a.id").limit(500).execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      const edition = editionOf(r.content);
      if (typeof edition?.inLanguage === "string") await db.updateTable("achievements").set({ edition_language: edition.inLanguage }).where("id", "=", r.id).execute();
    }
    after = rows[rows.length - 1]!.id;
  }
}

// SQLite runs migrations outside a transaction: one unreadable row must not leave the column added
// and the migration unrecorded (every later start would then fail on "duplicate column").
function editionOf(content: string): { inLanguage?: unknown } | undefined {
  try {
    return (JSON.parse(content) as { edition?: { inLanguage?: unknown } }).edition;
  } catch {
    return undefined;
  }
}
