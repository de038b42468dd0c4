import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { formFields } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import { renderMarkdown } from "../http/markdown.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { FieldErrors } from "../shared/result.ts";
import type { FederationService } from "./federation.service.ts";
import type { EndorsementsService } from "./endorsements.service.ts";
import type { ReuseService } from "./reuse.service.ts";
import type { SharingService } from "./sharing.service.ts";

export interface FederationRoutesDeps {
  partners: FederationService;
  sharing: SharingService;
  reuse: ReuseService;
  endorsements: EndorsementsService;
  issuers: IssuersService;
  members: MembersService;
  render: Render;
  guards: Guards;
  origin: string;
}

type Notice = { key: string; params?: Record<string, string>; kind?: "ok" | "error" };

/** Partners of an issuer space (role admin): follow, followers, accept policy, blocks; partner template pages. */
export function federationRoutes(d: FederationRoutesDeps) {
  const app = new Hono<AppEnv>();
  const admin = [d.guards.loadIssuer, d.guards.requireRole("admin")] as const;
  const base = (c: Context<AppEnv>) => `/issuers/${c.get("issuer").slug}/partners`;

  async function panel(c: Context<AppEnv>, extra: { notice?: Notice; errors?: FieldErrors; form?: Record<string, string> } = {}, status: 200 | 422 = 200) {
    const issuer = c.get("issuer");
    const overview = await d.partners.overview(issuer);
    const handle = `@${issuer.slug}@${new URL(d.origin).host}`;
    return d.render(c, isHtmx(c) ? "partials/federation/panel" : "pages/federation/index", { issuer, handle, base: base(c), ...overview, ...extra }, status);
  }

  app.get("/issuers/:issuer/partners", ...admin, (c) => panel(c));

  app.post("/issuers/:issuer/partners/following", ...admin, async (c) => {
    const fields = await formFields(c);
    const target = (fields.target ?? "").trim();
    if (!target) return panel(c, { errors: { target: "federation.error.required" }, form: fields }, 422);
    const done = await d.partners.follow(c.get("actor"), c.get("issuer"), target);
    if (!done.ok) return panel(c, { errors: { target: `federation.error.${done.error}` }, form: fields }, 422);
    return panel(c, { notice: { key: "federation.notice.followed", params: { name: done.value.name ?? done.value.actor_id } } });
  });

  app.post("/issuers/:issuer/partners/following/remove", ...admin, async (c) => {
    const { actorId = "" } = await formFields(c);
    const done = await d.partners.unfollow(c.get("actor"), c.get("issuer"), actorId);
    return done.ok ? panel(c, { notice: { key: "federation.notice.unfollowed", params: { name: actorId } } }) : panel(c, { notice: { key: "errors.invalid", kind: "error" } }, 422);
  });

  app.post("/issuers/:issuer/partners/followers/:decision{accept|refuse}", ...admin, async (c) => {
    const { actorId = "" } = await formFields(c);
    const accept = c.req.param("decision") === "accept";
    const done = accept ? await d.partners.acceptFollower(c.get("actor"), c.get("issuer"), actorId) : await d.partners.refuseFollower(c.get("actor"), c.get("issuer"), actorId);
    if (!done.ok) return panel(c, { notice: { key: "errors.invalid", kind: "error" } }, 422);
    return panel(c, { notice: { key: accept ? "federation.notice.accepted" : "federation.notice.refused" } });
  });

  app.post("/issuers/:issuer/partners/policy", ...admin, async (c) => {
    const { policy } = await formFields(c);
    if (policy !== "auto" && policy !== "manual") return panel(c, { notice: { key: "errors.invalid", kind: "error" } }, 422);
    await d.partners.setPolicy(c.get("actor"), c.get("issuer"), policy);
    return panel(c, { notice: { key: "federation.notice.policy" } });
  });

  app.post("/issuers/:issuer/partners/blocks", ...admin, async (c) => {
    const fields = await formFields(c);
    const done = await d.partners.block(c.get("actor"), c.get("issuer"), fields.domain ?? "");
    if (!done.ok) return panel(c, { errors: { domain: "federation.error.invalid" }, form: fields }, 422);
    return panel(c, { notice: { key: "federation.notice.blocked", params: { domain: done.value } } });
  });

  app.post("/issuers/:issuer/partners/blocks/remove", ...admin, async (c) => {
    const { domain = "" } = await formFields(c);
    await d.partners.unblock(c.get("actor"), c.get("issuer"), domain);
    return panel(c, { notice: { key: "federation.notice.unblocked", params: { domain } } });
  });

  // The spaces where the signed-in person holds a role ("creator" may reuse, "admin" may endorse).
  async function spacesWith(c: Context<AppEnv>, role: "creator" | "admin") {
    const user = c.get("user");
    if (!user) return [];
    const tree = await d.issuers.tree();
    const allowed = await Promise.all(tree.map(async (n) => ((await d.members.rolesOf(user, n.issuer)).has(role) ? n.issuer : null)));
    return allowed.filter((i) => i !== null).map((i) => ({ value: i.slug, label: i.name }));
  }

  app.post("/catalogue/partners/:id/endorse", d.guards.requireUser, async (c) => {
    const { issuer: slug = "", comment = "" } = await formFields(c);
    const issuer = await d.issuers.findBySlug(slug);
    if (!issuer || !(await d.members.rolesOf(c.get("user"), issuer)).has("admin")) return errorResponse(c, d.render, 403, "403");
    const done = await d.endorsements.endorse(c.get("actor"), issuer, c.req.param("id"), comment);
    if (!done.ok && done.error === "not-found") return errorResponse(c, d.render, 404, "404");
    if (!done.ok) return partnerTemplate(c, { endorseError: "federation.endorse.commentError", comment }, 422);
    return c.redirect(`/catalogue/partners/${c.req.param("id")}`, 303);
  });

  app.post("/catalogue/partners/:id/reuse", d.guards.requireUser, async (c) => {
    const { issuer: slug = "" } = await formFields(c);
    const issuer = await d.issuers.findBySlug(slug);
    if (!issuer || !(await d.members.rolesOf(c.get("user"), issuer)).has("creator")) return errorResponse(c, d.render, 403, "403");
    const done = await d.reuse.reuse(c.get("actor"), issuer, c.req.param("id"));
    if (!done.ok) return done.error === "not-found" ? errorResponse(c, d.render, 404, "404") : errorResponse(c, d.render, 422, "reuse");
    return c.redirect(`/achievements/${done.value.row.id}/edit`, 303);
  });

  // Partners around one of our templates (reuses, verified endorsements); loaded into the template
  // page by htmx, a plain page without it.
  app.get("/achievements/:id/partners", async (c) => {
    const id = c.req.param("id");
    const [reuses, endorsements] = await Promise.all([d.reuse.reusesOf(id), d.endorsements.receivedFor(id)]);
    return d.render(c, isHtmx(c) ? "partials/federation/achievement-partners" : "pages/federation/achievement-partners", { id, reuses, endorsements });
  });

  // A partner's template, as received: its origin, version and the OB 3.0 JSON it was sent with.
  async function partnerTemplate(c: Context<AppEnv>, extra: Record<string, unknown> = {}, status: 200 | 422 = 200) {
    const view = await d.sharing.view(c.req.param("id") ?? "");
    if (!view) return errorResponse(c, d.render, 404, "404");
    const criteria = (view.ob.criteria ?? {}) as { narrative?: unknown; id?: unknown };
    const [reuseTargets, endorseTargets, given] = await Promise.all([spacesWith(c, "creator"), spacesWith(c, "admin"), d.endorsements.givenTo(view.row.ob_id)]);
    return d.render(c, "pages/federation/template", {
      ...view, criteriaHtml: typeof criteria.narrative === "string" ? renderMarkdown(criteria.narrative) : "",
      criteriaUrl: typeof criteria.id === "string" && /^https?:\/\//.test(criteria.id) ? criteria.id : null,
      originalUrl: /^https?:\/\//.test(view.row.ob_id) ? view.row.ob_id : null,
      reuseTargets, endorseTargets, given, ...extra,
    }, status);
  }

  app.get("/catalogue/partners/:id", (c) => partnerTemplate(c));
  return app;
}
