import { AUDIT_EXPORT_MAX, type AuditPage } from "../audit/audit.service.ts";
import type { AuditEventRow } from "../db/database.ts";
import type { IssuerTreeNode } from "../issuers/issuers.service.ts";
import { auditHref, type AuditParams, type AuditProblems } from "./admin-audit.params.ts";

/** One event as the table shows it (every string escaped by the template). */
export interface AuditEventView {
  id: string;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string | null;
  objectHref: string | null;
  issuer: { name: string; slug: string } | null;
  ip: string | null;
  details: Array<{ key: string; value: string }>;
}

/** The event's details (a JSON object) as key/value lines; anything else as one line of text. */
export function detailLines(details: string | null): Array<{ key: string; value: string }> {
  if (!details) return [];
  try {
    const parsed: unknown = JSON.parse(details);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return Object.entries(parsed).map(([key, v]) => ({ key, value: typeof v === "string" ? v : JSON.stringify(v) }));
    }
  } catch { /* shown as text below */ }
  return [{ key: "", value: details }];
}

function eventView(e: AuditEventRow, base: string, params: AuditParams, issuers: Map<string, IssuerTreeNode>): AuditEventView {
  const issuer = e.issuer_id ? issuers.get(e.issuer_id)?.issuer : undefined;
  return {
    id: e.id, at: e.at, actor: e.actor_label, action: e.action, objectType: e.object_type, objectId: e.object_id,
    objectHref: e.object_id ? auditHref(base, { ...params, older: undefined, newer: undefined, object: e.object_id }) : null,
    issuer: issuer ? { name: issuer.name, slug: issuer.slug } : e.issuer_id ? { name: e.issuer_id, slug: "" } : null,
    ip: e.ip, details: detailLines(e.details),
  };
}

/** The action select: families first ("auth.*"), then every action recorded; the asked value is kept. */
export function actionOptions(actions: string[], asked: string | undefined): { families: string[]; actions: string[] } {
  const families = [...new Set(actions.filter((a) => a.includes(".")).map((a) => a.slice(0, a.indexOf(".") + 1) + "*"))].sort();
  const known = asked === undefined || families.includes(asked) || actions.includes(asked);
  return { families: !known && asked.endsWith("*") ? [...families, asked] : families, actions: !known && !asked.endsWith("*") ? [...actions, asked] : actions };
}

/** Everything the audit page and its results partial show. */
export function auditView(input: {
  page: AuditPage; params: AuditParams; problems: AuditProblems; base: string; nodes: IssuerTreeNode[]; tree: IssuerTreeNode[];
  actions: string[]; scopeIssuer: { name: string; slug: string } | null;
}) {
  const { page, params, base } = input;
  const issuers = new Map(input.tree.map((n) => [n.issuer.id, n]));
  const filters = { ...params, older: undefined, newer: undefined };
  const filtered = Object.entries(filters).some(([k, v]) => k !== "perPage" && v !== undefined);
  return {
    base, params, problems: input.problems, scopeIssuer: input.scopeIssuer, filtered, total: page.total,
    events: page.events.map((e) => eventView(e, base, params, issuers)),
    issuerOptions: input.nodes.map((n) => ({ value: n.issuer.slug, label: n.issuer.name, depth: n.depth - (input.nodes[0]?.depth ?? 0) })),
    actionOptions: actionOptions(input.actions, params.action),
    newestHref: page.newer ? auditHref(base, filters) : null,
    newerHref: page.newer ? auditHref(base, filters, { newer: page.newer }) : null,
    olderHref: page.older ? auditHref(base, filters, { older: page.older }) : null,
    exportMax: String(AUDIT_EXPORT_MAX).replace(/\B(?=(\d{3})+$)/g, " "),
    csvHref: auditHref(`${base}.csv`, { ...filters, perPage: undefined }),
  };
}
