import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { parseCatalogueParams } from "../catalogue/catalogue.schema.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AppEnv } from "../http/env.ts";
import type { TokensService } from "../tokens/tokens.service.ts";
import { achievementResource } from "./achievement-resource.ts";
import { apiAuth, principalOf } from "./api-auth.ts";
import { apiErrors, jsonBody } from "./api-response.ts";
import type { AchievementsApiService, ApiFailure } from "./achievements-api.service.ts";

/** Largest JSON body accepted: a template with long criteria and 50 alignments fits well under it. */
export const API_MAX_BODY = 256 * 1024;

export interface AchievementsApiDeps {
  api: AchievementsApiService;
  tokens: TokensService;
  urls: NodeUrls;
  origin: string;
}

function failure(c: Context<AppEnv>, f: ApiFailure) {
  switch (f.kind) {
    case "unauthorized": return apiErrors(c, 401, { _token: "api.unauthorized" });
    case "forbidden": return apiErrors(c, 403, { _token: "api.forbiddenIssuer" });
    case "not-found": return apiErrors(c, 404, { id: "api.notFound" });
    case "issuer-not-found": return apiErrors(c, 404, { issuer: "api.issuerNotFound" });
    case "archived": return apiErrors(c, 409, { _status: "errors.archived" });
    case "invalid": return apiErrors(c, 422, f.errors);
  }
}


/** REST API for templates: `GET/POST /api/v1/issuers/{issuer}/achievements`, `GET/PUT /api/v1/achievements/{id}`. */
export function achievementsApiRoutes(d: AchievementsApiDeps) {
  const app = new Hono<AppEnv>();
  const auth = apiAuth(d.tokens);
  // The rest of an oversized body is never read, so the connection cannot carry another request: say so.
  const limit = bodyLimit({ maxSize: API_MAX_BODY, onError: (c) => {
    c.header("Connection", "close");
    return apiErrors(c, 413, { _body: "api.tooLarge" }, { max: API_MAX_BODY });
  } });

  app.get("/api/v1/issuers/:issuer/achievements", auth.optional, async (c) => {
    const { query } = parseCatalogueParams(c.req.query());
    const listed = await d.api.list(principalOf(c), c.req.param("issuer"), query, c.req.query("status") || undefined);
    if (!listed.ok) return failure(c, listed.error);
    const { issuer, items, total, page, perPage, pages } = listed.value;
    return c.json({ items: items.map((a) => achievementResource(d.urls, a, issuer)), total, page, perPage, pages });
  });

  app.get("/api/v1/achievements/:id", auth.optional, async (c) => {
    const found = await d.api.get(principalOf(c), c.req.param("id"));
    if (!found.ok) return failure(c, found.error);
    return c.json(achievementResource(d.urls, found.value.achievement, found.value.issuer));
  });

  app.post("/api/v1/issuers/:issuer/achievements", limit, auth.require("templates"), async (c) => {
    const read = await jsonBody(c);
    if (read instanceof Response) return read;
    const created = await d.api.create(principalOf(c)!, c.get("actor"), c.req.param("issuer"), read.body);
    if (!created.ok) return failure(c, created.error);
    const resource = achievementResource(d.urls, created.value.achievement, created.value.issuer);
    c.header("Location", `${d.origin}/api/v1/achievements/${resource.id}`);
    return c.json(resource, 201);
  });

  app.put("/api/v1/achievements/:id", limit, auth.require("templates"), async (c) => {
    const read = await jsonBody(c);
    if (read instanceof Response) return read;
    const edited = await d.api.update(principalOf(c)!, c.get("actor"), c.req.param("id"), read.body);
    if (!edited.ok) return failure(c, edited.error);
    const resource = achievementResource(d.urls, edited.value.achievement, edited.value.issuer);
    return c.json(edited.value.unchanged ? { ...resource, unchanged: true, message: "Nothing changed: no new version was made." } : resource);
  });
  return app;
}
