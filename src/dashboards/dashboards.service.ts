import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { CredentialsService } from "../awards/credentials.service.ts";
import type { IssuerRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { Clock } from "../shared/clock.ts";

/** The figures of an issuer space (with its sub-spaces) for its staff. */
export interface IssuerDashboard {
  templates: Record<"draft" | "published" | "archived", number>;
  credentials: Record<"active" | "revoked" | "suspended", number> & { total: number };
  months: Array<{ month: string; n: number }>;
  top: Array<{ id: string; name: string; n: number }>;
  spaces: number;
}

/** Dashboards: numbers gathered from the templates and issuing services. */
export function createDashboardsService(deps: { clock: Clock; issuers: IssuersService; achievements: AchievementsService; credentials: CredentialsService }) {
  // The issuer and every space below it.
  async function spaceIds(issuer: IssuerRow): Promise<string[]> {
    const tree = await deps.issuers.tree();
    const ids = new Set([issuer.id]);
    for (const node of tree) if (node.issuer.parent_id && ids.has(node.issuer.parent_id)) ids.add(node.issuer.id);
    return [...ids];
  }

  function lastMonths(count: number): string[] {
    const now = deps.clock.now();
    return Array.from({ length: count }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7));
  }

  return {
    /** Templates by status, credentials by status, issued per month over a year, most awarded templates. */
    async forIssuer(issuer: IssuerRow): Promise<IssuerDashboard> {
      const ids = await spaceIds(issuer);
      const months = lastMonths(12);
      const count = (status: string) => deps.achievements.search({ perPage: 1 }, { issuerIds: ids, statuses: [status] }).then((r) => r.total);
      const [draft, published, archived, stats] = await Promise.all([count("draft"), count("published"), count("archived"), deps.credentials.stats(ids, `${months[0]}-01`)]);
      const status = Object.fromEntries(stats.byStatus.map((r) => [r.status, r.n]));
      const byMonth = new Map(stats.byMonth.map((r) => [r.month, r.n]));
      const top = await Promise.all(stats.byAchievement.map(async (r) => ({ id: r.achievement_id, name: (await deps.achievements.load(r.achievement_id))?.content.name ?? r.achievement_id, n: r.n })));
      const credentials = { active: status.active ?? 0, revoked: status.revoked ?? 0, suspended: status.suspended ?? 0 };
      return {
        templates: { draft, published, archived },
        credentials: { ...credentials, total: credentials.active + credentials.revoked + credentials.suspended },
        months: months.map((m) => ({ month: m, n: byMonth.get(m) ?? 0 })), top, spaces: ids.length,
      };
    },
  };
}

export type DashboardsService = ReturnType<typeof createDashboardsService>;
