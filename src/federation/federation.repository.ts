import type { Insertable } from "kysely";
import type { Db } from "../db/database.ts";
import type { ActorKeyRow, ActorKeysTable, BlockedDomainRow, FollowRow, RemoteActorRow, RemoteActorsTable } from "./federation.tables.ts";

/** A follow relation with the remote actor's cached details (null before the first fetch). */
export interface FollowWithActor extends FollowRow {
  handle: string | null;
  name: string | null;
  inbox: string | null;
  shared_inbox: string | null;
}

// ---- actor keys ----

/** An actor's keys (RSA first: Fedify publishes the first pair as `publicKey`). */
export function listActorKeys(db: Db, owner: string): Promise<ActorKeyRow[]> {
  return db.selectFrom("actor_keys").selectAll().where("owner", "=", owner).orderBy("algorithm", "desc").execute();
}

/** Inserts a key unless the owner already has one of that algorithm (two first requests may race). */
export async function insertActorKeyIfAbsent(db: Db, row: Insertable<ActorKeysTable>): Promise<void> {
  await db.insertInto("actor_keys").values(row).onConflict((oc) => oc.columns(["owner", "algorithm"]).doNothing()).execute();
}

// ---- settings ----

/** An issuer's accept policy ("auto" when never set). */
export async function findAcceptPolicy(db: Db, issuerId: string): Promise<"auto" | "manual"> {
  const row = await db.selectFrom("federation_settings").select("accept_policy").where("issuer_id", "=", issuerId).executeTakeFirst();
  return row?.accept_policy === "manual" ? "manual" : "auto";
}

/** Sets an issuer's accept policy. */
export async function upsertAcceptPolicy(db: Db, issuerId: string, policy: string, now: string): Promise<void> {
  await db.insertInto("federation_settings").values({ issuer_id: issuerId, accept_policy: policy, updated_at: now })
    .onConflict((oc) => oc.column("issuer_id").doUpdateSet({ accept_policy: policy, updated_at: now })).execute();
}

// ---- follows ----

/** One relation of an issuer with a remote actor. */
export function findFollow(db: Db, issuerId: string, direction: string, actorId: string): Promise<FollowRow | undefined> {
  return db.selectFrom("federation_follows").selectAll()
    .where("issuer_id", "=", issuerId).where("direction", "=", direction).where("actor_id", "=", actorId).executeTakeFirst();
}

/** The relation created by a Follow activity (ours or theirs). */
export function findFollowByActivity(db: Db, activityId: string): Promise<FollowRow | undefined> {
  return db.selectFrom("federation_follows").selectAll().where("activity_id", "=", activityId).executeTakeFirst();
}

/** Creates or renews a relation (a repeated Follow replaces the activity id and the state). */
export async function upsertFollow(db: Db, row: FollowRow): Promise<void> {
  await db.insertInto("federation_follows").values(row)
    .onConflict((oc) => oc.columns(["issuer_id", "direction", "actor_id"]).doUpdateSet({ state: row.state, activity_id: row.activity_id, updated_at: row.updated_at }))
    .execute();
}

/** Changes a relation's state. */
export async function updateFollowState(db: Db, id: string, state: string, now: string): Promise<void> {
  await db.updateTable("federation_follows").set({ state, updated_at: now }).where("id", "=", id).execute();
}

/** Deletes a relation. */
export async function deleteFollow(db: Db, id: string): Promise<void> {
  await db.deleteFrom("federation_follows").where("id", "=", id).execute();
}

/** An issuer's relations in one direction, with the cached actor details, newest first. */
export function listFollows(db: Db, issuerId: string, direction: string, state?: string): Promise<FollowWithActor[]> {
  return db.selectFrom("federation_follows").leftJoin("remote_actors", "remote_actors.id", "federation_follows.actor_id")
    .selectAll("federation_follows")
    .select(["remote_actors.handle", "remote_actors.name", "remote_actors.inbox", "remote_actors.shared_inbox"])
    .where("federation_follows.issuer_id", "=", issuerId).where("federation_follows.direction", "=", direction)
    .$if(state !== undefined, (q) => q.where("federation_follows.state", "=", state!))
    .orderBy("federation_follows.created_at", "desc").orderBy("federation_follows.id").execute();
}

/** How many relations of one kind an issuer has. */
export async function countFollows(db: Db, issuerId: string, direction: string, state: string): Promise<number> {
  const row = await db.selectFrom("federation_follows").select((eb) => eb.fn.countAll().as("n"))
    .where("issuer_id", "=", issuerId).where("direction", "=", direction).where("state", "=", state).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Ends every "they follow us" relation of some actors (their inbox is gone: 404/410). */
export async function deleteFollowersByActors(db: Db, actorIds: string[]): Promise<number> {
  if (!actorIds.length) return 0;
  const res = await db.deleteFrom("federation_follows").where("direction", "=", "follower").where("actor_id", "in", actorIds).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** True when some local issuer follows this remote actor and was accepted. */
export async function isFollowedLocally(db: Db, actorId: string): Promise<boolean> {
  const row = await db.selectFrom("federation_follows").select("id")
    .where("actor_id", "=", actorId).where("direction", "=", "following").where("state", "=", "accepted").executeTakeFirst();
  return !!row;
}

/** Relations of an issuer with actors of one domain. */
export function listFollowsOnDomain(db: Db, issuerId: string, domain: string): Promise<FollowWithActor[]> {
  return db.selectFrom("federation_follows").innerJoin("remote_actors", "remote_actors.id", "federation_follows.actor_id")
    .selectAll("federation_follows")
    .select(["remote_actors.handle", "remote_actors.name", "remote_actors.inbox", "remote_actors.shared_inbox"])
    .where("federation_follows.issuer_id", "=", issuerId).where("remote_actors.domain", "=", domain).execute();
}

// ---- remote actors ----

/** A cached remote actor. */
export function findRemoteActor(db: Db, id: string): Promise<RemoteActorRow | undefined> {
  return db.selectFrom("remote_actors").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Some cached remote actors. */
export function listRemoteActors(db: Db, ids: string[]): Promise<RemoteActorRow[]> {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom("remote_actors").selectAll().where("id", "in", ids).execute();
}

/** Caches (or refreshes) a remote actor. */
export async function upsertRemoteActor(db: Db, row: Insertable<RemoteActorsTable>): Promise<void> {
  const { id: _id, ...changes } = row;
  await db.insertInto("remote_actors").values(row).onConflict((oc) => oc.column("id").doUpdateSet(changes)).execute();
}

// ---- blocks ----

/** An issuer's blocked domains. */
export function listBlockedDomains(db: Db, issuerId: string): Promise<BlockedDomainRow[]> {
  return db.selectFrom("blocked_domains").selectAll().where("issuer_id", "=", issuerId).orderBy("domain").execute();
}

/** Blocks a domain for an issuer (idempotent). */
export async function insertBlockedDomain(db: Db, row: BlockedDomainRow): Promise<void> {
  await db.insertInto("blocked_domains").values(row).onConflict((oc) => oc.columns(["issuer_id", "domain"]).doNothing()).execute();
}

/** Unblocks a domain for an issuer. */
export async function deleteBlockedDomain(db: Db, issuerId: string, domain: string): Promise<void> {
  await db.deleteFrom("blocked_domains").where("issuer_id", "=", issuerId).where("domain", "=", domain).execute();
}

/** True when the issuer blocked the domain. */
export async function isBlockedFor(db: Db, issuerId: string, domain: string): Promise<boolean> {
  const row = await db.selectFrom("blocked_domains").select("domain").where("issuer_id", "=", issuerId).where("domain", "=", domain).executeTakeFirst();
  return !!row;
}

/**
 * True when a domain may not post to the shared inbox: some issuer blocked it and no issuer that
 * did not block it has a relation with one of its actors (nobody here is waiting for its news).
 */
export async function isRefusedOnSharedInbox(db: Db, domain: string): Promise<boolean> {
  const blocked = await db.selectFrom("blocked_domains").select("issuer_id").where("domain", "=", domain).executeTakeFirst();
  if (!blocked) return false;
  const wanted = await db.selectFrom("federation_follows").innerJoin("remote_actors", "remote_actors.id", "federation_follows.actor_id")
    .select("federation_follows.id").where("remote_actors.domain", "=", domain)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("blocked_domains").select("domain")
      .whereRef("blocked_domains.issuer_id", "=", "federation_follows.issuer_id").where("blocked_domains.domain", "=", domain))))
    .executeTakeFirst();
  return !wanted;
}

// ---- processed activities ----

/** True when an activity id was already handled. */
export async function isActivityProcessed(db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom("federation_activities").select("id").where("id", "=", id).executeTakeFirst();
  return !!row;
}

/** Records a handled activity (a second record of the same id is ignored). */
export async function insertProcessedActivity(db: Db, row: { id: string; actor_id: string; type: string; outcome: string; received_at: string }): Promise<void> {
  await db.insertInto("federation_activities").values(row).onConflict((oc) => oc.column("id").doNothing()).execute();
}

/** The record of a handled activity (its outcome), if any. */
export async function findProcessedActivity(db: Db, id: string) {
  return db.selectFrom("federation_activities").selectAll().where("id", "=", id).executeTakeFirst();
}
