import type { Db } from "../db/database.ts";
import type { EndorsementRow } from "./federation.tables.ts";

/** Stores an endorsement (one per AS2 id: a second delivery changes nothing). */
export async function insertEndorsement(db: Db, row: EndorsementRow): Promise<boolean> {
  const res = await db.insertInto("endorsements").values(row).onConflict((oc) => oc.column("ap_id").doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** One endorsement by its local id. */
export function findEndorsement(db: Db, id: string): Promise<EndorsementRow | undefined> {
  return db.selectFrom("endorsements").selectAll().where("id", "=", id).executeTakeFirst();
}

function received(db: Db) {
  return db.selectFrom("endorsements").leftJoin("remote_actors", "remote_actors.id", "endorsements.actor_id")
    .select(["endorsements.id", "endorsements.actor_id", "endorsements.ap_id", "endorsements.comment", "endorsements.created_at", "endorsements.vc_json", "remote_actors.name", "remote_actors.handle"])
    .where("endorsements.direction", "=", "received").where("endorsements.withdrawn_at", "is", null);
}

/** Verified, not withdrawn endorsements received for one of our issuers (by its OB Profile id) from its partners. */
export function listReceivedIssuerEndorsements(db: Db, subjectId: string, issuerId: string) {
  return received(db).where("endorsements.achievement_id", "is", null).where("endorsements.subject_id", "=", subjectId)
    .where((eb) => eb.exists(eb.selectFrom("federation_follows").select("federation_follows.id").where("federation_follows.issuer_id", "=", issuerId)
      .whereRef("federation_follows.actor_id", "=", "endorsements.actor_id").where("federation_follows.state", "=", "accepted")))
    .orderBy("endorsements.created_at").orderBy("endorsements.id").execute();
}

/** Endorsements our issuers gave to a partner's template or issuer (by its OB id), withdrawn ones included. */
export function listGivenEndorsements(db: Db, subjectId: string): Promise<EndorsementRow[]> {
  return db.selectFrom("endorsements").selectAll().where("subject_id", "=", subjectId).where("direction", "=", "given").orderBy("created_at").orderBy("id").execute();
}

/** Marks one of our endorsements withdrawn; false when it already was. */
export async function withdrawGiven(db: Db, id: string, at: string): Promise<boolean> {
  const res = await db.updateTable("endorsements").set({ withdrawn_at: at }).where("id", "=", id).where("direction", "=", "given").where("withdrawn_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Marks a received endorsement withdrawn, only when `actorId` is its endorser; false otherwise. */
export async function withdrawReceived(db: Db, apId: string, actorId: string, at: string): Promise<boolean> {
  const res = await db.updateTable("endorsements").set({ withdrawn_at: at }).where("ap_id", "=", apId).where("actor_id", "=", actorId)
    .where("direction", "=", "received").where("withdrawn_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Whether an AS2 id names a received endorsement (a Delete of it is ours to handle). */
export async function isReceivedEndorsement(db: Db, apId: string): Promise<boolean> {
  return !!(await db.selectFrom("endorsements").select("id").where("ap_id", "=", apId).where("direction", "=", "received").executeTakeFirst());
}

/** Status-list indexes our issuer's endorsements use (all of them, or only the withdrawn ones). */
export async function listEndorsementIndexes(db: Db, issuerId: string, withdrawnOnly: boolean): Promise<number[]> {
  let q = db.selectFrom("endorsements").select("status_index").where("issuer_id", "=", issuerId).where("direction", "=", "given").where("status_index", "is not", null);
  if (withdrawnOnly) q = q.where("withdrawn_at", "is not", null);
  return (await q.execute()).map((r) => r.status_index!);
}

/** Whether new credentials of a template embed its endorsements (no row: no, the issuer opts in). */
export async function findEmbedSetting(db: Db, achievementId: string): Promise<boolean> {
  const row = await db.selectFrom("endorsement_settings").select("embed").where("achievement_id", "=", achievementId).executeTakeFirst();
  return row?.embed === 1;
}

/** Whether a remote actor is in an accepted follow relation (either way) with one of our issuers. */
export async function isPartnerOf(db: Db, issuerId: string, actorId: string): Promise<boolean> {
  const row = await db.selectFrom("federation_follows").select("id").where("issuer_id", "=", issuerId).where("actor_id", "=", actorId)
    .where("state", "=", "accepted").executeTakeFirst();
  return !!row;
}

/** Received, not withdrawn endorsements of a template whose endorser is (still) a partner of the template's issuer, oldest first. */
export function listPartnerEndorsements(db: Db, achievementId: string) {
  return received(db).innerJoin("achievements", "achievements.id", "endorsements.achievement_id")
    .where("endorsements.achievement_id", "=", achievementId)
    .where((eb) => eb.exists(eb.selectFrom("federation_follows").select("federation_follows.id")
      .whereRef("federation_follows.issuer_id", "=", "achievements.issuer_id").whereRef("federation_follows.actor_id", "=", "endorsements.actor_id")
      .where("federation_follows.state", "=", "accepted")))
    .orderBy("endorsements.created_at").orderBy("endorsements.id").execute();
}

/** Saves a template's embedding choice. */
export async function saveEmbedSetting(db: Db, achievementId: string, embed: boolean, at: string): Promise<void> {
  await db.insertInto("endorsement_settings").values({ achievement_id: achievementId, embed: embed ? 1 : 0, updated_at: at })
    .onConflict((oc) => oc.column("achievement_id").doUpdateSet({ embed: embed ? 1 : 0, updated_at: at })).execute();
}

/** The sender of a partner template, by the template's OB id (on the sender's own origin, so one sender). */
export async function findTemplateOwner(db: Db, obId: string): Promise<string | undefined> {
  return (await db.selectFrom("remote_templates").select("actor_id").where("ob_id", "=", obId).orderBy("received_at").executeTakeFirst())?.actor_id;
}

/** Endorsements one of our issuers gave (templates and issuers), newest first, withdrawn ones included. */
export function listGivenByIssuer(db: Db, issuerId: string): Promise<EndorsementRow[]> {
  return db.selectFrom("endorsements").selectAll().where("issuer_id", "=", issuerId).where("direction", "=", "given").orderBy("created_at", "desc").orderBy("id").execute();
}

/** Our issuer's templates with verified, not withdrawn endorsements: their names and embedding choice. */
export async function listEndorsedTemplates(db: Db, issuerId: string) {
  const rows = await db.selectFrom("endorsements").innerJoin("achievements", "achievements.id", "endorsements.achievement_id")
    .leftJoin("endorsement_settings", "endorsement_settings.achievement_id", "endorsements.achievement_id")
    .select(["achievements.id", "achievements.name", "endorsement_settings.embed", (eb) => eb.fn.countAll().as("n")])
    .where("achievements.issuer_id", "=", issuerId).where("endorsements.direction", "=", "received").where("endorsements.withdrawn_at", "is", null)
    .groupBy(["achievements.id", "achievements.name", "endorsement_settings.embed"]).orderBy("achievements.name").execute();
  return rows.map((r) => ({ id: r.id, name: r.name, count: Number(r.n), embed: r.embed === 1 }));
}
