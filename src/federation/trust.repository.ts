import type { Db } from "../db/database.ts";

/** Our issuers in an accepted relation with a remote actor: they follow it, or it follows them. */
export function listAcceptedRelations(db: Db, actorId: string) {
  return db.selectFrom("federation_follows").innerJoin("issuers", "issuers.id", "federation_follows.issuer_id")
    .select(["issuers.id as issuer_id", "issuers.name as issuer_name", "federation_follows.direction"])
    .where("federation_follows.actor_id", "=", actorId).where("federation_follows.state", "=", "accepted")
    .orderBy("issuers.name").orderBy("federation_follows.direction").execute();
}

/** Our issuers whose templates a remote actor endorsed (verified, not withdrawn). */
export function listIssuersEndorsedViaTemplates(db: Db, actorId: string) {
  return db.selectFrom("endorsements").innerJoin("achievements", "achievements.id", "endorsements.achievement_id")
    .innerJoin("issuers", "issuers.id", "achievements.issuer_id")
    .select(["issuers.id as issuer_id", "issuers.name as issuer_name"]).distinct()
    .where("endorsements.actor_id", "=", actorId).where("endorsements.direction", "=", "received").where("endorsements.withdrawn_at", "is", null)
    .orderBy("issuers.name").execute();
}

/** The OB Profile ids of our issuers a remote actor endorsed directly (verified, not withdrawn). */
export async function listIssuerSubjectsEndorsedBy(db: Db, actorId: string): Promise<string[]> {
  const rows = await db.selectFrom("endorsements").select("subject_id").distinct().where("actor_id", "=", actorId).where("direction", "=", "received")
    .where("achievement_id", "is", null).where("withdrawn_at", "is", null).orderBy("subject_id").execute();
  return rows.map((r) => r.subject_id);
}
