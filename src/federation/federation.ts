// Fedify wiring: the Federation object on our database (KvStore) and jobs table (MessageQueue),
// its dispatchers and listeners, the publish job, and the Hono middlewares in front of it.
import { createFederation, type Federation } from "@fedify/fedify";
import { Create, Document, isActor } from "@fedify/vocab";
import type { Context, MiddlewareHandler } from "hono";
import type { PublicationChange } from "../achievements/achievements.service.ts";
import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { Db } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import type { Clock } from "../shared/clock.ts";
import type { ActorKeys } from "./actor-keys.ts";
import { registerActors } from "./actors.ts";
import { fedifyBridge, inboxGuard, wantsActivityStreams } from "./fedify-hono.ts";
import type { FederationService } from "./federation.service.ts";
import { registerInbox } from "./inbox.ts";
import type { FrameworkSharingService } from "./framework-sharing.service.ts";
import { FRAMEWORK_MEDIA_TYPE } from "./framework-payload.ts";
import { attachmentsOf, registerFrameworkSharing } from "./framework-vocab.ts";
import type { ReuseService } from "./reuse.service.ts";
import type { EndorsementsService } from "./endorsements.service.ts";
import { KyselyKvStore } from "./kv-store.ts";
import { JobsMessageQueue } from "./message-queue.ts";
import { BACKFILL_QUEUE, PUBLISH_QUEUE, type SharingService } from "./sharing.service.ts";
import { fromDocument, toTemplateActivity } from "./vocab.ts";

export interface FederationNodeDeps {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  origin: string;
  allowPrivateAddress: boolean;
  version: string;
  issuers: IssuersService;
  achievements: AchievementsService;
  partners: FederationService;
  sharing: SharingService;
  reuse: ReuseService;
  endorsements: EndorsementsService;
  actorKeys: ActorKeys;
  frameworkSharing: FrameworkSharingService;
}

/** Builds the node's Fedify `Federation` and starts listening on its queue (the jobs table). */
export function createFederationNode(d: FederationNodeDeps): Federation<void> {
  const queue = new JobsMessageQueue(d.jobs, d.clock);
  const federation = createFederation<void>({
    kv: new KyselyKvStore(d.db, d.clock),
    // Inbox activities are handled inline (a failure answers 5xx and the sender retries); only
    // outgoing deliveries and fan-out are queued, which also avoids the queued-inbox dedup bug.
    queue: { outbox: queue, fanout: queue },
    manuallyStartQueue: true,
    origin: d.origin,
    allowPrivateAddress: d.allowPrivateAddress,
    userAgent: { software: `francebadge/${d.version}` },
    permanentFailureStatusCodes: [404, 410],
  });
  registerActors(federation, d);
  federation.setOutboxPermanentFailureHandler(async (_ctx, failure) => {
    if (failure.statusCode === 404 || failure.statusCode === 410) await d.partners.dropGoneFollowers(failure.actorIds.map((u) => u.href));
  });
  registerInbox(federation, {
    issuers: d.issuers, partners: d.partners, sharing: d.sharing, reuse: d.reuse, endorsements: d.endorsements, frameworks: d.frameworkSharing,
    onAccepted: async (actorId) => {
      await d.jobs.enqueue(BACKFILL_QUEUE, { actorId });
      d.jobs.wake();
    },
  });
  // Registers the jobs handler; the jobs worker (started by main.ts) runs it, before or after a restart.
  void federation.startQueue(undefined);
  d.jobs.register(PUBLISH_QUEUE, async (change: PublicationChange) => {
    const t = await d.sharing.outgoing(change);
    if (!t) return { skipped: "gone" };
    const ctx = federation.createContext(new URL(d.origin), undefined);
    // One POST per partner node rather than per follower (shared inboxes); Fedify fans out from the queue.
    await ctx.sendActivity({ identifier: t.issuerSlug }, "followers", toTemplateActivity(ctx, t), { preferSharedInbox: true });
    return { sent: t.activityId };
  });
  registerFrameworkSharing(federation, d);
  d.jobs.register(BACKFILL_QUEUE, ({ actorId }: { actorId: string }) => backfill(federation, d, actorId));
  return federation;
}

// At most this many outbox items are read when a partner accepts us (its catalogue, newest first).
const BACKFILL_LIMIT = 1000;

// A new partner's catalogue so far: the Creates in its outbox, checked like live deliveries.
async function backfill(federation: Federation<void>, d: FederationNodeDeps, actorId: string): Promise<{ stored: number }> {
  const ctx = federation.createContext(new URL(d.origin), undefined);
  const actor = await ctx.lookupObject(actorId);
  if (!actor || !isActor(actor) || actor.id?.href !== actorId || actor.outboxId?.origin !== actor.id.origin) return { stored: 0 };
  const outbox = await actor.getOutbox({ documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
  if (!outbox) return { stored: 0 };
  let seen = 0;
  let stored = 0;
  for await (const item of ctx.traverseCollection(outbox)) {
    if (++seen > BACKFILL_LIMIT) break;
    if (!(item instanceof Create) || item.actorId?.href !== actorId) continue;
    const object = await item.getObject(ctx);
    if (!(object instanceof Document)) continue;
    const doc = fromDocument(object);
    const outcome = doc.mediaType === FRAMEWORK_MEDIA_TYPE
      ? await d.frameworkSharing.receive(actorId, { ...doc, attachments: await attachmentsOf(object) })
      : await d.sharing.receive(actorId, doc);
    if (outcome.ok) stored++;
  }
  return { stored };
}

// `/issuers/{slug}` is also the HTML page and the OB Profile (plain JSON-LD): Fedify answers there
// only when ActivityStreams is asked for by name.
const ACTOR_PATH = /^\/issuers\/[^/]+\/?$/;
const skipForProfile = (c: Context) =>
  (c.req.method === "GET" || c.req.method === "HEAD") && ACTOR_PATH.test(c.req.path) && !wantsActivityStreams(c.req.header("Accept"));

/** The middlewares to mount before the HTML routes and CSRF checks: inbox guard, then the bridge. */
export function federationMiddlewares(federation: Federation<void>, partners: FederationService): MiddlewareHandler[] {
  return [inboxGuard({ refuses: (host, slug) => partners.refusesDomain(host, slug) }), fedifyBridge(federation, { skip: skipForProfile })];
}
