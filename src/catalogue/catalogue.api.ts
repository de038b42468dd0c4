import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { parseCatalogueParams } from "./catalogue.schema.ts";
import type { CatalogueItem, CatalogueService } from "./catalogue.service.ts";

/** One catalogue result in the API: absolute URL, and the origin institution of a partner's template. */
function itemResource(origin: string, i: CatalogueItem) {
  return {
    id: i.id, name: i.name, url: origin + i.href, achievementType: i.achievementType, language: i.language, tags: i.tags,
    issuer: i.partner ? null : { slug: i.issuer.slug, name: i.issuer.name },
    partner: i.partner ? { name: i.partner.name, domain: i.partner.domain, actor: i.partner.actorId } : null,
  };
}

/** `GET /api/v1/catalogue?q=…&source=all|local|partners`: the public catalogue, for machines. */
export function catalogueApiRoutes(d: { catalogue: CatalogueService; origin: string }) {
  const app = new Hono<AppEnv>();
  app.get("/api/v1/catalogue", async (c) => {
    const { params, query } = parseCatalogueParams(c.req.query());
    const page = await d.catalogue.browse({ source: params.source }, query, { withChoices: false });
    if (!page.ok) return c.json({ errors: [{ field: "issuer", message: page.error }] }, 404);
    const { items, total, source } = page.value;
    return c.json({ items: items.map((i) => itemResource(d.origin, i)), total, page: page.value.page, perPage: page.value.perPage, pages: page.value.pages, source });
  });
  return app;
}
