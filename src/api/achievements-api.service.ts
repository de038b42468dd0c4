import type { Actor } from "../audit/audit.service.ts";
import type { Achievement, AchievementsService, CatalogueQuery } from "../achievements/achievements.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { IssuerRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import type { ApiPrincipal } from "../tokens/tokens.service.ts";
import { errorsToOb, obBodyToContent } from "./ob-achievement-input.ts";

/** Why an API call about templates failed; the routes turn each into a status code. */
export type ApiFailure =
  | { kind: "unauthorized" }
  | { kind: "forbidden" }
  | { kind: "not-found" }
  | { kind: "issuer-not-found" }
  | { kind: "archived" }
  | { kind: "invalid"; errors: FieldErrors };

/** A template and the issuer it belongs to. */
export interface OwnedAchievement {
  achievement: Achievement;
  issuer: IssuerRow;
  /** PUT of a published template with nothing changed: no new version was made. */
  unchanged?: boolean;
}

const STATUSES: Record<string, string[]> = { draft: ["draft"], published: ["published"], archived: ["archived"], all: ["draft", "published", "archived"] };

// Seeing drafts takes a token of the template's own issuer that may read templates.
const mayReadDrafts = (p: ApiPrincipal | null, issuerId: string) => !!p && p.issuerId === issuerId && (p.scopes.has("templates") || p.scopes.has("read"));

/** The rules of the templates REST API: who sees drafts, who may write where, OB-named bodies. */
export function createAchievementsApiService(deps: { achievements: AchievementsService; issuers: IssuersService; urls: NodeUrls }) {
  const { achievements, issuers, urls } = deps;

  return {
    /** An issuer's templates: published ones for anyone; `status` (draft, archived, all) for its own tokens. */
    async list(principal: ApiPrincipal | null, issuerSlug: string, query: CatalogueQuery, status: string | undefined) {
      const issuer = await issuers.findBySlug(issuerSlug);
      if (!issuer) return err<ApiFailure>({ kind: "issuer-not-found" });
      const statuses = STATUSES[status ?? "published"];
      if (!statuses) return err<ApiFailure>({ kind: "invalid", errors: { status: "api.status" } });
      if (status && status !== "published" && !mayReadDrafts(principal, issuer.id)) return err<ApiFailure>({ kind: principal ? "forbidden" : "unauthorized" });
      const found = await achievements.search(query, { issuerIds: [issuer.id], statuses });
      const items = await achievements.loadMany(found.rows);
      return ok({ issuer, items, total: found.total, page: found.page, perPage: found.perPage, pages: found.pages });
    },

    /** One template; a draft is "not found" unless the token belongs to its issuer (no leak of others' drafts). */
    async get(principal: ApiPrincipal | null, id: string): Promise<Result<OwnedAchievement, ApiFailure>> {
      const achievement = await achievements.load(id);
      if (!achievement) return err({ kind: "not-found" });
      if (achievement.row.status === "draft" && !mayReadDrafts(principal, achievement.row.issuer_id)) return err({ kind: "not-found" });
      const issuer = await issuers.findById(achievement.row.issuer_id);
      return issuer ? ok({ achievement, issuer }) : err({ kind: "not-found" });
    },

    /** Creates a template in the token's own issuer, as a draft or published at once. */
    async create(principal: ApiPrincipal, actor: Actor, issuerSlug: string, body: unknown): Promise<Result<OwnedAchievement, ApiFailure>> {
      const issuer = await issuers.findBySlug(issuerSlug);
      if (!issuer) return err({ kind: "issuer-not-found" });
      if (principal.issuerId !== issuer.id) return err({ kind: "forbidden" });
      const mapped = obBodyToContent(body, { issuerUrl: urls.issuer(issuer.slug) });
      if (!mapped.ok) return err({ kind: "invalid", errors: mapped.error });
      const created = await achievements.define(actor, issuer, mapped.value.input, { publish: mapped.value.publish });
      if (!created.ok) return err({ kind: "invalid", errors: errorsToOb(created.error, mapped.value.renames) });
      return ok({ achievement: created.value, issuer });
    },

    /** Replaces a template's content (a published one gets a new version); `published: true` publishes a draft. */
    async update(principal: ApiPrincipal, actor: Actor, id: string, body: unknown): Promise<Result<OwnedAchievement, ApiFailure>> {
      const current = await achievements.load(id);
      if (!current) return err({ kind: "not-found" });
      if (principal.issuerId !== current.row.issuer_id) return err({ kind: current.row.status === "draft" ? "not-found" : "forbidden" });
      const issuer = await issuers.findById(current.row.issuer_id);
      if (!issuer) return err({ kind: "not-found" });
      const mapped = obBodyToContent(body, { issuerUrl: urls.issuer(issuer.slug), achievementUrl: urls.achievement(id), creatorId: current.content.creator?.id });
      if (!mapped.ok) return err({ kind: "invalid", errors: mapped.error });
      const edited = await achievements.edit(actor, id, mapped.value.input, { publish: mapped.value.publish });
      if (edited.ok) return ok({ achievement: edited.value, issuer });
      if (edited.error === "unchanged") return ok({ achievement: current, issuer, unchanged: true });
      if (edited.error === "not-found" || edited.error === "archived") return err({ kind: edited.error });
      if (typeof edited.error === "string") return err({ kind: "invalid", errors: { _status: `errors.${edited.error}` } });
      return err({ kind: "invalid", errors: errorsToOb(edited.error, mapped.value.renames) });
    },
  };
}

export type AchievementsApiService = ReturnType<typeof createAchievementsApiService>;
