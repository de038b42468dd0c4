import { sql, type Insertable, type Updateable } from "kysely";
import type {
  AchievementAwardSettingsRow, AwardItemRow, AwardItemsTable, AwardListRow, AwardListsTable, Db,
} from "../db/database.ts";

/** Stores a new award list. */
export async function insertList(db: Db, row: Insertable<AwardListsTable>): Promise<void> {
  await db.insertInto("award_lists").values(row).execute();
}

/** Finds an award list by id. */
export function findList(db: Db, id: string): Promise<AwardListRow | undefined> {
  return db.selectFrom("award_lists").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds the list a form post or an API call created (idempotency). */
export function findListByKey(db: Db, key: string): Promise<AwardListRow | undefined> {
  return db.selectFrom("award_lists").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
}

/** Finds the list an issuing job works on. */
export function findListByJob(db: Db, jobId: string): Promise<AwardListRow | undefined> {
  return db.selectFrom("award_lists").selectAll().where("job_id", "=", jobId).executeTakeFirst();
}

/** An issuer's lists with their template's name, newest first. */
export function listListsOfIssuer(db: Db, issuerId: string, limit = 200) {
  return db.selectFrom("award_lists").innerJoin("achievements", "achievements.id", "award_lists.achievement_id")
    .selectAll("award_lists").select("achievements.name as achievement_name")
    .where("award_lists.issuer_id", "=", issuerId).orderBy("award_lists.created_at", "desc").limit(limit).execute();
}

/**
 * Changes a list only if it is in one of the `from` states; false when it was not (so a second
 * submit, approval or return of the same list changes nothing).
 */
export async function updateListIf(db: Db, id: string, from: string[], patch: Updateable<AwardListsTable>): Promise<boolean> {
  const res = await db.updateTable("award_lists").set(patch).where("id", "=", id).where("status", "in", from).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Changes a list whatever its state (counters, job id). */
export async function updateList(db: Db, id: string, patch: Updateable<AwardListsTable>): Promise<void> {
  await db.updateTable("award_lists").set(patch).where("id", "=", id).execute();
}

/** Stores rows in chunks (bound-parameter limits of SQLite and PostgreSQL). */
export async function insertItems(db: Db, rows: Insertable<AwardItemsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) await db.insertInto("award_items").values(rows.slice(i, i + 400)).execute();
}

/** Deletes every row of a list (before its contents are replaced). */
export async function deleteItems(db: Db, listId: string): Promise<void> {
  await db.deleteFrom("award_items").where("list_id", "=", listId).execute();
}

/** Deletes one row of a list. */
export async function deleteItem(db: Db, listId: string, itemId: string): Promise<boolean> {
  const res = await db.deleteFrom("award_items").where("list_id", "=", listId).where("id", "=", itemId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Finds one row of a list. */
export function findItem(db: Db, listId: string, itemId: string): Promise<AwardItemRow | undefined> {
  return db.selectFrom("award_items").selectAll().where("list_id", "=", listId).where("id", "=", itemId).executeTakeFirst();
}

/** Every row of a list, in list order. */
export function listItems(db: Db, listId: string): Promise<AwardItemRow[]> {
  return db.selectFrom("award_items").selectAll().where("list_id", "=", listId).orderBy("row_number").orderBy("id").execute();
}

/** One page of a list's rows; `statuses` limits to some (e.g. the problems). */
export function listItemsPage(db: Db, listId: string, opts: { statuses?: string[]; limit: number; offset: number }): Promise<AwardItemRow[]> {
  return db.selectFrom("award_items").selectAll().where("list_id", "=", listId)
    .$if(!!opts.statuses, (qb) => qb.where("status", "in", opts.statuses!))
    .orderBy("row_number").orderBy("id").limit(opts.limit).offset(opts.offset).execute();
}

/** The next rows still to issue, in list order. */
export function listPendingItems(db: Db, listId: string, limit: number): Promise<AwardItemRow[]> {
  return db.selectFrom("award_items").selectAll().where("list_id", "=", listId).where("status", "=", "valid")
    .orderBy("row_number").orderBy("id").limit(limit).execute();
}

/** Rows per status of a list. */
export async function countItems(db: Db, listId: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom("award_items").select(["status", (eb) => eb.fn.countAll().as("n")]).where("list_id", "=", listId).groupBy("status").execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Changes the check outcome of one row. */
export async function updateItem(db: Db, id: string, patch: Updateable<AwardItemsTable>): Promise<void> {
  await db.updateTable("award_items").set(patch).where("id", "=", id).execute();
}

/** Marks rows issued with their credential (only rows not yet marked), one statement per 200 rows. */
export async function markIssued(db: Db, pairs: Array<{ itemId: string; credentialId: string }>): Promise<void> {
  for (let i = 0; i < pairs.length; i += 200) {
    const chunk = pairs.slice(i, i + 200);
    const credentialOf = sql<string>`case ${sql.join(chunk.map((p) => sql`when id = ${p.itemId} then ${p.credentialId}`), sql` `)} end`;
    await db.updateTable("award_items").set({ status: "issued", credential_id: credentialOf })
      .where("id", "in", chunk.map((p) => p.itemId)).where("status", "=", "valid").execute();
  }
}

/** The award settings of a template, if any were saved. */
export function findSettings(db: Db, achievementId: string): Promise<AchievementAwardSettingsRow | undefined> {
  return db.selectFrom("achievement_award_settings").selectAll().where("achievement_id", "=", achievementId).executeTakeFirst();
}

/** Saves the award settings of a template. */
export async function upsertSettings(db: Db, row: AchievementAwardSettingsRow): Promise<void> {
  const { achievement_id: _, ...rest } = row;
  await db.insertInto("achievement_award_settings").values(row).onConflict((oc) => oc.column("achievement_id").doUpdateSet(rest)).execute();
}
