import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./federation.repository.ts";
import type { FollowWithActor } from "./federation.repository.ts";
import type { RemoteActorsTable } from "./federation.tables.ts";

/** A remote ActivityPub actor as this node keeps it (its `remote_actors` row, less the fetch time). */
export type RemoteActor = Omit<RemoteActorsTable, "fetched_at">;

/** What the partner rules need from the network; implemented over Fedify in network.ts. */
export interface FederationNetwork {
  /** Finds an actor by handle (`@slug@host`) or URL; null when nothing answers as an actor. */
  lookupActor(target: string): Promise<RemoteActor | null>;
  /** A new id for an activity of one of our issuers. */
  newActivityId(issuerSlug: string, kind: string): string;
  sendFollow(issuerSlug: string, remote: RemoteActor, followId: string): Promise<void>;
  sendUndoFollow(issuerSlug: string, remote: RemoteActor, followId: string): Promise<void>;
  sendAccept(issuerSlug: string, remote: RemoteActor, followId: string): Promise<void>;
  sendReject(issuerSlug: string, remote: RemoteActor, followId: string): Promise<void>;
  /** Tells an origin that we reused its template (Announce of its Document). */
  sendAnnounce(issuerSlug: string, remote: RemoteActor, objectId: string, activityId: string): Promise<void>;
  /** Delivers a signed credential (an endorsement) replying to `inReplyTo`, to its owner and our followers. */
  sendEndorsement(issuerSlug: string, owner: RemoteActor, doc: { apId: string; activityId: string; content: string; inReplyTo: string; name: string }): Promise<void>;
  /** Withdraws one of our endorsements: a Delete of its Document, to its owner and our followers. */
  sendEndorsementDelete(issuerSlug: string, owner: RemoteActor, doc: { apId: string; activityId: string }): Promise<void>;
}

export type FollowError = "not-found" | "self" | "local" | "blocked";
export type AcceptPolicy = "auto" | "manual";

/** The host part of an actor id or of what an admin typed ("partner.example", a URL, a handle). */
export function domainOf(value: string): string | null {
  const text = value.trim().toLowerCase();
  if (!text) return null;
  try {
    if (/^https?:\/\//.test(text)) return new URL(text).host;
    const host = text.replace(/^acct:/, "").replace(/^@/, "").split("@").pop()!;
    const named = /^[a-z0-9.-]+(:\d{1,5})?$/.test(host) && host.includes(".");
    return named || /^localhost(:\d+)?$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

function toRemote(row: FollowWithActor): RemoteActor {
  return {
    id: row.actor_id, domain: domainOf(row.actor_id) ?? "", handle: row.handle ?? row.actor_id, name: row.name ?? row.actor_id,
    type: "Organization", inbox: row.inbox ?? row.actor_id, shared_inbox: row.shared_inbox, url: null, summary: null,
  };
}

/** Partners of an issuer: whom it follows, who follows it (accept policy), blocked domains. */
export function createFederationService(deps: {
  db: Db; clock: Clock; audit: AuditService; issuers: IssuersService; network: FederationNetwork; origin: string;
}) {
  const { db, clock, audit, network } = deps;
  const localActor = (slug: string) => `${deps.origin}/issuers/${slug}`;

  async function remember(remote: RemoteActor): Promise<void> {
    await repo.upsertRemoteActor(db, { ...remote, fetched_at: isoNow(clock) });
  }

  async function findFollower(issuer: IssuerRow, actorId: string): Promise<FollowWithActor | undefined> {
    return (await repo.listFollows(db, issuer.id, "follower")).find((f) => f.actor_id === actorId);
  }

  async function dropRelation(actor: Actor, issuer: IssuerRow, row: FollowWithActor, action: string): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await repo.deleteFollow(tx, row.id);
      await audit.record(actor, { action, objectType: "federation_follow", objectId: row.actor_id, issuerId: issuer.id }, tx);
    });
    const remote = toRemote(row);
    if (row.direction === "following") await network.sendUndoFollow(issuer.slug, remote, row.activity_id);
    else await network.sendReject(issuer.slug, remote, row.activity_id);
  }

  return {
    remember,

    /** What the partners page shows. */
    async overview(issuer: IssuerRow) {
      const [policy, following, followers, blocks] = await Promise.all([
        repo.findAcceptPolicy(db, issuer.id), repo.listFollows(db, issuer.id, "following"),
        repo.listFollows(db, issuer.id, "follower"), repo.listBlockedDomains(db, issuer.id),
      ]);
      return { policy, following, followers: followers.filter((f) => f.state === "accepted"), pending: followers.filter((f) => f.state === "pending"), blocks };
    },

    following: (issuerId: string) => repo.listFollows(db, issuerId, "following"),
    followers: (issuerId: string) => repo.listFollows(db, issuerId, "follower"),
    /** Accepted followers, for deliveries and the followers collection. */
    recipients: async (issuerId: string) => (await repo.listFollows(db, issuerId, "follower", "accepted")).map(toRemote),
    policyOf: (issuerId: string) => repo.findAcceptPolicy(db, issuerId),
    countFollowers: (issuerId: string) => repo.countFollows(db, issuerId, "follower", "accepted"),
    isPartner: (actorId: string) => repo.isFollowedLocally(db, actorId),

    /** Follows a remote issuer by handle or URL; the relation stays pending until it accepts. */
    async follow(actor: Actor, issuer: IssuerRow, target: string): Promise<Result<FollowWithActor, FollowError>> {
      const remote = await network.lookupActor(target.trim());
      if (!remote) return err("not-found");
      if (remote.id === localActor(issuer.slug)) return err("self");
      if (remote.id.startsWith(deps.origin + "/")) return err("local");
      if (await repo.isBlockedFor(db, issuer.id, remote.domain)) return err("blocked");
      await remember(remote);
      const now = isoNow(clock);
      const followId = network.newActivityId(issuer.slug, "follow");
      const existing = await repo.findFollow(db, issuer.id, "following", remote.id);
      await db.transaction().execute(async (tx) => {
        await repo.upsertFollow(tx, { id: existing?.id ?? newId(), issuer_id: issuer.id, direction: "following", actor_id: remote.id, state: "pending", activity_id: followId, created_at: existing?.created_at ?? now, updated_at: now });
        await audit.record(actor, { action: "federation.follow", objectType: "federation_follow", objectId: remote.id, issuerId: issuer.id }, tx);
      });
      await network.sendFollow(issuer.slug, remote, followId);
      return ok((await repo.listFollows(db, issuer.id, "following")).find((f) => f.actor_id === remote.id)!);
    },

    /** Stops following a remote issuer (Undo Follow). */
    async unfollow(actor: Actor, issuer: IssuerRow, actorId: string): Promise<Result<void, "not-found">> {
      const row = (await repo.listFollows(db, issuer.id, "following")).find((f) => f.actor_id === actorId);
      if (!row) return err("not-found");
      await dropRelation(actor, issuer, row, "federation.unfollow");
      return ok(undefined);
    },

    /** Accepts a pending follower (manual policy). */
    async acceptFollower(actor: Actor, issuer: IssuerRow, actorId: string): Promise<Result<void, "not-found">> {
      const row = await findFollower(issuer, actorId);
      if (!row) return err("not-found");
      await db.transaction().execute(async (tx) => {
        await repo.updateFollowState(tx, row.id, "accepted", isoNow(clock));
        await audit.record(actor, { action: "federation.accept", objectType: "federation_follow", objectId: actorId, issuerId: issuer.id }, tx);
      });
      await network.sendAccept(issuer.slug, toRemote(row), row.activity_id);
      return ok(undefined);
    },

    /** Refuses a pending follower, or removes an accepted one (Reject). */
    async refuseFollower(actor: Actor, issuer: IssuerRow, actorId: string): Promise<Result<void, "not-found">> {
      const row = await findFollower(issuer, actorId);
      if (!row) return err("not-found");
      await dropRelation(actor, issuer, row, "federation.refuse");
      return ok(undefined);
    },

    /** Sets how incoming follows are answered. */
    async setPolicy(actor: Actor, issuer: IssuerRow, policy: AcceptPolicy): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await repo.upsertAcceptPolicy(tx, issuer.id, policy, isoNow(clock));
        await audit.record(actor, { action: "federation.policy", objectType: "issuer", objectId: issuer.id, issuerId: issuer.id, details: { policy } }, tx);
      });
    },

    /** Blocks a domain for an issuer: its activities are refused and current relations with it end. */
    async block(actor: Actor, issuer: IssuerRow, input: string): Promise<Result<string, "invalid">> {
      const domain = domainOf(input);
      if (!domain) return err("invalid");
      await db.transaction().execute(async (tx) => {
        await repo.insertBlockedDomain(tx, { issuer_id: issuer.id, domain, created_by: actor.userId, created_at: isoNow(clock) });
        await audit.record(actor, { action: "federation.block", objectType: "domain", objectId: domain, issuerId: issuer.id }, tx);
      });
      for (const row of await repo.listFollowsOnDomain(db, issuer.id, domain)) await dropRelation(actor, issuer, row, "federation.blockDrop");
      return ok(domain);
    },

    /** Lifts a block. */
    async unblock(actor: Actor, issuer: IssuerRow, domain: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await repo.deleteBlockedDomain(tx, issuer.id, domain);
        await audit.record(actor, { action: "federation.unblock", objectType: "domain", objectId: domain, issuerId: issuer.id }, tx);
      });
    },

    ...createInboundRules(deps, remember),
  };
}

type Deps = Parameters<typeof createFederationService>[0];

// What arrives in the inboxes (listeners in inbox.ts call these): follows, answers, blocks, replays.
function createInboundRules(deps: Deps, remember: (remote: RemoteActor) => Promise<void>) {
  const { db, clock, network } = deps;
  return {
    /** True when an inbox must refuse a domain (before any key is fetched): personal inbox of `issuerSlug`, or the shared one. */
    async refusesDomain(domain: string, issuerSlug: string | null): Promise<boolean> {
      if (issuerSlug === null) return repo.isRefusedOnSharedInbox(db, domain);
      const issuer = await deps.issuers.findBySlug(issuerSlug);
      return !!issuer && repo.isBlockedFor(db, issuer.id, domain);
    },

    /** An incoming Follow: accepted at once (policy auto), kept pending (manual), or refused (blocked). */
    async receiveFollow(issuer: IssuerRow, remote: RemoteActor, followId: string): Promise<"accepted" | "pending" | "refused"> {
      if (await repo.isBlockedFor(db, issuer.id, remote.domain)) {
        await network.sendReject(issuer.slug, remote, followId);
        return "refused";
      }
      await remember(remote);
      const state = (await repo.findAcceptPolicy(db, issuer.id)) === "auto" ? "accepted" : "pending";
      const now = isoNow(clock);
      const existing = await repo.findFollow(db, issuer.id, "follower", remote.id);
      await repo.upsertFollow(db, { id: existing?.id ?? newId(), issuer_id: issuer.id, direction: "follower", actor_id: remote.id, state: existing?.state === "accepted" ? "accepted" : state, activity_id: followId, created_at: existing?.created_at ?? now, updated_at: now });
      if (state === "accepted" || existing?.state === "accepted") {
        await network.sendAccept(issuer.slug, remote, followId);
        return "accepted";
      }
      return "pending";
    },

    /** The partner accepted one of our Follows (matched by its id and its actor). */
    async receiveAccept(remoteId: string, followId: string): Promise<boolean> {
      const row = await repo.findFollowByActivity(db, followId);
      if (!row || row.direction !== "following" || row.actor_id !== remoteId) return false;
      await repo.updateFollowState(db, row.id, "accepted", isoNow(clock));
      return true;
    },

    /** The partner refused (or ended) one of our Follows. */
    async receiveReject(remoteId: string, followId: string | null): Promise<boolean> {
      const row = followId ? await repo.findFollowByActivity(db, followId) : undefined;
      if (!row || row.direction !== "following" || row.actor_id !== remoteId) return false;
      await repo.deleteFollow(db, row.id);
      return true;
    },

    /** A follower undid its Follow. */
    async receiveUndoFollow(remoteId: string, followId: string | null): Promise<boolean> {
      const row = followId ? await repo.findFollowByActivity(db, followId) : undefined;
      if (!row || row.direction !== "follower" || row.actor_id !== remoteId) return false;
      await repo.deleteFollow(db, row.id);
      return true;
    },

    /** Followers whose inbox answered 404/410 for good are dropped (deliveries to them would only fail). */
    dropGoneFollowers: (actorIds: string[]) => repo.deleteFollowersByActors(db, actorIds),
    alreadyProcessed: (activityId: string) => repo.isActivityProcessed(db, activityId),
    recordProcessed: (activityId: string, actorId: string, type: string, outcome: string) =>
      repo.insertProcessedActivity(db, { id: activityId, actor_id: actorId, type, outcome, received_at: isoNow(clock) }),
    findProcessed: (activityId: string) => repo.findProcessedActivity(db, activityId),
  };
}

export type FederationService = ReturnType<typeof createFederationService>;
