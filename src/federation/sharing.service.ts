import { getLogger } from "@logtape/logtape";
import type { AchievementPublisher, AchievementsService, CatalogueQuery, PublicationChange } from "../achievements/achievements.service.ts";
import type { PartnerCatalogue, PartnerItem } from "../catalogue/catalogue.service.ts";
import { achievementDocument } from "../credentials/ob3-achievement.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db } from "../db/database.ts";
import { profileFacts } from "../issuers/issuer-profile.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { searchTerms } from "../shared/search-text.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./federation.repository.ts";
import type { RemoteActorRow, RemoteTemplateRow } from "./federation.tables.ts";
import * as templates from "./remote-templates.repository.ts";
import { checkTemplate, templateSearchText, type DropReason, type IncomingDocument } from "./template-payload.ts";

const log = getLogger(["francebadge", "federation"]);

/** The jobs queue that turns a publication change into Create/Update/Delete deliveries. */
export const PUBLISH_QUEUE = "federation.publish";
/** The jobs queue that reads a new partner's outbox (its templates published before we followed it). */
export const BACKFILL_QUEUE = "federation.backfill";

/** One of our templates as it leaves the node (mapped to an AS2 Document in vocab.ts). */
export interface OutgoingTemplate {
  kind: PublicationChange["kind"];
  issuerSlug: string;
  activityId: string;
  apId: string;
  obId: string;
  name: string;
  summary: string;
  content: string; // OB 3.0 Achievement JSON
  version: number;
  published: string;
  updated: string;
}

/** A partner template with what its page shows about its origin. */
export interface PartnerTemplateView {
  row: RemoteTemplateRow;
  origin: RemoteActorRow | null;
  ob: Record<string, unknown>;
  /** The original's creator, once that creator's own copy of the original is known here. */
  confirmedCreator: { id: string; name: string } | null;
}

function toPartnerItem(r: RemoteTemplateRow, origin: RemoteActorRow | undefined): PartnerItem {
  const domain = new URL(r.actor_id).host;
  return {
    id: r.id, name: r.name, origin: { name: origin?.name ?? domain, domain, actorId: r.actor_id },
    // Our CSP lets pages show https images only.
    imageUrl: r.image_url?.startsWith("https://") ? r.image_url : null,
    tags: r.tags.split("\t").filter(Boolean), achievementType: r.achievement_type, language: r.language,
  };
}

/** The AS2 ids of a template, derived from its OB id so that repeated sends share them (idempotent receipt). */
export function templateApId(origin: string, achievementId: string): string {
  return `${origin}/ap/achievements/${achievementId}`;
}

/** Sharing the catalogue: what our publications send, what partners' publications store. */
export function createSharingService(deps: {
  db: Db; clock: Clock; jobs: JobQueue; achievements: AchievementsService; issuers: IssuersService; urls: NodeUrls; origin: string;
}) {
  const { db, clock } = deps;

  const publisher: AchievementPublisher = {
    // In the change's own transaction: the delivery job commits (or rolls back) with the change.
    async changed(tx: Db, change: PublicationChange): Promise<void> {
      await deps.jobs.enqueue(PUBLISH_QUEUE, change, { db: tx, dedupeKey: `${PUBLISH_QUEUE}:${change.achievementId}:${change.kind}:${change.version}` });
    },
  };

  async function outgoing(change: PublicationChange): Promise<OutgoingTemplate | null> {
    const [a, issuer] = await Promise.all([deps.achievements.load(change.achievementId, change.version), deps.issuers.findById(change.issuerId)]);
    if (!a || !issuer) return null;
    const apId = templateApId(deps.origin, a.row.id);
    const suffix = change.kind === "delete" ? "delete" : `${change.kind}-v${change.version}`;
    const doc = achievementDocument(deps.urls, { id: a.row.id, version: a.version, content: a.content, issuer: profileFacts(issuer) });
    return {
      kind: change.kind, issuerSlug: issuer.slug, activityId: `${apId}#${suffix}`, apId, obId: deps.urls.achievement(a.row.id),
      name: a.content.name, summary: a.content.description, content: JSON.stringify(doc), version: a.version,
      published: a.row.published_at ?? a.row.created_at, updated: a.row.updated_at,
    };
  }

  async function store(senderId: string, doc: IncomingDocument): Promise<Result<"stored" | "updated", DropReason>> {
    if (!(await repo.isFollowedLocally(db, senderId))) return err("not-partner");
    const checked = checkTemplate(senderId, doc);
    if (!checked.ok) return checked;
    const t = checked.value;
    const now = isoNow(clock);
    const columns = {
      ob_id: t.obId, creator_id: t.creatorId, related: JSON.stringify(t.related), name: t.name, description: t.description,
      search_text: templateSearchText(t), achievement_type: t.achievementType, language: t.language,
      tags: t.tags.length ? `\t${t.tags.join("\t")}\t` : "", image_url: t.imageUrl, version: t.version, ob_json: t.obJson, updated_at: now,
    };
    const existing = await templates.findRemoteTemplateByApId(db, t.apId);
    if (!existing) {
      await templates.insertRemoteTemplate(db, { id: newId(), ap_id: t.apId, actor_id: senderId, status: "published", received_at: now, archived_at: null, ...columns });
      return ok("stored");
    }
    if (existing.actor_id !== senderId) return err("owner");
    // Deliveries of one template may overtake each other: an older version never replaces a newer one.
    if (t.version < existing.version || existing.status === "archived") return err("stale");
    await templates.updateRemoteTemplate(db, t.apId, senderId, columns);
    return ok("updated");
  }

  // The partners' part of the catalogue; frameworks are local, so a framework filter leaves none.
  const catalogue: PartnerCatalogue = {
    async search(query: CatalogueQuery, limit: number, offset: number) {
      if (query.frameworkId || query.competencyId || query.levelCode) return { items: [], total: 0 };
      const found = await templates.searchRemoteTemplates(db, {
        statuses: ["published"], terms: searchTerms(query.q), tag: query.tag, achievementType: query.achievementType, language: query.language,
      }, limit, offset);
      const origins = new Map((await repo.listRemoteActors(db, [...new Set(found.rows.map((r) => r.actor_id))])).map((a) => [a.id, a]));
      return { total: found.total, items: found.rows.map((r) => toPartnerItem(r, origins.get(r.actor_id))) };
    },
    facets: () => templates.listRemoteFacets(db),
  };

  // "Created by X" only once X's own copy of the original named in `related` is known here:
  // one of our templates (X is one of our issuers) or one X sent us.
  async function confirmCreator(creatorId: string, related: string[]): Promise<{ id: string; name: string } | null> {
    for (const obId of related.filter((r) => r.startsWith(deps.urls.achievement("")))) {
      const a = await deps.achievements.load(obId.slice(deps.urls.achievement("").length));
      const issuer = a && a.row.status !== "draft" ? await deps.issuers.findById(a.row.issuer_id) : undefined;
      if (issuer && deps.urls.issuer(issuer.slug) === creatorId) return { id: creatorId, name: issuer.name };
    }
    const originals = await templates.listRemoteTemplatesByObIds(db, creatorId, related);
    const actor = originals.length ? await repo.findRemoteActor(db, creatorId) : undefined;
    return actor ? { id: actor.id, name: actor.name } : null;
  }

  return {
    publisher,
    outgoing,
    /** Published templates of an issuer (by name, as the catalogue), for its outbox collection. */
    async publishedOf(issuerId: string, offset: number, limit: number): Promise<{ items: OutgoingTemplate[]; total: number }> {
      const found = await deps.achievements.search({ page: Math.floor(offset / limit) + 1, perPage: limit }, { issuerIds: [issuerId] });
      const items = await Promise.all(found.rows.map((r) => outgoing({ achievementId: r.id, issuerId, kind: "create", version: r.version })));
      return { items: items.filter((i): i is OutgoingTemplate => !!i), total: found.total };
    },

    /** A Create or Update of a Document from `senderId` (whose signature Fedify checked). */
    async receive(senderId: string, doc: IncomingDocument): Promise<Result<"stored" | "updated", DropReason>> {
      const outcome = await store(senderId, doc);
      if (!outcome.ok) log.info("Dropped template {id} from {sender}: {reason}", { id: doc.id, sender: senderId, reason: outcome.error });
      return outcome;
    },

    /** A Delete from the owner: its copy here is kept, marked archived (credentials may still point at it). */
    receiveDelete: (senderId: string, objectId: string) => templates.archiveRemoteTemplate(db, objectId, senderId, isoNow(clock)),

    catalogue,

    /** A partner template and its origin, for its page. */
    async view(id: string): Promise<PartnerTemplateView | null> {
      const row = await templates.findRemoteTemplate(db, id);
      if (!row) return null;
      const origin = (await repo.findRemoteActor(db, row.actor_id)) ?? null;
      const confirmedCreator = row.creator_id === row.actor_id ? null : await confirmCreator(row.creator_id, JSON.parse(row.related) as string[]);
      return { row, origin, ob: JSON.parse(row.ob_json) as Record<string, unknown>, confirmedCreator };
    },
  };
}

export type SharingService = ReturnType<typeof createSharingService>;
