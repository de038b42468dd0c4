import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";
import type { AuditCursor, AuditFilter } from "../audit/audit.service.ts";
import type { IssuerTreeNode } from "../issuers/issuers.service.ts";

// The audit trail's filters come from shareable URLs (a plain GET form): a value that cannot be
// used is dropped (the search widens), and a date that cannot be read is also said on the page.

const text = (max: number) => z.string().trim().max(max).optional().catch(undefined).transform((v) => v || undefined);
const cursor = z.string().trim().regex(/^[0-9a-f-]{36}$/i).optional().catch(undefined);

/** The audit trail page's URL parameters. */
export const auditParams = z.object({
  // An exact action ("auth.login"), or a prefix ending in "*" ("auth.*": every sign-in event).
  action: z.string().trim().max(100).regex(/^[a-z0-9._-]*\*?$/i).optional().catch(undefined).transform((v) => v || undefined),
  actor: text(200),
  issuer: text(100),
  object: text(200),
  from: text(10),
  to: text(10),
  older: cursor,
  newer: cursor,
  perPage: z.coerce.number().int().min(1).max(200).optional().catch(undefined),
});

export type AuditParams = z.output<typeof auditParams>;

/** A filter field the page has to say something about (translation key). */
export type AuditProblems = Partial<Record<"from" | "to", string>>;

/** Where the trail is read: the whole node, or one space with the spaces under it. */
export interface AuditScope {
  tree: IssuerTreeNode[];
  rootId: string | null;
}

/** The zone the pages show times in (formatDate): a date in the filter is a day there. */
const ZONE = "Europe/Paris";

/** The first instant (ISO, with milliseconds like every stored `at`) of a YYYY-MM-DD day, or null. */
export function dayStart(day: string, plusDays = 0): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  try {
    const date = Temporal.PlainDate.from(day, { overflow: "reject" }).add({ days: plusDays });
    return new Date(date.toZonedDateTime({ timeZone: ZONE }).epochMilliseconds).toISOString();
  } catch {
    return null;
  }
}

/** A space and every space under it, from the issuer tree (parents come before their children). */
export function subtreeIds(tree: IssuerTreeNode[], rootId: string): string[] {
  const start = tree.findIndex((n) => n.issuer.id === rootId);
  if (start < 0) return [rootId];
  const ids = [rootId];
  for (let i = start + 1; i < tree.length && tree[i]!.depth > tree[start]!.depth; i++) ids.push(tree[i]!.issuer.id);
  return ids;
}

/** The spaces a scope may show: all of them for the node, else the root space and its sub-spaces. */
export function scopeNodes(scope: AuditScope): IssuerTreeNode[] {
  if (!scope.rootId) return scope.tree;
  const ids = new Set(subtreeIds(scope.tree, scope.rootId));
  return scope.tree.filter((n) => ids.has(n.issuer.id));
}

/** Reads the URL into the parameters shown back, the filter, the cursor and the problems to say. */
export function readAuditQuery(query: Record<string, string | undefined>, scope: AuditScope) {
  const asked = auditParams.parse(query);
  const nodes = scopeNodes(scope);
  const issuer = asked.issuer ? nodes.find((n) => n.issuer.slug === asked.issuer)?.issuer : undefined;
  const params: AuditParams = { ...asked, issuer: issuer?.slug };
  const problems: AuditProblems = {};
  const since = params.from ? dayStart(params.from) : undefined;
  const until = params.to ? dayStart(params.to, 1) : undefined;
  if (since === null) problems.from = "audit.filter.badDate";
  if (until === null) problems.to = "audit.filter.badDate";
  if (since && until && since >= until) problems.to = "audit.filter.badRange";
  const prefix = params.action?.endsWith("*");
  const filter: AuditFilter = {
    action: prefix ? undefined : params.action,
    actionPrefix: prefix ? params.action!.slice(0, -1) || undefined : undefined,
    actor: params.actor,
    issuerIds: issuer ? subtreeIds(scope.tree, issuer.id) : scope.rootId ? subtreeIds(scope.tree, scope.rootId) : undefined,
    objectId: params.object,
    since: since ?? undefined,
    until: until ?? undefined,
  };
  const cursor: AuditCursor = { older: params.older, newer: params.older ? undefined : params.newer };
  return { params, filter, cursor, problems, perPage: params.perPage ?? 50 };
}

const ORDER = ["action", "actor", "issuer", "object", "from", "to", "older", "newer", "perPage"] as const;

/** The URL of the trail with these parameters (empty ones left out, so links stay short). */
export function auditHref(base: string, params: AuditParams, changes: Partial<Record<keyof AuditParams, string | number | undefined>> = {}): string {
  const merged: Record<string, unknown> = { ...params, ...changes };
  const search = new URLSearchParams();
  for (const key of ORDER) {
    const v = merged[key];
    if (v !== undefined && v !== "") search.set(key, String(v));
  }
  const qs = search.toString();
  return qs ? `${base}?${qs}` : base;
}
