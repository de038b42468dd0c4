import { getLogger } from "@logtape/logtape";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db, FrameworkRow } from "../db/database.ts";
import type { FrameworkDraft } from "../frameworks/frameworks.schema.ts";
import type { FrameworkChange, FrameworkPublisher } from "../frameworks/frameworks.service.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
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
}) {
  const { db, clock } = deps;

  const publisher: FrameworkPublisher = {
    // In the change's own transaction: the delivery job commits (or rolls back) with the change.
    async changed(tx: Db, change: FrameworkChange): Promise<void> {
      await deps.jobs.enqueue(FRAMEWORK_QUEUE, change, { db: tx, dedupeKey: `${FRAMEWORK_QUEUE}:${change.frameworkId}:${change.kind}:${change.changedAt}` });
    },
  };

  async function outgoing(change: FrameworkChange): Promise<OutgoingFramework | null> {
    const [row, issuer] = await Promise.all([deps.frameworks.find(change.frameworkId), deps.issuers.findById(change.issuerId)]);
    if (!row || !issuer) return null;
    // Archived since this change was queued: only its Delete still goes out.
    if (change.kind !== "delete" && row.archived_at) return null;
    const [pkg, csv] = change.kind === "delete" ? [null, null] : await Promise.all([deps.frameworks.exportCase(row.id, issuer.name), deps.frameworks.exportCsv(row.id)]);
    if (change.kind !== "delete" && !pkg) return null;
    const apId = frameworkApId(deps.origin, row.id);
    return {
      kind: change.kind, issuerSlug: issuer.slug, activityId: `${apId}#${change.kind}-${Date.parse(change.changedAt)}`, apId,
      packageUrl: `${deps.urls.framework(row.id)}/export.case.json`, name: row.name, summary: row.description,
      content: pkg ? JSON.stringify(pkg) : "", csv, published: row.created_at, updated: row.updated_at,
    };
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

    /** The Creates of an issuer's current (not archived) frameworks, for its outbox: a new partner reads them there. */
    async publishedOf(issuerId: string): Promise<OutgoingFramework[]> {
      const rows = (await deps.frameworks.list(issuerId)).filter((r) => !r.archived_at).slice(0, 100);
      const items = await Promise.all(rows.map((r) => outgoing({ frameworkId: r.id, issuerId, kind: "create", changedAt: r.updated_at })));
      return items.filter((i): i is OutgoingFramework => !!i);
    },

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
