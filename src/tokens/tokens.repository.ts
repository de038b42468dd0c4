import type { ApiTokenRow, Db } from "../db/database.ts";

/** Stores a token (hash only). */
export async function insertApiToken(db: Db, row: ApiTokenRow): Promise<void> {
  await db.insertInto("api_tokens").values(row).execute();
}

/** Finds a live token by hash. */
export function findLiveApiToken(db: Db, tokenHash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom("api_tokens").selectAll().where("token_hash", "=", tokenHash).where("revoked_at", "is", null).executeTakeFirst();
}

/** Lists an issuer's tokens, newest first. */
export function listApiTokens(db: Db, issuerId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom("api_tokens").selectAll().where("issuer_id", "=", issuerId).orderBy("created_at", "desc").execute();
}

/** Revokes a token of an issuer. */
export async function revokeApiToken(db: Db, issuerId: string, id: string, now: string): Promise<boolean> {
  const res = await db.updateTable("api_tokens").set({ revoked_at: now }).where("issuer_id", "=", issuerId).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Records the last use of a token. */
export async function touchApiToken(db: Db, id: string, now: string): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
}
