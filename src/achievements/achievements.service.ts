import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { AchievementRow, Db, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { normalizeForSearch, searchTerms } from "../shared/search-text.ts";
import { newId } from "../shared/tokens.ts";
import { parseInput } from "../shared/validation.ts";
import * as repo from "./achievements.repository.ts";
import type { AchievementFilters } from "./achievements.repository.ts";
import { achievementContent, type AchievementContent, type Creator } from "./achievements.schema.ts";

/** A template with the content of one of its versions. */
export interface Achievement {
  row: AchievementRow;
  content: AchievementContent;
  version: number;
}

/** `unchanged`: saving a published template exactly as it is (no new version is made). */
export type AchievementError = "not-found" | "archived" | "not-draft" | "unchanged";

// OB `creator` is attribution: only reuse sets it (define's `creator` option), an edit keeps it;
// a `creator` inside form or API input is never taken.
function withCreator(input: unknown, creator: Creator | undefined): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const { creator: _ignored, ...rest } = input as Record<string, unknown>;
  return creator ? { ...rest, creator } : rest;
}

// Same content whatever the key order (stored JSON vs a fresh parse).
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** A template content that passed `validate`, with its level's rank. */
export interface Validated { content: AchievementContent; levelRank: number | null }

/** Checks that referenced images/frameworks belong to the issuer; returns the level's rank. */
export type ReferenceCheck = (issuerId: string, content: AchievementContent) => Promise<Result<{ levelRank: number | null }, FieldErrors>>;

/** A change to what the public sees of a template: published, a new published version, archived. */
export interface PublicationChange {
  achievementId: string;
  issuerId: string;
  kind: "create" | "update" | "delete";
  version: number;
}

/** Told of publication changes inside the change's transaction (federation enqueues its deliveries there). */
export interface AchievementPublisher {
  changed(tx: Db, change: PublicationChange): Promise<void>;
}

export interface AchievementsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  checkReferences?: ReferenceCheck;
  /** Read at call time: the federation side is built after this service. */
  publisher?: () => AchievementPublisher | undefined;
}

/** What a person asks the catalogue: free text, the repository's filters, a page. */
export type CatalogueQuery = Partial<Pick<AchievementFilters, "tag" | "frameworkId" | "competencyId" | "levelCode" | "achievementType" | "language">> & {
  q?: string;
  page?: number;
  perPage?: number;
};

function searchText(c: AchievementContent): string {
  return normalizeForSearch([c.name, c.description, c.tags.join(" "), c.humanCode ?? "", c.edition?.name ?? "", c.edition?.description ?? "", c.criteria.narrative ?? ""].join(" "));
}

async function prerequisitesIn(audit: AuditService, tx: Db, actor: Actor, row: AchievementRow, requires: string[]): Promise<void> {
  await repo.replacePrerequisites(tx, row.id, requires.filter((r) => r !== row.id));
  await audit.record(actor, { action: "achievement.prerequisites", objectType: "achievement", objectId: row.id, issuerId: row.issuer_id, details: { requires } }, tx);
}

// The searchable columns of a template's row, from its current content.
function columns(c: AchievementContent, levelRank: number | null, now: string) {
  return {
    name: c.name, search_text: searchText(c), achievement_type: c.achievementType, language: c.inLanguage,
    edition_language: c.edition?.inLanguage ?? null,
    framework_id: c.frameworkId ?? null, competency_id: c.competencyId ?? null, level_code: c.levelCode ?? null,
    level_rank: levelRank, image_id: c.imageId ?? null, updated_at: now,
  };
}

/** Badge templates (OB 3.0 Achievements): drafts, immutable published versions, archive, catalogue. */
export function createAchievementsService(deps: AchievementsDeps) {
  const { db, clock, audit } = deps;
  const check: ReferenceCheck = deps.checkReferences ?? (async () => ok({ levelRank: null }));

  async function validate(issuerId: string, input: unknown): Promise<Result<{ content: AchievementContent; levelRank: number | null }, FieldErrors>> {
    const parsed = parseInput(achievementContent, input);
    if (!parsed.ok) return parsed;
    const refs = await check(issuerId, parsed.value);
    return refs.ok ? ok({ content: parsed.value, levelRank: refs.value.levelRank }) : refs;
  }

  async function load(id: string, version?: number): Promise<Achievement | null> {
    const row = await repo.findAchievement(db, id);
    if (!row) return null;
    const v = await repo.findAchievementVersion(db, id, version ?? row.version);
    return v ? { row, content: JSON.parse(v.content) as AchievementContent, version: v.version } : null;
  }

  async function publishIn(tx: Db, actor: Actor, row: AchievementRow, now: string): Promise<void> {
    await repo.markVersionPublished(tx, row.id, row.version, now);
    await repo.updateAchievement(tx, row.id, { status: "published", published_at: row.published_at ?? now, updated_at: now });
    await audit.record(actor, { action: "achievement.publish", objectType: "achievement", objectId: row.id, issuerId: row.issuer_id, details: { version: row.version } }, tx);
    await announce(tx, { achievementId: row.id, issuerId: row.issuer_id, kind: "create", version: row.version });
  }

  async function announce(tx: Db, change: PublicationChange): Promise<void> {
    await deps.publisher?.()?.changed(tx, change);
  }

  async function insertIn(tx: Db, actor: Actor, issuer: IssuerRow, valid: Validated, opts: { publish?: boolean; requires?: string[] }): Promise<AchievementRow> {
    const { content, levelRank } = valid;
    const now = isoNow(clock);
    const row: AchievementRow = {
      id: newId(), issuer_id: issuer.id, status: "draft", version: 1, created_by: actor.userId, created_at: now,
      published_at: null, archived_at: null, ...columns(content, levelRank, now),
    };
    await repo.insertAchievement(tx, row);
    await repo.insertAchievementVersion(tx, { achievement_id: row.id, version: 1, content: JSON.stringify(content), created_by: actor.userId, created_at: now, published_at: null });
    await repo.replaceTags(tx, row.id, content.tags);
    if (opts.requires?.length) await repo.replacePrerequisites(tx, row.id, opts.requires);
    await audit.record(actor, { action: "achievement.create", objectType: "achievement", objectId: row.id, issuerId: issuer.id, details: { name: content.name } }, tx);
    if (opts.publish) await publishIn(tx, actor, row, now);
    return row;
  }

  return {
    load,
    // Callers outside reuse (the ladder) never set the attribution either.
    validate: (issuerId: string, input: unknown) => validate(issuerId, withCreator(input, undefined)),
    versions: (id: string) => repo.listAchievementVersions(db, id),
    prerequisites: (id: string) => repo.listPrerequisites(db, id),
    dependents: (id: string) => repo.listDependents(db, id),

    /** Creates a template (a draft, or published at once); `creator` is the original's creator of a reused template. */
    async define(actor: Actor, issuer: IssuerRow, input: unknown, opts: { publish?: boolean; requires?: string[]; creator?: Creator } = {}): Promise<Result<Achievement, FieldErrors>> {
      const valid = await validate(issuer.id, withCreator(input, opts.creator));
      if (!valid.ok) return valid;
      const row = await db.transaction().execute((tx) => insertIn(tx, actor, issuer, valid.value, opts));
      return ok((await load(row.id))!);
    },

    /** Stores a template already checked by `validate` inside the caller's transaction, which it alone uses (the ladder stores all its levels in one). */
    defineIn: async (tx: Db, actor: Actor, issuer: IssuerRow, valid: Validated, opts: { requires?: string[] } = {}): Promise<Achievement> =>
      ({ row: await insertIn(tx, actor, issuer, valid, opts), content: valid.content, version: 1 }),

    /** Edits a template: a draft changes in place (and is published with `publish`); a published one gets a new version. */
    async edit(actor: Actor, id: string, input: unknown, opts: { publish?: boolean } = {}): Promise<Result<Achievement, FieldErrors | AchievementError>> {
      const current = await repo.findAchievement(db, id);
      if (!current) return err("not-found");
      if (current.status === "archived") return err("archived");
      const before = await repo.findAchievementVersion(db, id, current.version);
      const stored = before ? (JSON.parse(before.content) as AchievementContent) : undefined;
      const valid = await validate(current.issuer_id, withCreator(input, stored?.creator));
      if (!valid.ok) return valid;
      const { content, levelRank } = valid.value;
      if (current.status === "published" && stored && canonical(stored) === canonical(content)) return err("unchanged");
      const now = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        const draft = current.status === "draft";
        const version = draft ? current.version : current.version + 1;
        if (draft) await repo.updateDraftVersion(tx, id, version, JSON.stringify(content));
        else await repo.insertAchievementVersion(tx, { achievement_id: id, version, content: JSON.stringify(content), created_by: actor.userId, created_at: now, published_at: now });
        await repo.updateAchievement(tx, id, { ...columns(content, levelRank, now), version });
        await repo.replaceTags(tx, id, content.tags);
        await audit.record(actor, { action: "achievement.edit", objectType: "achievement", objectId: id, issuerId: current.issuer_id, details: { version } }, tx);
        if (!draft) await announce(tx, { achievementId: id, issuerId: current.issuer_id, kind: "update", version });
        if (draft && opts.publish) await publishIn(tx, actor, { ...current, version, published_at: null }, now);
      });
      return ok((await load(id))!);
    },

    /** Publishes a draft. */
    async publish(actor: Actor, id: string): Promise<Result<Achievement, AchievementError>> {
      const row = await repo.findAchievement(db, id);
      if (!row) return err("not-found");
      if (row.status !== "draft") return err("not-draft");
      await db.transaction().execute((tx) => publishIn(tx, actor, row, isoNow(clock)));
      return ok((await load(id))!);
    },

    /** Archives a template: no new awards; its public pages and versions stay resolvable. */
    async archive(actor: Actor, id: string): Promise<Result<Achievement, AchievementError>> {
      const row = await repo.findAchievement(db, id);
      if (!row) return err("not-found");
      if (row.status === "archived") return err("archived");
      const now = isoNow(clock);
      await db.transaction().execute(async (tx) => {
        await repo.updateAchievement(tx, id, { status: "archived", archived_at: now, updated_at: now });
        await audit.record(actor, { action: "achievement.archive", objectType: "achievement", objectId: id, issuerId: row.issuer_id }, tx);
        if (row.status === "published") await announce(tx, { achievementId: id, issuerId: row.issuer_id, kind: "delete", version: row.version });
      });
      return ok((await load(id))!);
    },

    /** Sets the templates a template requires (e.g. the level below). */
    async setPrerequisites(actor: Actor, id: string, requires: string[]): Promise<void> {
      const row = await repo.findAchievement(db, id);
      if (!row) return;
      await db.transaction().execute((tx) => prerequisitesIn(audit, tx, actor, row, requires));
    },

    /** Sets a template's prerequisites inside the caller's transaction (`row` read beforehand). */
    setPrerequisitesIn: (tx: Db, actor: Actor, row: AchievementRow, requires: string[]): Promise<void> => prerequisitesIn(audit, tx, actor, row, requires),

    /** Searches templates; `issuerIds` limits to some issuers, `statuses` defaults to published. */
    async search(query: CatalogueQuery, scope: { issuerIds?: string[]; statuses?: string[] } = {}) {
      const perPage = Math.min(Math.max(query.perPage ?? 20, 1), 100);
      const page = Math.max(query.page ?? 1, 1);
      const { rows, total } = await repo.searchAchievements(db, {
        issuerIds: scope.issuerIds, statuses: scope.statuses ?? ["published"], terms: searchTerms(query.q), tag: query.tag,
        frameworkId: query.frameworkId, competencyId: query.competencyId, levelCode: query.levelCode,
        achievementType: query.achievementType, language: query.language,
      }, perPage, (page - 1) * perPage);
      return { rows, total, page, perPage, pages: Math.max(1, Math.ceil(total / perPage)) };
    },

    tagsInUse: (scope: { issuerIds?: string[]; statuses?: string[] } = {}) => repo.listTagsInUse(db, scope.statuses ?? ["published"], scope.issuerIds),

    /** Tags, achievement types and languages in use (catalogue filter choices). */
    async facetsInUse(scope: { issuerIds?: string[]; statuses?: string[] } = {}) {
      const statuses = scope.statuses ?? ["published"];
      const [tags, facets] = await Promise.all([repo.listTagsInUse(db, statuses, scope.issuerIds), repo.listFacetsInUse(db, statuses, scope.issuerIds)]);
      return { tags, ...facets };
    },

    /** The tags of some templates, by template id. */
    async tagsOf(ids: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>(ids.map((id) => [id, []]));
      for (const r of await repo.listTagsOf(db, ids)) out.get(r.achievement_id)?.push(r.tag);
      return out;
    },

    /** Some templates with the content of their current version, in the order of `rows` (two queries, not 2n). */
    async loadMany(rows: AchievementRow[]): Promise<Achievement[]> {
      const versions = new Map((await repo.listCurrentVersions(db, rows.map((r) => r.id))).map((v) => [v.achievement_id, v]));
      return rows.flatMap((row) => {
        const v = versions.get(row.id);
        return v ? [{ row, content: JSON.parse(v.content) as AchievementContent, version: v.version }] : [];
      });
    },
  };
}

export type AchievementsService = ReturnType<typeof createAchievementsService>;
