import type { Db, IssuerKeyRow } from "../db/database.ts";

/** Stores a key. */
export async function insertIssuerKey(db: Db, row: IssuerKeyRow): Promise<void> {
  await db.insertInto("issuer_keys").values(row).execute();
}

/** Every key of an issuer, oldest first (all stay published). */
export function listIssuerKeys(db: Db, issuerId: string): Promise<IssuerKeyRow[]> {
  return db.selectFrom("issuer_keys").selectAll().where("issuer_id", "=", issuerId).orderBy("created_at").orderBy("kid").execute();
}

/** One key by issuer and kid. */
export function findIssuerKey(db: Db, issuerId: string, kid: string): Promise<IssuerKeyRow | undefined> {
  return db.selectFrom("issuer_keys").selectAll().where("issuer_id", "=", issuerId).where("kid", "=", kid).executeTakeFirst();
}

/** The key that signs now: the newest one neither retired nor revoked. */
export function findActiveIssuerKey(db: Db, issuerId: string): Promise<IssuerKeyRow | undefined> {
  return db.selectFrom("issuer_keys").selectAll().where("issuer_id", "=", issuerId)
    .where("retired_at", "is", null).where("revoked_at", "is", null).orderBy("created_at", "desc").orderBy("kid", "desc").executeTakeFirst();
}

/** Retires the signing keys of an issuer (rotation). */
export async function retireIssuerKeys(db: Db, issuerId: string, at: string): Promise<void> {
  await db.updateTable("issuer_keys").set({ retired_at: at }).where("issuer_id", "=", issuerId).where("retired_at", "is", null).execute();
}

/** Marks a key compromised. */
export async function revokeIssuerKey(db: Db, issuerId: string, kid: string, at: string, reason: string): Promise<boolean> {
  const res = await db.updateTable("issuer_keys").set({ revoked_at: at, revocation_reason: reason, retired_at: at })
    .where("issuer_id", "=", issuerId).where("kid", "=", kid).where("revoked_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
