// Mapping between Fedify's ActivityStreams classes and the plain shapes our services use.
import type { Context } from "@fedify/fedify";
import {
  Create, Delete, Document, Link, PUBLIC_COLLECTION, Tombstone, Update, isActor,
  type Actor, type Object as APObject, type Recipient,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { RemoteActor } from "./federation.service.ts";
import type { OutgoingTemplate } from "./sharing.service.ts";
import { TEMPLATE_MEDIA_TYPE, type IncomingDocument } from "./template-payload.ts";

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * A fetched actor as this node keeps it; null for objects that are not actors. Its inboxes must be
 * on its own origin (FEP-fe34): Fedify checks the addresses it fetches, not those it delivers to, so
 * an actor naming another host's inbox could make us post there.
 */
export function toRemoteActor(object: APObject | null): RemoteActor | null {
  if (!object || !isActor(object) || !object.id || !object.inboxId || object.inboxId.origin !== object.id.origin) return null;
  const actor = object as Actor;
  const shared = actor.endpoints?.sharedInbox;
  // Built here rather than by WebFinger (getActorHandle): one lookup fewer, and http peers work.
  const handle = `@${text(actor.preferredUsername) ?? actor.id!.pathname.split("/").pop()}@${actor.id!.host}`;
  return {
    id: actor.id!.href, domain: actor.id!.host, handle, name: text(actor.name) ?? text(actor.preferredUsername) ?? actor.id!.href,
    type: actor.constructor.name, inbox: actor.inboxId!.href, shared_inbox: shared && shared.origin === actor.id!.origin ? shared.href : null,
    url: actor.url instanceof URL ? actor.url.href : actor.url instanceof Link ? actor.url.href?.href ?? null : null,
    summary: text(actor.summary),
  };
}

/** A stored remote actor as a delivery recipient (its shared inbox preferred when it has one). */
export function toRecipient(remote: RemoteActor): Recipient {
  return { id: new URL(remote.id), inboxId: new URL(remote.inbox), endpoints: remote.shared_inbox ? { sharedInbox: new URL(remote.shared_inbox) } : null };
}

/** The AS2 Document carrying one of our templates (OB JSON in `content`, `url` to the canonical OB JSON). */
export function toTemplateDocument(ctx: Context<void>, t: OutgoingTemplate): Document {
  const actor = ctx.getActorUri(t.issuerSlug);
  return new Document({
    id: new URL(t.apId), attribution: actor, name: t.name, summary: t.summary,
    mediaType: TEMPLATE_MEDIA_TYPE, content: t.content,
    url: new Link({ href: new URL(t.obId), mediaType: TEMPLATE_MEDIA_TYPE }),
    to: ctx.getFollowersUri(t.issuerSlug), cc: PUBLIC_COLLECTION,
    published: Temporal.Instant.from(t.published), updated: Temporal.Instant.from(t.updated),
  });
}

/** The Create, Update or Delete that announces a change of one of our templates to followers. */
export function toTemplateActivity(ctx: Context<void>, t: OutgoingTemplate): Create | Update | Delete {
  const common = { id: new URL(t.activityId), actor: ctx.getActorUri(t.issuerSlug), to: ctx.getFollowersUri(t.issuerSlug), cc: PUBLIC_COLLECTION };
  if (t.kind === "delete") return new Delete({ ...common, object: new Tombstone({ id: new URL(t.apId) }) });
  const object = toTemplateDocument(ctx, t);
  return t.kind === "create" ? new Create({ ...common, object }) : new Update({ ...common, object });
}

/** The Create of a Document carrying a signed endorsement, replying to the endorsed template. */
export function toEndorsementCreate(ctx: Context<void>, slug: string, owner: URL, d: { apId: string; activityId: string; content: string; inReplyTo: string; name: string }): Create {
  const actor = ctx.getActorUri(slug);
  const object = new Document({
    id: new URL(d.apId), attribution: actor, name: d.name, mediaType: TEMPLATE_MEDIA_TYPE, content: d.content,
    replyTarget: new URL(d.inReplyTo), to: owner, ccs: [ctx.getFollowersUri(slug), PUBLIC_COLLECTION],
  });
  return new Create({ id: new URL(d.activityId), actor, object, to: owner, ccs: [ctx.getFollowersUri(slug), PUBLIC_COLLECTION] });
}

/** The Delete that withdraws one of our endorsements (the credential's status bit is set too). */
export function toEndorsementDelete(ctx: Context<void>, slug: string, owner: URL, d: { apId: string; activityId: string }): Delete {
  const actor = ctx.getActorUri(slug);
  return new Delete({ id: new URL(d.activityId), actor, object: new Tombstone({ id: new URL(d.apId) }), to: owner, ccs: [ctx.getFollowersUri(slug), PUBLIC_COLLECTION] });
}

/** The parts of an incoming Document the receiving checks read. */
export function fromDocument(doc: Document): IncomingDocument {
  const content = doc.content;
  return {
    id: doc.id?.href ?? null, attributedTo: doc.attributionId?.href ?? null, mediaType: doc.mediaType,
    content: typeof content === "string" ? content : content === null ? null : content.toString(),
    inReplyTo: doc.replyTargetId?.href ?? null,
  };
}
