import { Hono } from "hono";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { AppEnv } from "../http/env.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { adminAuditRoutes } from "./admin-audit.routes.ts";

/** Node administration: every issuer, every account, the node-wide audit trail. */
export function adminRoutes(d: { issuers: IssuersService; accounts: AccountsService; audit: AuditService; render: Render; guards: Guards }) {
  const app = new Hono<AppEnv>();
  app.get("/admin", d.guards.requireNodeAdmin, async (c) => {
    // The latest few events only: the whole trail, with filters, is at /admin/audit.
    const [tree, users, page] = await Promise.all([d.issuers.tree(), d.accounts.list(), d.audit.search({}, {}, 10)]);
    return d.render(c, "pages/admin/index", { tree, users, events: page.events });
  });
  app.route("/", adminAuditRoutes(d));
  return app;
}
