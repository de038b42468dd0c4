import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { formFields } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { EndorsementsService } from "./endorsements.service.ts";
import type { FederationService } from "./federation.service.ts";

export interface EndorsementRoutesDeps {
  endorsements: EndorsementsService;
  partners: FederationService;
  issuers: IssuersService;
  members: MembersService;
  render: Render;
  guards: Guards;
}

// Only a path on this site is a place to go back to.
const localPath = (v: string | undefined) => (v && /^\/[^/\\]/.test(v) ? v : null);

/** An issuer's endorsements (given, received, embedding in new badges) and the withdrawal of one. */
export function endorsementRoutes(d: EndorsementRoutesDeps) {
  const app = new Hono<AppEnv>();
  const admin = [d.guards.loadIssuer, d.guards.requireRole("admin")] as const;

  async function page(c: Context<AppEnv>, extra: { error?: string; form?: Record<string, string>; notice?: string } = {}, status: 200 | 422 = 200) {
    const issuer = c.get("issuer");
    const [given, received, templates, following, followers] = await Promise.all([
      d.endorsements.givenBy(issuer.id), d.endorsements.receivedForIssuer(issuer), d.endorsements.endorsedTemplates(issuer.id),
      d.partners.following(issuer.id), d.partners.followers(issuer.id),
    ]);
    // The partners one may endorse: accepted relations, either way, once each.
    const targets = new Map([...following, ...followers].filter((f) => f.state === "accepted").map((f) => [f.actor_id, { value: f.actor_id, label: f.name ?? f.actor_id }]));
    return d.render(c, "pages/federation/endorsements", { issuer, given, received, templates, targets: [...targets.values()], base: `/issuers/${issuer.slug}/partners/endorsements`, ...extra }, status);
  }

  app.get("/issuers/:issuer/partners/endorsements", ...admin, (c) => page(c));

  app.post("/issuers/:issuer/partners/endorsements", ...admin, async (c) => {
    const fields = await formFields(c);
    const done = await d.endorsements.endorseIssuer(c.get("actor"), c.get("issuer"), fields.actorId ?? "", fields.comment ?? "");
    if (!done.ok) return page(c, { error: done.error === "comment" ? "federation.endorse.commentError" : "federation.endorseIssuer.unknown", form: fields }, 422);
    return c.redirect(`/issuers/${c.get("issuer").slug}/partners/endorsements`, 303);
  });

  app.post("/issuers/:issuer/partners/endorsements/embed", ...admin, async (c) => {
    const { achievementId = "", embed } = await formFields(c);
    const templates = await d.endorsements.endorsedTemplates(c.get("issuer").id);
    if (!templates.some((t) => t.id === achievementId)) return errorResponse(c, d.render, 404, "404");
    await d.endorsements.setEmbed(c.get("actor"), achievementId, c.get("issuer").id, embed === "1");
    return c.redirect(`/issuers/${c.get("issuer").slug}/partners/endorsements`, 303);
  });

  // What partners said of an issuer, public: loaded into its profile page by htmx, a plain page without it.
  app.get("/issuers/:issuer/endorsements", d.guards.loadIssuer, async (c) => {
    const issuer = c.get("issuer");
    const endorsements = await d.endorsements.receivedForIssuer(issuer);
    return d.render(c, isHtmx(c) ? "partials/federation/issuer-endorsements" : "pages/federation/issuer-endorsements", { issuer, endorsements });
  });

  // Withdrawal by an admin of the endorsing issuer; a second one changes nothing.
  app.post("/endorsements/:id/withdraw", d.guards.requireUser, async (c) => {
    const { back } = await formFields(c);
    const canAdmin = async (issuerId: string) => {
      const issuer = await d.issuers.findById(issuerId);
      return !!issuer && (await d.members.rolesOf(c.get("user"), issuer)).has("admin");
    };
    const done = await d.endorsements.withdraw(c.get("actor"), canAdmin, c.req.param("id"));
    if (!done.ok) return errorResponse(c, d.render, done.error === "forbidden" ? 403 : 404, done.error === "forbidden" ? "403" : "404");
    const issuer = await d.issuers.findById(done.value.row.issuer_id!);
    return c.redirect(localPath(back) ?? `/issuers/${issuer?.slug ?? ""}/partners/endorsements`, 303);
  });

  return app;
}
