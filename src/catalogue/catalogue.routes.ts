import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { isHtmx, type Render } from "../http/render.ts";
import { catalogueApiRoutes } from "./catalogue.api.ts";
import { catalogueHref, parseCatalogueParams } from "./catalogue.schema.ts";
import type { CatalogueService } from "./catalogue.service.ts";
import { catalogueView } from "./catalogue.view.ts";

export interface CatalogueRoutesDeps {
  catalogue: CatalogueService;
  render: Render;
  /** For the absolute URLs of `GET /api/v1/catalogue`. */
  origin: string;
}

/** The public catalogue: the whole node's, and each issuer's (with its sub-issuers). */
export function catalogueRoutes(d: CatalogueRoutesDeps) {
  const app = new Hono<AppEnv>();

  // Same URL, two answers: htmx (typing in the form) gets the results partial, everyone else the page.
  async function show(c: Context<AppEnv>, base: string, issuerSlug?: string) {
    const { params: asked, query } = parseCatalogueParams(c.req.query());
    const page = await d.catalogue.browse({ issuerSlug, source: asked.source }, query, { withChoices: !isHtmx(c) });
    if (!page.ok) return errorResponse(c, d.render, 404, "404");
    c.header("Vary", "HX-Request", { append: true }); // a cached partial must never stand in for the page
    // A competency left over from another framework is not applied: the form and the URL say so too.
    const params = page.value.competencyDropped ? { ...asked, competency: undefined } : asked;
    const vm = catalogueView(page.value, params, base, c.get("locale"));
    if (!isHtmx(c)) return d.render(c, "pages/catalogue/index", vm);
    if (page.value.competencyDropped) c.header("HX-Push-Url", catalogueHref(base, params));
    // With the results, htmx swaps in the competency select of the framework now chosen (out of band).
    return d.render(c, "partials/catalogue/results", { ...vm, competencyOob: true });
  }

  app.get("/catalogue", (c) => show(c, "/catalogue"));
  app.get("/issuers/:issuer/catalogue", (c) => {
    const slug = c.req.param("issuer");
    return show(c, `/issuers/${encodeURIComponent(slug)}/catalogue`, slug);
  });
  app.route("/", catalogueApiRoutes({ catalogue: d.catalogue, origin: d.origin }));
  return app;
}
