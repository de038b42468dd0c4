import type { Insertable } from "kysely";
import type { Db } from "../db/database.ts";
import type { BackpackEntriesTable, BackpackEntryRow, LearnerPageRow } from "./backpack.tables.ts";

/** Entries of a user, newest first. */
export function listEntries(db: Db, userId: string): Promise<BackpackEntryRow[]> {
  return db.selectFrom("backpack_entries").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").execute();
}

/** One entry of a user. */
export function findEntry(db: Db, userId: string, id: string): Promise<BackpackEntryRow | undefined> {
  return db.selectFrom("backpack_entries").selectAll().where("user_id", "=", userId).where("id", "=", id).executeTakeFirst();
}

/** The entries (of any holder) pointing at a credential. */
export function listEntriesOfCredential(db: Db, credentialId: string): Promise<BackpackEntryRow[]> {
  return db.selectFrom("backpack_entries").selectAll().where("credential_id", "=", credentialId).execute();
}

/** Adds entries; an entry already there for the same credential is left alone. */
export async function insertEntries(db: Db, rows: Insertable<BackpackEntriesTable>[]): Promise<void> {
  for (const row of rows) {
    await db.insertInto("backpack_entries").values(row).onConflict((oc) => oc.columns(["user_id", "credential_id"]).doNothing()).execute();
  }
}

/** Updates an entry's status, visibility or name display. */
export async function updateEntry(db: Db, userId: string, id: string, changes: Partial<Pick<BackpackEntryRow, "status" | "visibility" | "show_name" | "updated_at">>): Promise<boolean> {
  const res = await db.updateTable("backpack_entries").set(changes).where("user_id", "=", userId).where("id", "=", id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Pages of a user. */
export function listPages(db: Db, userId: string): Promise<LearnerPageRow[]> {
  return db.selectFrom("learner_pages").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").execute();
}

/** One page by id. */
export function findPage(db: Db, id: string): Promise<LearnerPageRow | undefined> {
  return db.selectFrom("learner_pages").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Stores a page. */
export async function insertPage(db: Db, row: LearnerPageRow): Promise<void> {
  await db.insertInto("learner_pages").values(row).execute();
}

/** Updates a page. */
export async function updatePage(db: Db, userId: string, id: string, changes: Partial<Pick<LearnerPageRow, "title" | "intro" | "published" | "updated_at">>): Promise<void> {
  await db.updateTable("learner_pages").set(changes).where("user_id", "=", userId).where("id", "=", id).execute();
}

/** Deletes a page. */
export async function deletePage(db: Db, userId: string, id: string): Promise<void> {
  await db.deleteFrom("learner_pages").where("user_id", "=", userId).where("id", "=", id).execute();
}

/** Replaces the badges of a page, in order. */
export async function replacePageEntries(db: Db, pageId: string, entryIds: string[]): Promise<void> {
  await db.deleteFrom("learner_page_entries").where("page_id", "=", pageId).execute();
  if (entryIds.length) await db.insertInto("learner_page_entries").values(entryIds.map((entry_id, position) => ({ page_id: pageId, entry_id, position }))).execute();
}

/** The entry ids of a page, in order. */
export async function listPageEntryIds(db: Db, pageId: string): Promise<string[]> {
  const rows = await db.selectFrom("learner_page_entries").select("entry_id").where("page_id", "=", pageId).orderBy("position").execute();
  return rows.map((r) => r.entry_id);
}

/** The imported entry of a user for one external credential. */
export function findExternalEntry(db: Db, userId: string, key: string): Promise<BackpackEntryRow | undefined> {
  return db.selectFrom("backpack_entries").selectAll().where("user_id", "=", userId).where("external_key", "=", key).executeTakeFirst();
}

/** Adds an imported entry; one already there for the same credential wins (the unique key). */
export async function insertExternalEntry(db: Db, row: BackpackEntryRow): Promise<void> {
  await db.insertInto("backpack_entries").values(row).onConflict((oc) => oc.columns(["user_id", "external_key"]).doNothing()).execute();
}

/** Deletes an imported entry (the page links go with it); entries of this node's credentials stay. */
export async function deleteExternalEntry(db: Db, userId: string, id: string): Promise<boolean> {
  const res = await db.deleteFrom("backpack_entries").where("user_id", "=", userId).where("id", "=", id).where("credential_id", "is", null).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** One entry by id, whoever holds it (the caller checks who may see it). */
export function findEntryById(db: Db, id: string): Promise<BackpackEntryRow | undefined> {
  return db.selectFrom("backpack_entries").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Deletes a user's entries of this node's credentials except those listed (imported badges stay). */
export async function deleteCredentialEntriesExcept(db: Db, userId: string, keepCredentialIds: string[]): Promise<void> {
  let query = db.deleteFrom("backpack_entries").where("user_id", "=", userId).where("credential_id", "is not", null);
  if (keepCredentialIds.length) query = query.where("credential_id", "not in", keepCredentialIds);
  await query.execute();
}
