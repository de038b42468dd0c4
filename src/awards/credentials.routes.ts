import { Hono, type Context } from "hono";
import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import { formFields } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import { renderMarkdown } from "../http/markdown.ts";
import { wantsJsonLd } from "../http/negotiate.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { StatusListsService } from "../status-lists/status-lists.service.ts";
import type { CredentialRow } from "../db/database.ts";
import type { Locale } from "../i18n/i18n.ts";
import type { CredentialsService } from "./credentials.service.ts";
import { ISSUED_TYPES, issuedTypeOf, issuedTypeParam } from "./issued-credentials.ts";

export interface CredentialsRoutesDeps {
  credentials: CredentialsService;
  achievements: AchievementsService;
  issuers: IssuersService;
  members: MembersService;
  statusLists: StatusListsService;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
  /** The page's share box (downloads, LinkedIn, QR code), built by the downloads feature. */
  share?: (row: CredentialRow, doc: Record<string, any>, locale: Locale) => Promise<Record<string, unknown>>;
}

const JSON_TYPES = ["application/vc+ld+json", "application/ld+json", "application/json"];
/** Most credentials the staff list shows (newest first). */
const ISSUED_MAX = 500;

/** Public credential pages and signed JSON, status lists, and staff status changes. */
export function credentialsRoutes(d: CredentialsRoutesDeps) {
  const app = new Hono<AppEnv>();

  function signedJson(c: Context<AppEnv>, document: string) {
    const accept = c.req.header("Accept") ?? "";
    const type = JSON_TYPES.find((t) => accept.includes(t)) ?? "application/vc+ld+json";
    return c.body(document, 200, { "Content-Type": `${type}; charset=utf-8`, "Access-Control-Allow-Origin": "*", Vary: "Accept" });
  }

  app.get("/credentials/:file", async (c) => {
    const file = c.req.param("file");
    const asJson = file.endsWith(".json");
    const row = await d.credentials.find(asJson ? file.slice(0, -5) : file);
    if (!row) return errorResponse(c, d.render, 404, "404");
    if (asJson || wantsJsonLd(c)) {
      const res = signedJson(c, row.document);
      if (asJson) res.headers.set("Content-Disposition", `attachment; filename="badge-${row.id}.json"`);
      return res;
    }
    const [issuer, achievement] = await Promise.all([d.issuers.findById(row.issuer_id), d.achievements.load(row.achievement_id, row.achievement_version)]);
    const roles = issuer ? await d.members.rolesOf(c.get("user"), issuer) : new Set();
    const doc = JSON.parse(row.document);
    const share = await d.share?.(row, doc, c.get("locale"));
    return d.render(c, "pages/credentials/show", {
      row, issuer, achievement, doc, roles: [...roles], criteriaHtml: renderMarkdown(achievement?.content.criteria.narrative), share,
      expired: row.valid_until ? Date.parse(row.valid_until) < Date.now() : false,
    });
  });

  // Staff (awarders, jury, admins) list a template's issued credentials: recipient, its type (e-mail,
  // eppn, other identifier) and contact address; `?type=` keeps one type.
  app.get("/issuers/:issuer/achievements/:id/credentials", d.guards.loadIssuer, d.guards.requireUser, async (c) => {
    if (!c.get("roles").has("awarder") && !c.get("roles").has("jury")) return errorResponse(c, d.render, 403, "403");
    const a = await d.achievements.load(c.req.param("id"));
    if (!a || a.row.issuer_id !== c.get("issuer").id) return errorResponse(c, d.render, 404, "404");
    const type = issuedTypeParam(c.req.query("type"));
    const rows = (await d.credentials.issuedList(a.row.id, type, ISSUED_MAX)).map((r) => ({ ...r, kind: issuedTypeOf(r.recipient_type) }));
    return d.render(c, "pages/credentials/issued", { issuer: c.get("issuer"), a, rows, type, types: ISSUED_TYPES, max: ISSUED_MAX });
  });

  app.get("/issuers/:issuer/status/:purpose", d.guards.loadIssuer, async (c) => {
    const purpose = c.req.param("purpose");
    if (purpose !== "revocation" && purpose !== "suspension") return errorResponse(c, d.render, 404, "404");
    const { document, etag } = await d.statusLists.current(c.get("issuer"), purpose);
    const headers = { ETag: etag, "Cache-Control": `public, max-age=${Math.floor(d.statusLists.ttlMs / 1000)}`, "Access-Control-Allow-Origin": "*" };
    if (c.req.header("If-None-Match") === etag) return c.body(null, 304, headers);
    return c.body(document, 200, { ...headers, "Content-Type": "application/vc+ld+json; charset=utf-8" });
  });

  for (const action of ["revoke", "suspend", "unsuspend"] as const) {
    app.post(`/credentials/:id/${action}`, d.guards.requireUser, async (c) => {
      const row = await d.credentials.find(c.req.param("id"));
      const issuer = row && (await d.issuers.findById(row.issuer_id));
      if (!row || !issuer) return errorResponse(c, d.render, 404, "404");
      if (!(await d.members.rolesOf(c.get("user"), issuer)).has("awarder")) return errorResponse(c, d.render, 403, "403");
      const reason = ((await formFields(c)).reason ?? "").trim().slice(0, 500);
      if (action !== "unsuspend" && !reason) {
        setFlash(c, d.cookies, { key: "credentials.reasonRequired", kind: "error" });
        return c.redirect(`/credentials/${row.id}`, 303);
      }
      const done = action === "unsuspend" ? await d.credentials.unsuspend(c.get("actor"), row.id) : await d.credentials[action](c.get("actor"), row.id, reason);
      setFlash(c, d.cookies, done.ok ? { key: `credentials.${action}d` } : { key: "credentials.statusUnchanged", kind: "error" });
      return c.redirect(`/credentials/${row.id}`, 303);
    });
  }
  return app;
}
