// Competency frameworks on the wire: the Create/Update/Delete our framework changes send, and the
// job that sends them (one POST per partner node through shared inboxes, fanned out by Fedify).
import type { Context, Federation } from "@fedify/fedify";
import { Create, Delete, Document, Link, PUBLIC_COLLECTION, Tombstone, Update } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import type { FrameworkChange } from "../frameworks/frameworks.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { FRAMEWORK_CSV_MEDIA_TYPE, FRAMEWORK_MEDIA_TYPE, type IncomingAttachment } from "./framework-payload.ts";
import { FRAMEWORK_QUEUE, type FrameworkSharingService, type OutgoingFramework } from "./framework-sharing.service.ts";

/** The Create, Update or Delete that announces a change of one of our frameworks to followers. */
export function toFrameworkActivity(ctx: Context<void>, f: OutgoingFramework): Create | Update | Delete {
  const actor = ctx.getActorUri(f.issuerSlug);
  const common = { id: new URL(f.activityId), actor, to: ctx.getFollowersUri(f.issuerSlug), cc: PUBLIC_COLLECTION };
  if (f.kind === "delete") return new Delete({ ...common, object: new Tombstone({ id: new URL(f.apId) }) });
  const object = new Document({
    id: new URL(f.apId), attribution: actor, name: f.name, summary: f.summary || null,
    mediaType: FRAMEWORK_MEDIA_TYPE, content: f.content,
    url: new Link({ href: new URL(f.packageUrl), mediaType: FRAMEWORK_MEDIA_TYPE }),
    attachments: f.csv ? Object.entries(f.csv).map(([name, content]) => new Document({ name: `${name}.csv`, mediaType: FRAMEWORK_CSV_MEDIA_TYPE, content })) : [],
    to: ctx.getFollowersUri(f.issuerSlug), cc: PUBLIC_COLLECTION,
    published: Temporal.Instant.from(f.published), updated: Temporal.Instant.from(f.updated),
  });
  return f.kind === "create" ? new Create({ ...common, object }) : new Update({ ...common, object });
}

/** Registers the job that sends a framework change to the issuer's followers. */
export function registerFrameworkSharing(federation: Federation<void>, d: { jobs: JobQueue; origin: string; frameworkSharing: FrameworkSharingService }): void {
  d.jobs.register(FRAMEWORK_QUEUE, async (change: FrameworkChange) => {
    const f = await d.frameworkSharing.outgoing(change);
    if (!f) return { skipped: "gone" };
    const ctx = federation.createContext(new URL(d.origin), undefined);
    await ctx.sendActivity({ identifier: f.issuerSlug }, "followers", toFrameworkActivity(ctx, f), { preferSharedInbox: true });
    return { sent: f.activityId };
  });
}

// Attachments given by URL only are not fetched: the files must travel inside the signed activity.
const refuseFetch = (url: string): Promise<never> => Promise.reject(new Error(`not fetched: ${url}`));

/** The CSV files embedded in an incoming framework Document (nothing is fetched). */
export async function attachmentsOf(doc: Document): Promise<IncomingAttachment[]> {
  const out: IncomingAttachment[] = [];
  for await (const a of doc.getAttachments({ documentLoader: refuseFetch, contextLoader: refuseFetch, suppressError: true, crossOrigin: "ignore" })) {
    if (out.length >= 10) break;
    if (a instanceof Document) out.push({ name: a.name?.toString() ?? null, mediaType: a.mediaType, content: a.content === null ? null : a.content.toString() });
  }
  return out;
}
