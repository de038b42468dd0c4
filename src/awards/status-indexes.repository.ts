import type { Db } from "../db/database.ts";
import type { StatusIndexesTable } from "./status-indexes.tables.ts";

/** The one status list whose index space credentials and endorsements share (a credential's suspension index is the same number). */
export const SHARED_PURPOSE = "revocation";

/** Claims indexes for credentials or endorsements of an issuer; throws a unique violation when one is taken. */
export async function claimStatusIndexes(db: Db, issuerId: string, kind: StatusIndexesTable["kind"], claims: Array<{ index: number; objectId: string }>): Promise<void> {
  for (let i = 0; i < claims.length; i += 200) {
    const values = claims.slice(i, i + 200).map((c) => ({ issuer_id: issuerId, purpose: SHARED_PURPOSE, idx: c.index, kind, object_id: c.objectId }));
    await db.insertInto("status_indexes").values(values).execute();
  }
}

/** Every index claimed in an issuer's shared space. */
export async function listClaimedIndexes(db: Db, issuerId: string): Promise<number[]> {
  const rows = await db.selectFrom("status_indexes").select("idx").where("issuer_id", "=", issuerId).where("purpose", "=", SHARED_PURPOSE).execute();
  return rows.map((r) => r.idx);
}
