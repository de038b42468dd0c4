import { Hono, type Context } from "hono";
import type { AuditService } from "../audit/audit.service.ts";
import type { AppEnv } from "../http/env.ts";
import type { Guards } from "../http/guards.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { readAuditQuery, scopeNodes, type AuditScope } from "./admin-audit.params.ts";
import { auditView } from "./admin-audit.view.ts";

export interface AdminAuditDeps {
  audit: AuditService;
  issuers: IssuersService;
  render: Render;
  guards: Guards;
}

/** A byte stream of text chunks (the CSV export, written as the rows are read). */
function streamOf(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/**
 * The audit trail with filters, keyset pages and a CSV export: the whole node's for node
 * administrators at /admin/audit, one space's (with its sub-spaces) for its admins at
 * /issuers/{slug}/audit. Same URL, two answers: htmx gets the results partial, others the page.
 */
export function adminAuditRoutes(d: AdminAuditDeps) {
  const app = new Hono<AppEnv>();

  async function scopeOf(c: Context<AppEnv>): Promise<AuditScope> {
    return { tree: await d.issuers.tree(), rootId: c.get("issuer")?.id ?? null };
  }

  async function show(c: Context<AppEnv>, base: string) {
    const scope = await scopeOf(c);
    const q = readAuditQuery(c.req.query(), scope);
    const nodes = scopeNodes(scope);
    const [page, actions] = await Promise.all([
      d.audit.search(q.filter, q.cursor, q.perPage),
      d.audit.actions(scope.rootId ? nodes.map((n) => n.issuer.id) : undefined),
    ]);
    const issuer = scope.rootId ? c.get("issuer") : null;
    const vm = auditView({ page, params: q.params, problems: q.problems, base, nodes, tree: scope.tree, actions, scopeIssuer: issuer ? { name: issuer.name, slug: issuer.slug } : null });
    c.header("Vary", "HX-Request", { append: true }); // a cached partial must never stand in for the page
    c.header("Cache-Control", "no-store");
    return d.render(c, isHtmx(c) ? "partials/admin/audit-results" : "pages/admin/audit", vm);
  }

  async function csv(c: Context<AppEnv>, name: string) {
    const scope = await scopeOf(c);
    const q = readAuditQuery(c.req.query(), scope);
    const issuers = new Map(scope.tree.map((n) => [n.issuer.id, n.issuer]));
    const chunks = d.audit.exportCsv(q.filter, (id) => issuers.get(id));
    const day = new Date().toISOString().slice(0, 10);
    return c.body(streamOf(chunks), 200, {
      "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}-${day}.csv"`, "Cache-Control": "no-store",
    });
  }

  const admin = d.guards.requireNodeAdmin;
  const spaceAdmin = [d.guards.loadIssuer, d.guards.requireRole("admin")] as const;
  app.get("/admin/audit", admin, (c) => show(c, "/admin/audit"));
  app.get("/admin/audit.csv", admin, (c) => csv(c, "audit"));
  app.get("/issuers/:issuer/audit", ...spaceAdmin, (c) => show(c, `/issuers/${encodeURIComponent(c.get("issuer").slug)}/audit`));
  app.get("/issuers/:issuer/audit.csv", ...spaceAdmin, (c) => csv(c, `audit-${c.get("issuer").slug}`));
  return app;
}
