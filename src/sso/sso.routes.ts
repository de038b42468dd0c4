import { Hono, type Context } from "hono";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { safeNext } from "../http/form.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { Result } from "../shared/result.ts";
import type { LoginDone, LoginFailure, SsoService } from "./sso.service.ts";
import { ssoPaths } from "./sso-setup.ts";

export interface SsoRoutesDeps {
  sso: SsoService;
  render: Render;
  cookies: CookieKit;
  origin: string;
  sessionDays: number;
}

// Refusals about the account are the person's to fix with their institution (403); the others
// are failed authentications (401), unknown providers (404) or providers we cannot reach (502).
const STATUS: Partial<Record<LoginFailure["kind"], 403 | 404 | 502>> = {
  "unknown-provider": 404, "provider-unavailable": 502,
  "missing-identifier": 403, "missing-email": 403, "email-unverified": 403, "email-linked-elsewhere": 403, "account-disabled": 403,
};

/** OpenID Connect and SAML logins, SP metadata and the institution discovery page. */
export function ssoRoutes(d: SsoRoutesDeps) {
  const app = new Hono<AppEnv>();
  const meta = (c: Context<AppEnv>) => ({ ip: c.get("ip"), userAgent: c.req.header("User-Agent") ?? null, previousSession: c.get("sessionToken") });

  function refuse(c: Context<AppEnv>, failure: LoginFailure) {
    return d.render(c, "pages/sso/error", { kind: failure.kind }, STATUS[failure.kind] ?? 401);
  }

  function signIn(c: Context<AppEnv>, result: Result<LoginDone, LoginFailure>) {
    if (!result.ok) return refuse(c, result.error);
    d.cookies.set(c, "fb_session", result.value.sessionToken, d.sessionDays * 86_400);
    return c.redirect(safeNext(result.value.next), 303);
  }

  app.get("/auth/oidc/:id/login", async (c) => {
    const started = await d.sso.startOidc(c.req.param("id"), safeNext(c.req.query("next")));
    if (!started.ok) return refuse(c, started.error);
    d.cookies.set(c, "fb_oidc", started.value.flowCookie, 600);
    return c.redirect(started.value.url, 303);
  });

  app.get("/auth/oidc/:id/callback", async (c) => {
    // The provider may call back through a proxy: rebuild the URL it was given from our origin.
    const url = new URL(d.origin + new URL(c.req.url).pathname + new URL(c.req.url).search);
    const done = await d.sso.finishOidc(c.req.param("id"), url, d.cookies.get(c, "fb_oidc"), meta(c));
    d.cookies.clear(c, "fb_oidc");
    return signIn(c, done);
  });

  app.get("/auth/saml/login", async (c) => {
    const started = await d.sso.startSaml({ idp: c.req.query("idp"), entityId: c.req.query("entityID") }, safeNext(c.req.query("next")));
    return started.ok ? c.redirect(started.value.url, 303) : refuse(c, started.error);
  });

  // Cross-site POST from the IdP (HTTP-POST binding): exempt from CSRF in app.ts; InResponseTo
  // must name a request we sent, once.
  app.post(ssoPaths.acs, async (c) => {
    const body = await c.req.parseBody();
    const response = typeof body["SAMLResponse"] === "string" ? body["SAMLResponse"] : "";
    if (!response) return refuse(c, { kind: "invalid-response" });
    return signIn(c, await d.sso.finishSaml(response, meta(c)));
  });

  app.get(ssoPaths.metadata, (c) => {
    const xml = d.sso.spMetadata();
    if (!xml) return refuse(c, { kind: "unknown-provider" });
    return c.body(xml, 200, { "Content-Type": "application/samlmetadata+xml; charset=utf-8", "Cache-Control": "public, max-age=3600" });
  });

  app.get("/auth/saml/discovery", (c) => {
    const q = (c.req.query("q") ?? "").slice(0, 200);
    const list = d.sso.institutions(c.get("locale"), q);
    const data = { ...list, q, next: safeNext(c.req.query("next")) };
    return d.render(c, isHtmx(c) ? "partials/sso/institutions" : "pages/sso/discovery", data);
  });
  return app;
}
