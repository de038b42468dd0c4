import type { Db } from "../db/database.ts";
import type { EndorsementRow } from "./federation.tables.ts";

/** Stores an endorsement (one per AS2 id: a second delivery changes nothing). */
export async function insertEndorsement(db: Db, row: EndorsementRow): Promise<boolean> {
  const res = await db.insertInto("endorsements").values(row).onConflict((oc) => oc.column("ap_id").doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Verified endorsements received for one of our templates, with the endorser's cached name. */
export function listReceivedEndorsements(db: Db, achievementId: string) {
  return db.selectFrom("endorsements").leftJoin("remote_actors", "remote_actors.id", "endorsements.actor_id")
    .select(["endorsements.id", "endorsements.actor_id", "endorsements.comment", "endorsements.created_at", "endorsements.vc_json", "remote_actors.name", "remote_actors.handle"])
    .where("endorsements.achievement_id", "=", achievementId).where("endorsements.direction", "=", "received")
    .orderBy("endorsements.created_at").execute();
}

/** Endorsements our issuers gave to a partner's template (by its OB id). */
export function listGivenEndorsements(db: Db, subjectId: string): Promise<EndorsementRow[]> {
  return db.selectFrom("endorsements").selectAll().where("subject_id", "=", subjectId).where("direction", "=", "given").orderBy("created_at").execute();
}
