import type { Insertable, Updateable } from "kysely";
import type { AchievementRow, AchievementsTable, AchievementVersionRow, Db } from "../db/database.ts";
import { likeContains } from "../db/like.ts";

/** Finds a template by id. */
export function findAchievement(db: Db, id: string): Promise<AchievementRow | undefined> {
  return db.selectFrom("achievements").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds one version of a template. */
export function findAchievementVersion(db: Db, id: string, version: number): Promise<AchievementVersionRow | undefined> {
  return db.selectFrom("achievement_versions").selectAll().where("achievement_id", "=", id).where("version", "=", version).executeTakeFirst();
}

/** Lists the versions of a template, newest first. */
export function listAchievementVersions(db: Db, id: string): Promise<AchievementVersionRow[]> {
  return db.selectFrom("achievement_versions").selectAll().where("achievement_id", "=", id).orderBy("version", "desc").execute();
}

/** Inserts a template row. */
export async function insertAchievement(db: Db, row: Insertable<AchievementsTable>): Promise<void> {
  await db.insertInto("achievements").values(row).execute();
}

/** Updates a template row. */
export async function updateAchievement(db: Db, id: string, changes: Updateable<AchievementsTable>): Promise<void> {
  await db.updateTable("achievements").set(changes).where("id", "=", id).execute();
}

/** Inserts a version. */
export async function insertAchievementVersion(db: Db, row: AchievementVersionRow): Promise<void> {
  await db.insertInto("achievement_versions").values(row).execute();
}

/** Replaces the content of a version that was never published (drafts are edited in place). */
export async function updateDraftVersion(db: Db, id: string, version: number, content: string): Promise<void> {
  await db.updateTable("achievement_versions").set({ content }).where("achievement_id", "=", id).where("version", "=", version).where("published_at", "is", null).execute();
}

/** Marks a version published. */
export async function markVersionPublished(db: Db, id: string, version: number, at: string): Promise<void> {
  await db.updateTable("achievement_versions").set({ published_at: at }).where("achievement_id", "=", id).where("version", "=", version).execute();
}

/** Replaces a template's tags. */
export async function replaceTags(db: Db, id: string, tags: string[]): Promise<void> {
  await db.deleteFrom("achievement_tags").where("achievement_id", "=", id).execute();
  if (tags.length) await db.insertInto("achievement_tags").values(tags.map((tag) => ({ achievement_id: id, tag }))).execute();
}

/** Replaces what a template requires (prerequisite templates). */
export async function replacePrerequisites(db: Db, id: string, requires: string[]): Promise<void> {
  await db.deleteFrom("achievement_prerequisites").where("achievement_id", "=", id).execute();
  if (requires.length) await db.insertInto("achievement_prerequisites").values(requires.map((r) => ({ achievement_id: id, requires_id: r }))).execute();
}

/** Templates a template requires. */
export function listPrerequisites(db: Db, id: string): Promise<AchievementRow[]> {
  return db.selectFrom("achievement_prerequisites").innerJoin("achievements", "achievements.id", "achievement_prerequisites.requires_id")
    .selectAll("achievements").where("achievement_prerequisites.achievement_id", "=", id).orderBy("achievements.name").execute();
}

/** Templates that require a template. */
export function listDependents(db: Db, id: string): Promise<AchievementRow[]> {
  return db.selectFrom("achievement_prerequisites").innerJoin("achievements", "achievements.id", "achievement_prerequisites.achievement_id")
    .selectAll("achievements").where("achievement_prerequisites.requires_id", "=", id).orderBy("achievements.name").execute();
}

/** Catalogue filters; every field optional. */
export interface AchievementFilters {
  issuerIds?: string[];
  statuses: string[];
  terms?: string[]; // normalised words, all must match
  tag?: string;
  frameworkId?: string;
  competencyId?: string;
  levelCode?: string;
  achievementType?: string;
  language?: string;
}

function filtered(db: Db, f: AchievementFilters) {
  let q = db.selectFrom("achievements").where("status", "in", f.statuses);
  if (f.issuerIds) q = q.where("issuer_id", "in", f.issuerIds.length ? f.issuerIds : ["-"]);
  for (const term of f.terms ?? []) q = q.where(likeContains("search_text", term));
  if (f.tag) q = q.where("id", "in", db.selectFrom("achievement_tags").select("achievement_id").where("tag", "=", f.tag));
  if (f.frameworkId) q = q.where("framework_id", "=", f.frameworkId);
  if (f.competencyId) q = q.where("competency_id", "=", f.competencyId);
  if (f.levelCode) q = q.where("level_code", "=", f.levelCode);
  if (f.achievementType) q = q.where("achievement_type", "=", f.achievementType);
  // A language matches the main one or the edition's (a French template with an English edition is found in English).
  if (f.language) q = q.where((eb) => eb.or([eb("language", "=", f.language!), eb("edition_language", "=", f.language!)]));
  return q;
}

/** One page of matching templates, by name, and the total count. */
export async function searchAchievements(db: Db, f: AchievementFilters, limit: number, offset: number): Promise<{ rows: AchievementRow[]; total: number }> {
  // Two queries rather than `count(*) over ()`: the page walks the (status, name) index and stops
  // after `limit` hits, while a window count would read and sort every match (measured in bench/catalogue.ts).
  const [rows, count] = await Promise.all([
    filtered(db, f).selectAll().orderBy("name").orderBy("id").limit(limit).offset(offset).execute(),
    filtered(db, f).select((eb) => eb.fn.countAll().as("n")).executeTakeFirst(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** The tags of some templates (catalogue rows show them). */
export function listTagsOf(db: Db, ids: string[]): Promise<{ achievement_id: string; tag: string }[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom("achievement_tags").select(["achievement_id", "tag"]).where("achievement_id", "in", ids).orderBy("tag").execute();
}

/** The current version of each of some templates (one query for a page of API results). */
export function listCurrentVersions(db: Db, ids: string[]): Promise<AchievementVersionRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom("achievement_versions").innerJoin("achievements", (j) => j
    .onRef("achievements.id", "=", "achievement_versions.achievement_id").onRef("achievements.version", "=", "achievement_versions.version"))
    .selectAll("achievement_versions").where("achievements.id", "in", ids).execute();
}

/** Distinct achievement types and languages (main or edition) in use among some templates (catalogue filter choices). */
export async function listFacetsInUse(db: Db, statuses: string[], issuerIds?: string[]): Promise<{ types: string[]; languages: string[] }> {
  const base = () => db.selectFrom("achievements").where("status", "in", statuses)
    .$if(!!issuerIds, (qb) => qb.where("issuer_id", "in", issuerIds!.length ? issuerIds! : ["-"]));
  const [types, languages, editions] = await Promise.all([
    base().select("achievement_type").distinct().orderBy("achievement_type").limit(100).execute(),
    base().select("language").distinct().orderBy("language").limit(100).execute(),
    base().select("edition_language").distinct().where("edition_language", "is not", null).limit(100).execute(),
  ]);
  const all = new Set([...languages.map((r) => r.language), ...editions.map((r) => r.edition_language!)]);
  return { types: types.map((r) => r.achievement_type), languages: [...all].sort() };
}

/** Distinct tags in use among some templates (for the catalogue's filter list). */
export async function listTagsInUse(db: Db, statuses: string[], issuerIds?: string[]): Promise<string[]> {
  const rows = await db.selectFrom("achievement_tags").innerJoin("achievements", "achievements.id", "achievement_tags.achievement_id")
    .select("achievement_tags.tag").distinct().where("achievements.status", "in", statuses)
    .$if(!!issuerIds, (qb) => qb.where("achievements.issuer_id", "in", issuerIds!.length ? issuerIds! : ["-"]))
    .orderBy("achievement_tags.tag").limit(200).execute();
  return rows.map((r) => r.tag);
}
