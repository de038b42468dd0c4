import type { Db } from "../db/database.ts";
import { likeContains } from "../db/like.ts";
import type { RemoteTemplateRow } from "./federation.tables.ts";

/** Filters of the partners' part of the catalogue. */
export interface RemoteTemplateFilters {
  statuses: string[];
  terms?: string[];
  tag?: string;
  achievementType?: string;
  language?: string;
}

function filtered(db: Db, f: RemoteTemplateFilters) {
  let q = db.selectFrom("remote_templates").where("status", "in", f.statuses);
  for (const term of f.terms ?? []) q = q.where(likeContains("search_text", term));
  if (f.tag) q = q.where(likeContains("tags", "\t" + f.tag + "\t"));
  if (f.achievementType) q = q.where("achievement_type", "=", f.achievementType);
  if (f.language) q = q.where("language", "=", f.language);
  return q;
}

/** One page of matching partner templates, by name, and the total count. */
export async function searchRemoteTemplates(db: Db, f: RemoteTemplateFilters, limit: number, offset: number): Promise<{ rows: RemoteTemplateRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    limit > 0 ? filtered(db, f).selectAll().orderBy("name").orderBy("id").limit(limit).offset(offset).execute() : Promise.resolve([]),
    filtered(db, f).select((eb) => eb.fn.countAll().as("n")).executeTakeFirst(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** Types, languages and tags in use among published partner templates (catalogue filter choices). */
export async function listRemoteFacets(db: Db): Promise<{ types: string[]; languages: string[]; tags: string[] }> {
  const base = () => db.selectFrom("remote_templates").where("status", "=", "published");
  const [types, languages, tagRows] = await Promise.all([
    base().select("achievement_type").distinct().orderBy("achievement_type").limit(100).execute(),
    base().select("language").distinct().orderBy("language").limit(100).execute(),
    base().select("tags").limit(500).execute(),
  ]);
  const tags = [...new Set(tagRows.flatMap((r) => r.tags.split("\t").filter(Boolean)))].sort().slice(0, 200);
  return { types: types.map((r) => r.achievement_type), languages: languages.map((r) => r.language), tags };
}

/** A partner template by local id. */
export function findRemoteTemplate(db: Db, id: string): Promise<RemoteTemplateRow | undefined> {
  return db.selectFrom("remote_templates").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A partner template by its ActivityPub id. */
export function findRemoteTemplateByApId(db: Db, apId: string): Promise<RemoteTemplateRow | undefined> {
  return db.selectFrom("remote_templates").selectAll().where("ap_id", "=", apId).executeTakeFirst();
}

/** Partner templates with one of these OB ids sent by one actor (the original a reuse points to). */
export function listRemoteTemplatesByObIds(db: Db, actorId: string, obIds: string[]): Promise<RemoteTemplateRow[]> {
  if (!obIds.length) return Promise.resolve([]);
  return db.selectFrom("remote_templates").selectAll().where("actor_id", "=", actorId).where("ob_id", "in", obIds).execute();
}

/** Stores a new partner template. */
export async function insertRemoteTemplate(db: Db, row: RemoteTemplateRow): Promise<void> {
  await db.insertInto("remote_templates").values(row).execute();
}

/** Replaces a partner template's content (same owner only). */
export async function updateRemoteTemplate(db: Db, apId: string, actorId: string, changes: Partial<RemoteTemplateRow>): Promise<void> {
  await db.updateTable("remote_templates").set(changes).where("ap_id", "=", apId).where("actor_id", "=", actorId).execute();
}

/** Marks a partner template archived (its owner deleted it); true when a row changed. */
export async function archiveRemoteTemplate(db: Db, apId: string, actorId: string, now: string): Promise<boolean> {
  const res = await db.updateTable("remote_templates").set({ status: "archived", archived_at: now, updated_at: now })
    .where("ap_id", "=", apId).where("actor_id", "=", actorId).where("status", "!=", "archived").executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** How many partner templates an actor has in each status. */
export async function countRemoteTemplates(db: Db, actorId: string): Promise<number> {
  const row = await db.selectFrom("remote_templates").select((eb) => eb.fn.countAll().as("n")).where("actor_id", "=", actorId).where("status", "=", "published").executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Records that a partner reused one of our templates (once per partner). */
export async function insertReuse(db: Db, row: { achievement_id: string; actor_id: string; activity_id: string; received_at: string }): Promise<void> {
  await db.insertInto("template_reuses").values(row).onConflict((oc) => oc.columns(["achievement_id", "actor_id"]).doNothing()).execute();
}

/** The partners that reused one of our templates, with their cached names. */
export function listReuses(db: Db, achievementId: string) {
  return db.selectFrom("template_reuses").leftJoin("remote_actors", "remote_actors.id", "template_reuses.actor_id")
    .select(["template_reuses.actor_id", "template_reuses.received_at", "remote_actors.name", "remote_actors.handle"])
    .where("template_reuses.achievement_id", "=", achievementId).orderBy("template_reuses.received_at").execute();
}
