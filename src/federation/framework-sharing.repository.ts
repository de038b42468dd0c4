import type { Db } from "../db/database.ts";
import type { RemoteFrameworkRow } from "./federation.tables.ts";

/** A partner framework by local id. */
export function findRemoteFramework(db: Db, id: string): Promise<RemoteFrameworkRow | undefined> {
  return db.selectFrom("remote_frameworks").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A partner framework by its ActivityPub id. */
export function findRemoteFrameworkByApId(db: Db, apId: string): Promise<RemoteFrameworkRow | undefined> {
  return db.selectFrom("remote_frameworks").selectAll().where("ap_id", "=", apId).executeTakeFirst();
}

/** Partner frameworks in these statuses, by name (without their heavy JSON columns). */
export function listRemoteFrameworks(db: Db, statuses: string[]) {
  return db.selectFrom("remote_frameworks")
    .select(["id", "ap_id", "actor_id", "name", "description", "competencies", "status", "changed_at", "received_at", "archived_at"])
    .where("status", "in", statuses).orderBy("name").orderBy("id").limit(500).execute();
}

/** Stores a new partner framework. */
export async function insertRemoteFramework(db: Db, row: RemoteFrameworkRow): Promise<void> {
  await db.insertInto("remote_frameworks").values(row).execute();
}

/** Replaces a partner framework's content (same owner only). */
export async function updateRemoteFramework(db: Db, apId: string, actorId: string, changes: Partial<RemoteFrameworkRow>): Promise<void> {
  await db.updateTable("remote_frameworks").set(changes).where("ap_id", "=", apId).where("actor_id", "=", actorId).execute();
}

/** Marks a partner framework archived (its owner archived it); true when a row changed. */
export async function archiveRemoteFramework(db: Db, apId: string, actorId: string, now: string): Promise<boolean> {
  const res = await db.updateTable("remote_frameworks").set({ status: "archived", archived_at: now, updated_at: now })
    .where("ap_id", "=", apId).where("actor_id", "=", actorId).where("status", "!=", "archived").executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
