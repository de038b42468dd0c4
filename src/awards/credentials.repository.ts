import type { Insertable } from "kysely";
import type { CredentialRow, CredentialsTable, Db } from "../db/database.ts";
import { STATUS_LIST_SIZE } from "../credentials/bitstring.ts";
import { randomInt } from "node:crypto";

/** Stores an issued credential. */
export async function insertCredential(db: Db, row: Insertable<CredentialsTable>): Promise<void> {
  await db.insertInto("credentials").values(row).execute();
}

/** Finds a credential by id. */
export function findCredential(db: Db, id: string): Promise<CredentialRow | undefined> {
  return db.selectFrom("credentials").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds the credential issued for an award line (idempotency). */
export function findCredentialByItem(db: Db, awardItemId: string): Promise<CredentialRow | undefined> {
  return db.selectFrom("credentials").selectAll().where("award_item_id", "=", awardItemId).executeTakeFirst();
}

/** Credentials a recipient holds for some templates, not revoked. */
export function listHeldCredentials(db: Db, recipient: string, achievementIds: string[]) {
  if (achievementIds.length === 0) return Promise.resolve([] as Pick<CredentialRow, "id" | "achievement_id" | "status">[]);
  return db.selectFrom("credentials").select(["id", "achievement_id", "status"]).where("recipient", "=", recipient)
    .where("achievement_id", "in", achievementIds).where("status", "!=", "revoked").execute();
}

/** Recipients (among some) who already hold a template, not revoked. */
export async function listHolders(db: Db, achievementId: string, recipients: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < recipients.length; i += 500) {
    const chunk = recipients.slice(i, i + 500);
    const rows = await db.selectFrom("credentials").select("recipient").where("achievement_id", "=", achievementId)
      .where("recipient", "in", chunk).where("status", "!=", "revoked").execute();
    for (const r of rows) if (r.recipient) out.add(r.recipient);
  }
  return out;
}

/** Counts holders (not revoked) per template. */
export async function countHolders(db: Db, achievementIds: string[]): Promise<Map<string, number>> {
  if (achievementIds.length === 0) return new Map();
  const rows = await db.selectFrom("credentials").select(["achievement_id", (eb) => eb.fn.countAll().as("n")])
    .where("achievement_id", "in", achievementIds).where("status", "!=", "revoked").groupBy("achievement_id").execute();
  return new Map(rows.map((r) => [r.achievement_id, Number(r.n)]));
}

/** Every status-list index an issuer already uses. */
export async function listUsedStatusIndexes(db: Db, issuerId: string): Promise<Set<number>> {
  const rows = await db.selectFrom("credentials").select("status_index").where("issuer_id", "=", issuerId).execute();
  return new Set(rows.map((r) => r.status_index));
}

/** Picks a free random index (W3C: assign indexes randomly) and marks it used in `used`. */
export function pickStatusIndex(used: Set<number>): number {
  if (used.size >= STATUS_LIST_SIZE * 0.9) throw new Error("status list nearly full: no free index");
  for (;;) {
    const index = randomInt(0, STATUS_LIST_SIZE);
    if (!used.has(index)) {
      used.add(index);
      return index;
    }
  }
}

/** Status-list bits: revoked credentials, or currently suspended ones. */
export async function listStatusIndexes(db: Db, issuerId: string, status: "revoked" | "suspended"): Promise<number[]> {
  const rows = await db.selectFrom("credentials").select("status_index").where("issuer_id", "=", issuerId).where("status", "=", status).execute();
  return rows.map((r) => r.status_index);
}

/** Changes a credential's status; returns false if it was not in the expected state. */
export async function updateCredentialStatus(db: Db, id: string, from: string[], to: string, reason: string | null, at: string): Promise<boolean> {
  const res = await db.updateTable("credentials").set({ status: to, status_reason: reason, status_changed_at: at })
    .where("id", "=", id).where("status", "in", from).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Credentials issued to a recipient, newest first. */
export function listCredentialsOfRecipient(db: Db, recipients: string[]): Promise<CredentialRow[]> {
  if (recipients.length === 0) return Promise.resolve([]);
  return db.selectFrom("credentials").selectAll().where("recipient", "in", recipients).orderBy("created_at", "desc").execute();
}

/** Credentials of a template, newest first (staff view). */
export function listCredentialsOfAchievement(db: Db, achievementId: string, limit = 200): Promise<CredentialRow[]> {
  return db.selectFrom("credentials").selectAll().where("achievement_id", "=", achievementId).orderBy("created_at", "desc").limit(limit).execute();
}
