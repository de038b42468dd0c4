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

/** One result of the catalogue, ready for the view. */
export interface CatalogueItem {
  id: string;
  name: string;
  issuer: { slug: string; name: string };
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
  items: CatalogueItem[];
  total: number;
  page: number;
  perPage: number;
  pages: number;
  choices: { tags: string[]; types: string[]; languages: string[]; frameworks: FrameworkChoice[] };
}

export interface CatalogueDeps {
  achievements: AchievementsService;
  issuers: IssuersService;
  frameworks?: FrameworkLister;
}

/** An issuer and every space under it, from the node's issuer tree (parents come before their children). */
function subtree(tree: { issuer: IssuerRow; depth: number }[], rootId: string): string[] {
  const start = tree.findIndex((n) => n.issuer.id === rootId);
  if (start < 0) return [rootId];
  const ids = [rootId];
  for (let i = start + 1; i < tree.length && tree[i]!.depth > tree[start]!.depth; i++) ids.push(tree[i]!.issuer.id);
  return ids;
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
        tags: tags.get(r.id) ?? [], achievementType: r.achievement_type, language: r.language, levelCode: r.level_code,
        levelName: r.level_code ? levelNames.get(`${r.framework_id} ${r.level_code}`) ?? null : null,
      };
    });
  }

  return {
    /**
     * Searches published templates; `issuerSlug` limits to one issuer and the spaces under it.
     * `withChoices: false` skips the filter choices (results refreshed while typing do not show them).
     */
    async browse(scope: { issuerSlug?: string }, query: CatalogueQuery, opts: { withChoices?: boolean } = {}): Promise<Result<CataloguePage, "issuer-not-found">> {
      // One read of the issuer tree gives both the sub-issuers and the names shown on each result.
      const tree = await issuers.tree();
      const issuer = scope.issuerSlug ? tree.find((n) => n.issuer.slug === scope.issuerSlug)?.issuer : null;
      if (issuer === undefined) return err("issuer-not-found");
      const issuerIds = issuer ? subtree(tree, issuer.id) : undefined;
      const withChoices = opts.withChoices !== false;
      const [found, facets] = await Promise.all([achievements.search(query, { issuerIds }), withChoices ? achievements.facetsInUse({ issuerIds }) : noFacets]);
      // Frameworks fill the filter choices and name the levels on results: read only when needed.
      const needFrameworks = deps.frameworks && (withChoices || found.rows.some((r) => r.level_code));
      const [tags, frameworks] = await Promise.all([
        achievements.tagsOf(found.rows.map((r) => r.id)),
        needFrameworks ? deps.frameworks!(issuerIds ?? tree.map((n) => n.issuer.id)) : [],
      ]);
      const items = toItems(found.rows, tags, new Map(tree.map((n) => [n.issuer.id, n.issuer])), frameworks);
      return ok({ issuer, items, total: found.total, page: found.page, perPage: found.perPage, pages: found.pages, choices: { ...facets, frameworks } });
    },
  };
}

export type CatalogueService = ReturnType<typeof createCatalogueService>;
