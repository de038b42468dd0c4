import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiAuth, principalOf } from "../api/api-auth.ts";
import { apiErrors } from "../api/api-response.ts";
import type { IssuerRow } from "../db/database.ts";
import type { AppEnv } from "../http/env.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { TokensService } from "../tokens/tokens.service.ts";
import type { FederationService } from "./federation.service.ts";

/** A follow with its remote actor, as the service lists it (routes do not import repositories). */
type FollowWithActor = Awaited<ReturnType<FederationService["following"]>>[number];

export interface FederationApiDeps {
  partners: FederationService;
  issuers: IssuersService;
  tokens: TokensService;
}

/** A relation as the API shows it. */
function followResource(f: FollowWithActor) {
  return { actor: f.actor_id, handle: f.handle, name: f.name, state: f.state, since: f.created_at };
}

/** Partners API (token scope `federation`): follow by handle or URL, list following and followers. */
export function federationApiRoutes(d: FederationApiDeps) {
  const app = new Hono<AppEnv>();
  const auth = apiAuth(d.tokens);
  const limit = bodyLimit({ maxSize: 4096, onError: (c) => apiErrors(c, 413, { _body: "api.tooLarge" }, { max: 4096 }) });

  // The token must belong to the issuer in the URL: partners are an issuer's own decision.
  async function ownIssuer(c: Context<AppEnv>): Promise<IssuerRow | Response> {
    const issuer = await d.issuers.findBySlug(c.req.param("issuer") ?? "");
    if (!issuer) return apiErrors(c, 404, { issuer: "api.issuerNotFound" });
    if (principalOf(c)!.issuerId !== issuer.id) return apiErrors(c, 403, { _token: "api.forbiddenIssuer" });
    return issuer;
  }

  app.post("/api/v1/issuers/:issuer/following", limit, auth.require("federation"), async (c) => {
    const issuer = await ownIssuer(c);
    if (issuer instanceof Response) return issuer;
    let target: unknown;
    try {
      target = ((await c.req.json()) as { target?: unknown })?.target;
    } catch {
      return apiErrors(c, 400, { _body: "api.invalidJson" });
    }
    if (typeof target !== "string" || !target.trim()) return apiErrors(c, 422, { target: "federation.error.required" });
    const done = await d.partners.follow(c.get("actor"), issuer, target);
    if (!done.ok) return apiErrors(c, done.error === "not-found" ? 404 : 422, { target: `federation.error.${done.error}` });
    // 202: the partner answers later (Accept), the state says where it stands.
    return c.json(followResource(done.value), 202);
  });

  for (const direction of ["following", "followers"] as const) {
    app.get(`/api/v1/issuers/:issuer/${direction}`, auth.require("federation"), async (c) => {
      const issuer = await ownIssuer(c);
      if (issuer instanceof Response) return issuer;
      const rows = direction === "following" ? await d.partners.following(issuer.id) : await d.partners.followers(issuer.id);
      return c.json({ items: rows.map(followResource), total: rows.length });
    });
  }
  return app;
}
