import { Hono, type Context, type MiddlewareHandler } from "hono";
import { buildOb2BadgeClass, buildOb2Issuer } from "../credentials/ob2-badgeclass.ts";
import { achievementDocument, versionEditionUrl } from "../credentials/ob3-achievement.ts";
import { nodeUrls } from "../credentials/urls.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import type { Guards } from "../http/guards.ts";
import { renderMarkdown } from "../http/markdown.ts";
import { jsonLd, wantsJsonLd } from "../http/negotiate.ts";
import type { Render } from "../http/render.ts";
import { profileFacts } from "../issuers/issuer-profile.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { EDITION_LANGUAGE_ROUTE } from "./achievements.schema.ts";
import type { Achievement, AchievementsService } from "./achievements.service.ts";

export interface PublicRoutesDeps {
  achievements: AchievementsService;
  issuers: IssuersService;
  render: Render;
  guards: Guards;
  origin: string;
  fallbackEmail: string;
  loadAchievement: MiddlewareHandler<AppEnv>;
}

/** Public template pages: HTML for people, OB 3.0 JSON-LD by content negotiation, versions, OB 2.0 BadgeClass. */
export function achievementsPublicRoutes(d: PublicRoutesDeps) {
  const app = new Hono<AppEnv>();
  const urls = nodeUrls(d.origin);

  // Drafts exist only for the issuer's staff; everyone else gets a 404, never a hint.
  const visible = (c: Context<AppEnv>) => c.get("achievement").row.status !== "draft" || c.get("roles").has("viewer");

  // Where the page of this version (or of its other edition) lives: the current one at the short URLs.
  function pageUrls(a: Achievement, ed: string | undefined) {
    const current = a.version === a.row.version;
    const main = current ? urls.achievement(a.row.id) : urls.achievementVersion(a.row.id, a.version);
    const other = a.content.edition?.inLanguage;
    const editionUrl = (lang: string) => (current ? urls.achievementEdition(a.row.id, lang) : versionEditionUrl(urls, a.row.id, a.version, lang));
    return { pageUrl: ed ? editionUrl(ed) : main, otherUrl: ed ? main : other ? editionUrl(other) : null };
  }

  async function show(c: Context<AppEnv>, a: Achievement, edition?: string) {
    if (!visible(c)) return errorResponse(c, d.render, 404, "404");
    const issuer = c.get("issuer");
    const doc = achievementDocument(urls, { id: a.row.id, version: a.version, content: a.content, issuer: profileFacts(issuer), edition });
    if (wantsJsonLd(c)) return jsonLd(c, doc);
    const [requires, requiredBy, versions] = await Promise.all([
      d.achievements.prerequisites(a.row.id), d.achievements.dependents(a.row.id), d.achievements.versions(a.row.id),
    ]);
    const ed = edition && a.content.edition?.inLanguage === edition ? a.content.edition : undefined;
    c.header("Vary", "Accept", { append: true });
    return d.render(c, "pages/achievements/show", {
      a, issuer, doc, edition: ed, roles: [...c.get("roles")], requires, requiredBy,
      versions: versions.filter((v) => v.published_at || c.get("roles").has("viewer")),
      criteriaHtml: renderMarkdown(ed?.criteriaNarrative ?? a.content.criteria.narrative),
      // OpenGraph always has a picture: the template's image or the built-in drawing.
      imageUrl: a.content.imageId ? urls.image(a.content.imageId) : urls.achievementDefaultImage(a.row.id),
      ...pageUrls(a, ed?.inLanguage),
      ob2Url: urls.ob2BadgeClass(a.row.id),
    });
  }

  app.get("/achievements/:id", d.loadAchievement, (c) => show(c, c.get("achievement")));

  app.get("/achievements/:id/versions/:version", d.loadAchievement, async (c) => {
    const version = Number(c.req.param("version"));
    const a = Number.isInteger(version) ? await d.achievements.load(c.req.param("id"), version) : null;
    if (!a) return errorResponse(c, d.render, 404, "404");
    return show(c, a);
  });

  app.get(`/achievements/:id/versions/:version/:lang{${EDITION_LANGUAGE_ROUTE}}`, d.loadAchievement, async (c) => {
    const version = Number(c.req.param("version"));
    const a = Number.isInteger(version) ? await d.achievements.load(c.req.param("id"), version) : null;
    if (!a || a.content.edition?.inLanguage !== c.req.param("lang")) return errorResponse(c, d.render, 404, "404");
    return show(c, a, c.req.param("lang"));
  });

  app.get(`/achievements/:id/:lang{${EDITION_LANGUAGE_ROUTE}}`, d.loadAchievement, (c) => {
    const a = c.get("achievement");
    if (a.content.edition?.inLanguage !== c.req.param("lang")) return errorResponse(c, d.render, 404, "404");
    return show(c, a, c.req.param("lang"));
  });

  app.get("/ob2/badgeclasses/:id", d.loadAchievement, (c) => {
    if (!visible(c)) return errorResponse(c, d.render, 404, "404");
    const a = c.get("achievement");
    return jsonLd(c, buildOb2BadgeClass(urls, { id: a.row.id, content: a.content, issuerSlug: c.get("issuer").slug }), "application/ld+json");
  });

  app.get("/ob2/issuers/:issuer", d.guards.loadIssuer, (c) => jsonLd(c, buildOb2Issuer(urls, profileFacts(c.get("issuer")), d.fallbackEmail)));

  return app;
}
