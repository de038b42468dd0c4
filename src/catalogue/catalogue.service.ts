import type { AchievementsService, CatalogueQuery } from "../achievements/achievements.service.ts";
import type { AchievementRow, IssuerRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** A framework offered as a catalogue filter, with its competencies and level scale. */
export interface FrameworkChoice {
  id: string;
  name: string;
  competencies: { id: string; name: string; code?: string }[];
  levels: { code: string; name: string }[];
}

/** Lists the frameworks of some issuers; given by the frameworks feature (see framework-choices.ts). */
export type FrameworkLister = (issuerIds: string[]) => Promise<FrameworkChoice[]>;

/** Which templates a catalogue search covers: this node's, its partners' (received through federation), or both. */
export type CatalogueSource = "all" | "local" | "partners";

/** A partner's template as the catalogue lists it. */
export interface PartnerItem {
  id: string;
  name: string;
  origin: { name: string; domain: string; actorId: string };
  imageUrl: string | null;
  tags: string[];
  achievementType: string;
  language: string;
}

/** The partners' templates (stored by the federation feature). */
export interface PartnerCatalogue {
  search(query: CatalogueQuery, limit: number, offset: number): Promise<{ items: PartnerItem[]; total: number }>;
  facets(): Promise<{ tags: string[]; types: string[]; languages: string[] }>;
}

/** One result of the catalogue, ready for the view. */
export interface CatalogueItem {
  id: string;
  name: string;
  issuer: { slug: string; name: string };
  /** The page of the template: ours, or the local page of a partner's copy. */
  href: string;
  imageUrl: string | null;
  /** The origin institution of a partner's template (null for ours). */
  partner: { name: string; domain: string; actorId: string } | null;
  imageId: string | null;
  tags: string[];
  achievementType: string;
  levelCode: string | null;
  levelName: string | null;
  language: string;
}

/** A page of the catalogue: results, paging, and the choices its filters offer. */
export interface CataloguePage {
  issuer: IssuerRow | null;
  source: CatalogueSource;
  items: CatalogueItem[];
  total: number;
  page: number;
  perPage: number;
  pages: number;
  choices: { tags: string[]; types: string[]; languages: string[]; frameworks: FrameworkChoice[] };
  /** The competency asked for belongs to another framework than the one chosen: it was not applied. */
  competencyDropped: boolean;
}

export interface CatalogueDeps {
  achievements: AchievementsService;
  issuers: IssuersService;
  frameworks?: FrameworkLister;
  partners?: PartnerCatalogue;
}

/** An issuer and every space under it, from the node's issuer tree (parents come before their children). */
function subtree(tree: { issuer: IssuerRow; depth: number }[], rootId: string): string[] {
  const start = tree.findIndex((n) => n.issuer.id === rootId);
  if (start < 0) return [rootId];
  const ids = [rootId];
  for (let i = start + 1; i < tree.length && tree[i]!.depth > tree[start]!.depth; i++) ids.push(tree[i]!.issuer.id);
  return ids;
}

// Changing the framework leaves the previous framework's competency in the form: a competency that
// is not one of the chosen framework's is not applied (when that framework's competencies are known).
function withoutStrayCompetency(query: CatalogueQuery, frameworks: FrameworkChoice[]): CatalogueQuery {
  const chosen = query.frameworkId && query.competencyId ? frameworks.find((f) => f.id === query.frameworkId) : undefined;
  return chosen && !chosen.competencies.some((c) => c.id === query.competencyId) ? { ...query, competencyId: undefined } : query;
}

/** The public catalogue: published templates of the whole node or of one issuer and its sub-issuers. */
export function createCatalogueService(deps: CatalogueDeps) {
  const { achievements, issuers } = deps;

  const noFacets = { tags: [], types: [], languages: [] };

  function toItems(rows: AchievementRow[], tags: Map<string, string[]>, byId: Map<string, IssuerRow>, frameworks: FrameworkChoice[]): CatalogueItem[] {
    const levelNames = new Map(frameworks.flatMap((f) => f.levels.map((l) => [`${f.id} ${l.code}`, l.name] as const)));
    return rows.map((r) => {
      const owner = byId.get(r.issuer_id);
      return {
        id: r.id, name: r.name, issuer: { slug: owner?.slug ?? "", name: owner?.name ?? "" }, imageId: r.image_id,
        href: `/achievements/${r.id}`, imageUrl: r.image_id ? `/images/${r.image_id}.png` : null, partner: null,
        tags: tags.get(r.id) ?? [], achievementType: r.achievement_type, language: r.language, levelCode: r.level_code,
        levelName: r.level_code ? levelNames.get(`${r.framework_id} ${r.level_code}`) ?? null : null,
      };
    });
  }

  const fromPartner = (p: PartnerItem): CatalogueItem => ({
    id: p.id, name: p.name, issuer: { slug: "", name: p.origin.name }, href: `/catalogue/partners/${p.id}`, imageUrl: p.imageUrl,
    partner: p.origin, imageId: null, tags: p.tags, achievementType: p.achievementType, language: p.language, levelCode: null, levelName: null,
  });

  // Our own templates first, then the partners' (each by name): one page may hold the end of the
  // first list and the start of the second, so the partners' offset is counted after ours.
  async function partnerPage(query: CatalogueQuery, source: CatalogueSource, localTotal: number, localShown: number) {
    if (source === "local" || !deps.partners) return { items: [], total: 0 };
    const perPage = Math.min(Math.max(query.perPage ?? 20, 1), 100);
    const offset = (Math.max(query.page ?? 1, 1) - 1) * perPage;
    const found = await deps.partners.search(query, perPage - localShown, Math.max(0, offset - localTotal));
    return { items: found.items.map(fromPartner), total: found.total };
  }

  async function choices(source: CatalogueSource, issuerIds: string[] | undefined, withChoices: boolean) {
    if (!withChoices) return noFacets;
    const [local, partners] = await Promise.all([
      source === "partners" ? noFacets : achievements.facetsInUse({ issuerIds }),
      source === "local" || !deps.partners ? noFacets : deps.partners.facets(),
    ]);
    const merge = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();
    return { tags: merge(local.tags, partners.tags), types: merge(local.types, partners.types), languages: merge(local.languages, partners.languages) };
  }

  return {
    /**
     * Searches published templates; `issuerSlug` limits to one issuer and the spaces under it (ours
     * only), `source` picks ours, the partners' or both. `withChoices: false` skips the filter
     * choices (results refreshed while typing do not show them).
     */
    async browse(scope: { issuerSlug?: string; source?: CatalogueSource }, query: CatalogueQuery, opts: { withChoices?: boolean } = {}): Promise<Result<CataloguePage, "issuer-not-found">> {
      // One read of the issuer tree gives both the sub-issuers and the names shown on each result.
      const tree = await issuers.tree();
      const issuer = scope.issuerSlug ? tree.find((n) => n.issuer.slug === scope.issuerSlug)?.issuer : null;
      if (issuer === undefined) return err("issuer-not-found");
      const source: CatalogueSource = issuer ? "local" : scope.source ?? "all";
      const issuerIds = issuer ? subtree(tree, issuer.id) : undefined;
      const withChoices = opts.withChoices !== false;
      // Frameworks fill the filter choices (the competency select follows the chosen framework, also
      // while typing) and name the levels on results: read only when needed.
      const listFrameworks = () => deps.frameworks!(issuerIds ?? tree.map((n) => n.issuer.id));
      const canList = !!deps.frameworks && source !== "partners";
      const early = canList && (withChoices || query.frameworkId) ? await listFrameworks() : null;
      const applied = early ? withoutStrayCompetency(query, early) : query;
      const [found, facets] = await Promise.all([
        // Partners only: an empty issuer list finds none of ours but still normalises page and perPage.
        achievements.search(applied, { issuerIds: source === "partners" ? [] : issuerIds }),
        choices(source, issuerIds, withChoices),
      ]);
      const partners = await partnerPage(applied, source, found.total, found.rows.length);
      const [tags, frameworks] = await Promise.all([
        achievements.tagsOf(found.rows.map((r) => r.id)),
        early ?? (canList && found.rows.some((r) => r.level_code) ? listFrameworks() : []),
      ]);
      const items = [...toItems(found.rows, tags, new Map(tree.map((n) => [n.issuer.id, n.issuer])), frameworks), ...partners.items];
      const total = found.total + partners.total;
      return ok({
        issuer, source, items, total, page: found.page, perPage: found.perPage, pages: Math.max(1, Math.ceil(total / found.perPage)),
        choices: { ...facets, frameworks }, competencyDropped: applied.competencyId !== query.competencyId,
      });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
