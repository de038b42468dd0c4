import { Hono } from "hono";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { AppEnv } from "../http/env.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";

/** Node administration: every issuer, every account, the node-wide audit trail. */
export function adminRoutes(d: { issuers: IssuersService; accounts: AccountsService; audit: AuditService; render: Render; guards: Guards }) {
  const app = new Hono<AppEnv>();
  app.get("/admin", d.guards.requireNodeAdmin, async (c) => {
    const [tree, users, events] = await Promise.all([d.issuers.tree(), d.accounts.list(), d.audit.listForIssuer(null, 50)]);
    return d.render(c, "pages/admin/index", { tree, users, events });
  });
  return app;
}
