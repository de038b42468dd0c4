import type { Db, StatusListRow } from "../db/database.ts";

/** Finds the list of an issuer for a purpose. */
export function findStatusList(db: Db, issuerId: string, purpose: string): Promise<StatusListRow | undefined> {
  return db.selectFrom("status_lists").selectAll().where("issuer_id", "=", issuerId).where("purpose", "=", purpose).executeTakeFirst();
}

/** Creates the list row if missing (dirty, so it is built on first read). */
export async function ensureStatusList(db: Db, row: StatusListRow): Promise<void> {
  await db.insertInto("status_lists").values(row).onConflict((oc) => oc.columns(["issuer_id", "purpose"]).doNothing()).execute();
}

/** Marks a list for re-signing. */
export async function markStatusListDirty(db: Db, issuerId: string, purpose: string, at: string): Promise<void> {
  await db.updateTable("status_lists").set({ dirty: 1, updated_at: at }).where("issuer_id", "=", issuerId).where("purpose", "=", purpose).execute();
}

/** Stores the freshly signed list; stays dirty if it changed again meanwhile (compare-and-set on updated_at). */
export async function saveStatusListDocument(db: Db, id: string, document: string, etag: string, seenUpdatedAt: string, at: string): Promise<void> {
  await db.updateTable("status_lists").set({ document, etag, dirty: 0, updated_at: at }).where("id", "=", id).where("updated_at", "=", seenUpdatedAt).execute();
  await db.updateTable("status_lists").set({ document, etag }).where("id", "=", id).execute();
}
