// Inbox listeners: each checks what only the wire can tell (target, actor, object type), then calls
// the same services as the UI. Handlers are node-level (one store per node, relevance from our own
// follow table), which sidesteps Fedify 2.3.6's queued-inbox dedup of per-recipient copies.
import type { Federation, InboxContext } from "@fedify/fedify";
import { Accept, Announce, Create, Delete, Document, Follow, Reject, Undo, Update, type Activity } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { NODE_ACTOR } from "./actors.ts";
import type { EndorsementsService } from "./endorsements.service.ts";
import type { FederationService } from "./federation.service.ts";
import type { ReuseService } from "./reuse.service.ts";
import type { SharingService } from "./sharing.service.ts";
import { FRAMEWORK_MEDIA_TYPE } from "./framework-payload.ts";
import type { FrameworkSharingService } from "./framework-sharing.service.ts";
import { attachmentsOf } from "./framework-vocab.ts";
import { fromDocument, toRemoteActor } from "./vocab.ts";

const log = getLogger(["francebadge", "federation", "inbox"]);

export interface InboxDeps {
  issuers: IssuersService;
  partners: FederationService;
  sharing: SharingService;
  /** Partners' competency frameworks (a Document carrying a CASE package). */
  frameworks: FrameworkSharingService;
  reuse: ReuseService;
  endorsements: EndorsementsService;
  /** A partner accepted our Follow: its published templates are fetched from its outbox. */
  onAccepted: (actorId: string) => Promise<void>;
}

type Ctx = InboxContext<void>;

/** Registers the personal and shared inboxes and their listeners. */
export function registerInbox(federation: Federation<void>, d: InboxDeps): void {
  // Runs a handler once per activity id: Fedify's own marks expire after a day, ours do not.
  const once = <A extends Activity>(handle: (ctx: Ctx, activity: A) => Promise<string>) => async (ctx: Ctx, activity: A) => {
    const id = activity.id?.href;
    const actorId = activity.actorId?.href;
    if (!id || !actorId) return;
    if (await d.partners.alreadyProcessed(id)) return;
    const outcome = await handle(ctx, activity);
    await d.partners.recordProcessed(id, actorId, activity.constructor.name, outcome);
  };

  federation
    .setInboxListeners("/issuers/{identifier}/inbox", "/inbox")
    // Our own fetches (actors, keys) are signed by the node actor: partners may require it.
    .setSharedKeyDispatcher(() => ({ identifier: NODE_ACTOR }))
    .on(Follow, once((ctx, follow) => onFollow(ctx, follow, d)))
    .on(Accept, once(async (_ctx, accept) => {
      if (!(await d.partners.receiveAccept(accept.actorId!.href, accept.objectId?.href ?? ""))) return "ignored";
      await d.onAccepted(accept.actorId!.href);
      return "accepted";
    }))
    .on(Reject, once(async (_ctx, reject) => ((await d.partners.receiveReject(reject.actorId!.href, reject.objectId?.href ?? null)) ? "rejected" : "ignored")))
    .on(Undo, once(async (_ctx, undo) => ((await d.partners.receiveUndoFollow(undo.actorId!.href, undo.objectId?.href ?? null)) ? "unfollowed" : "ignored")))
    .on(Create, once((ctx, create) => onTemplate(ctx, create, d)))
    .on(Update, once((ctx, update) => onTemplate(ctx, update, d)))
    .on(Delete, once(async (_ctx, del) => {
      const objectId = del.objectId?.href;
      if (!objectId) return "ignored";
      // A withdrawn endorsement (only its endorser may withdraw it), else an archived template or framework.
      const endorsement = await d.endorsements.receiveDelete(del.actorId!.href, objectId);
      if (endorsement) return endorsement;
      if (await d.sharing.receiveDelete(del.actorId!.href, objectId)) return "archived";
      return (await d.frameworks.receiveDelete(del.actorId!.href, objectId)) ? "archived:framework" : "ignored";
    }))
    .on(Announce, once((ctx, announce) => onAnnounce(ctx, announce, d)))
    .onError((_ctx, error) => {
      log.error("Inbox listener failed: {error}", { error });
    });
}

async function onFollow(ctx: Ctx, follow: Follow, d: InboxDeps): Promise<string> {
  const target = ctx.parseUri(follow.objectId);
  if (target?.type !== "actor" || target.identifier === NODE_ACTOR) return "dropped:target";
  const issuer = await d.issuers.findBySlug(target.identifier);
  if (!issuer || !follow.id) return "dropped:target";
  const remote = toRemoteActor(await follow.getActor(ctx));
  if (!remote || remote.id !== follow.actorId?.href) return "dropped:actor";
  return `follow:${await d.partners.receiveFollow(issuer, remote, follow.id.href)}`;
}

// A partner reused one of our templates: it announces our Document (never fetched: we know it).
async function onAnnounce(ctx: Ctx, announce: Announce, d: InboxDeps): Promise<string> {
  const target = ctx.parseUri(announce.objectId);
  if (target?.type !== "object" || target.class !== Document || !target.values.id) return "ignored:object";
  const remote = toRemoteActor(await announce.getActor(ctx));
  if (!remote || remote.id !== announce.actorId?.href) return "dropped:actor";
  return (await d.reuse.receiveReuse(remote, target.values.id, announce.id!.href)) ? "reused" : "ignored";
}

async function onTemplate(ctx: Ctx, activity: Create | Update, d: InboxDeps): Promise<string> {
  // An object on another origin than the activity is re-fetched from its own origin (crossOrigin: "ignore").
  const object = await activity.getObject(ctx);
  if (!(object instanceof Document)) return "ignored:type";
  const doc = fromDocument(object);
  // A Document replying to a template carries an endorsement; a CASE package (plain JSON) is a
  // competency framework; otherwise it is a template.
  if (doc.mediaType === FRAMEWORK_MEDIA_TYPE && !doc.inReplyTo) {
    const framework = await d.frameworks.receive(activity.actorId!.href, { ...doc, attachments: await attachmentsOf(object) });
    return framework.ok ? `framework:${framework.value}` : `dropped:framework:${framework.error}`;
  }
  const outcome = doc.inReplyTo
    ? await d.endorsements.receive(activity.actorId!.href, doc)
    : await d.sharing.receive(activity.actorId!.href, doc);
  return outcome.ok ? outcome.value : `dropped:${outcome.error}`;
}
