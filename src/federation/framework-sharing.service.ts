import { getLogger } from "@logtape/logtape";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db, FrameworkRow } from "../db/database.ts";
import type { FrameworkDraft } from "../frameworks/frameworks.schema.ts";
import type { FrameworkChange, FrameworkPublisher } from "../frameworks/frameworks.service.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { createLru } from "../shared/lru.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./federation.repository.ts";
import type { RemoteActorRow, RemoteFrameworkRow } from "./federation.tables.ts";
import { checkFramework, type FrameworkDropReason } from "./framework-payload.ts";
import * as store from "./framework-sharing.repository.ts";
import type { IncomingAttachment } from "./framework-payload.ts";
import type { IncomingDocument } from "./template-payload.ts";

const log = getLogger(["francebadge", "federation"]);

/** The jobs queue that turns a framework change into Create/Update/Delete deliveries. */
export const FRAMEWORK_QUEUE = "federation.frameworks";

/** One of our frameworks as it leaves the node (mapped to an AS2 Document in framework-vocab.ts). */
export interface OutgoingFramework {
  kind: FrameworkChange["kind"];
  issuerSlug: string;
  activityId: string;
  apId: string;
  packageUrl: string;
  name: string;
  summary: string;
  content: string; // CASE 1.0 CFPackage JSON ("" for a Delete)
  /** The three CSV files (for the evaluation situations CASE cannot carry); null for a Delete. */
  csv: { framework: string; levels: string; situations: string } | null;
  published: string;
  updated: string;
}

/** The built CASE package and CSV files of one framework (the costly part of an OutgoingFramework). */
type FrameworkPayload = Pick<OutgoingFramework, "content" | "csv">;

/** What this feature reads of our own frameworks (the frameworks feature provides it). */
export interface FrameworkSource {
  find(id: string): Promise<FrameworkRow | undefined>;
  exportCase(id: string, creator: string): Promise<Record<string, unknown> | null>;
  exportCsv(id: string): Promise<{ framework: string; levels: string; situations: string } | null>;
  list(issuerId: string): Promise<FrameworkRow[]>;
}

/** A partner framework with its origin and tree, for its read-only matrix page. */
export interface PartnerFrameworkView {
  row: RemoteFrameworkRow;
  origin: RemoteActorRow | null;
  tree: FrameworkDraft;
}

/** The AS2 id of one of our frameworks (stable: repeated sends of one change share their activity id). */
export function frameworkApId(origin: string, frameworkId: string): string {
  return `${origin}/ap/frameworks/${frameworkId}`;
}

/** Sharing competency frameworks: what our changes send, what partners' changes store. */
export function createFrameworkSharingService(deps: {
  db: Db; clock: Clock; jobs: JobQueue; issuers: IssuersService; frameworks: FrameworkSource; urls: NodeUrls; origin: string;
  /** How many built payloads are kept in memory (default 32; each is 70–300 KB). */
  payloadCacheEntries?: number;
}) {
  const { db, clock } = deps;
  // The outbox is public and unauthenticated: without this, each read would rebuild CASE and CSV
  // exports. Promises are kept, so concurrent reads of one framework share a single build.
  const payloads = createLru<Promise<FrameworkPayload | null>>(deps.payloadCacheEntries ?? 32);

  const publisher: FrameworkPublisher = {
    // In the change's own transaction: the delivery job commits (or rolls back) with the change.
    async changed(tx: Db, change: FrameworkChange): Promise<void> {
      await deps.jobs.enqueue(FRAMEWORK_QUEUE, change, { db: tx, dedupeKey: `${FRAMEWORK_QUEUE}:${change.frameworkId}:${change.kind}:${change.changedAt}` });
    },
  };

  // The tree is fixed once imported; every other change (details, archiving) moves updated_at, and
  // the package names the issuer as its creator: together they say when a payload is stale.
  function payloadOf(row: FrameworkRow, creator: string): Promise<FrameworkPayload | null> {
    const key = JSON.stringify([row.id, row.updated_at, row.archived_at, creator]);
    const cached = payloads.get(key);
    if (cached) return cached;
    const built = Promise.all([deps.frameworks.exportCase(row.id, creator), deps.frameworks.exportCsv(row.id)])
      .then(([pkg, csv]) => (pkg ? { content: JSON.stringify(pkg), csv } : null));
    payloads.set(key, built);
    // A failed or empty build is not kept: the next read tries again.
    built.then((p) => { if (!p) payloads.delete(key); }, () => payloads.delete(key));
    return built;
  }

  async function outgoingOf(row: FrameworkRow, issuer: { name: string; slug: string }, change: Pick<FrameworkChange, "kind" | "changedAt">): Promise<OutgoingFramework | null> {
    // Archived since this change was queued: only its Delete still goes out.
    if (change.kind !== "delete" && row.archived_at) return null;
    const payload = change.kind === "delete" ? { content: "", csv: null } : await payloadOf(row, issuer.name);
    if (!payload) return null;
    const apId = frameworkApId(deps.origin, row.id);
    return {
      kind: change.kind, issuerSlug: issuer.slug, activityId: `${apId}#${change.kind}-${Date.parse(change.changedAt)}`, apId,
      packageUrl: `${deps.urls.framework(row.id)}/export.case.json`, name: row.name, summary: row.description,
      ...payload, published: row.created_at, updated: row.updated_at,
    };
  }

  // The delivery job builds the payload the outbox serves next: it lands in the cache here.
  async function outgoing(change: FrameworkChange): Promise<OutgoingFramework | null> {
    const [row, issuer] = await Promise.all([deps.frameworks.find(change.frameworkId), deps.issuers.findById(change.issuerId)]);
    return row && issuer ? outgoingOf(row, issuer, change) : null;
  }

  // Oldest first (a new framework goes last, so pages already read keep their items).
  async function current(issuerId: string): Promise<FrameworkRow[]> {
    const rows = (await deps.frameworks.list(issuerId)).filter((r) => !r.archived_at);
    return rows.sort((x, y) => (x.created_at === y.created_at ? (x.id < y.id ? -1 : 1) : x.created_at < y.created_at ? -1 : 1));
  }

  async function storeIncoming(senderId: string, doc: IncomingDocument & { attachments?: IncomingAttachment[] }): Promise<Result<"stored" | "updated", FrameworkDropReason>> {
    if (!(await repo.isFollowedLocally(db, senderId))) return err("not-partner");
    const checked = checkFramework(senderId, doc);
    if (!checked.ok) return checked;
    const f = checked.value;
    const now = isoNow(clock);
    const columns = {
      package_url: f.packageUrl, name: f.name, description: f.description, source_url: f.sourceUrl, competencies: f.tree.competencies.length,
      tree_json: JSON.stringify(f.tree), case_json: f.caseJson, changed_at: f.changedAt, updated_at: now,
    };
    const existing = await store.findRemoteFrameworkByApId(db, f.apId);
    if (!existing) {
      await store.insertRemoteFramework(db, { id: newId(), ap_id: f.apId, actor_id: senderId, status: "published", received_at: now, archived_at: null, ...columns });
      return ok("stored");
    }
    if (existing.actor_id !== senderId) return err("owner");
    // Deliveries may overtake each other: an older change never replaces a newer one.
    if (f.changedAt < existing.changed_at || existing.status === "archived") return err("stale");
    await store.updateRemoteFramework(db, f.apId, senderId, columns);
    return ok("updated");
  }

  return {
    publisher,
    outgoing,

    /** One page of the Creates of an issuer's current (not archived) frameworks, for its outbox: a new partner reads them there. */
    async publishedOf(issuerId: string, offset: number, limit: number): Promise<{ items: OutgoingFramework[]; total: number }> {
      const [rows, issuer] = await Promise.all([current(issuerId), deps.issuers.findById(issuerId)]);
      if (!issuer) return { items: [], total: 0 };
      const page = rows.slice(offset, offset + limit);
      const items = await Promise.all(page.map((r) => outgoingOf(r, issuer, { kind: "create", changedAt: r.updated_at })));
      return { items: items.filter((i): i is OutgoingFramework => !!i), total: rows.length };
    },

    /** How many current (not archived) frameworks an issuer has: its outbox counts them. */
    countPublished: async (issuerId: string): Promise<number> => (await current(issuerId)).length,

    /** A Create or Update of a Document carrying a CASE package from `senderId` (whose signature Fedify checked). */
    async receive(senderId: string, doc: IncomingDocument & { attachments?: IncomingAttachment[] }): Promise<Result<"stored" | "updated", FrameworkDropReason>> {
      const outcome = await storeIncoming(senderId, doc);
      if (!outcome.ok) log.info("Dropped framework {id} from {sender}: {reason}", { id: doc.id, sender: senderId, reason: outcome.error });
      return outcome;
    },

    /** A Delete from the owner: its copy here is kept, marked archived (templates may still align to it). */
    receiveDelete: (senderId: string, objectId: string) => store.archiveRemoteFramework(db, objectId, senderId, isoNow(clock)),

    /** Partners' frameworks (published, or also archived ones), with their origin institution. */
    async list(opts: { archived: boolean }) {
      const rows = await store.listRemoteFrameworks(db, opts.archived ? ["published", "archived"] : ["published"]);
      const origins = new Map((await repo.listRemoteActors(db, [...new Set(rows.map((r) => r.actor_id))])).map((a) => [a.id, a]));
      return rows.map((r) => ({ ...r, origin: { name: origins.get(r.actor_id)?.name ?? new URL(r.actor_id).host, domain: new URL(r.actor_id).host } }));
    },

    /** A partner framework, its origin and its tree, for its page. */
    async view(id: string): Promise<PartnerFrameworkView | null> {
      const row = await store.findRemoteFramework(db, id);
      if (!row) return null;
      const origin = (await repo.findRemoteActor(db, row.actor_id)) ?? null;
      return { row, origin, tree: JSON.parse(row.tree_json) as FrameworkDraft };
    },
  };
}

export type FrameworkSharingService = ReturnType<typeof createFrameworkSharingService>;
