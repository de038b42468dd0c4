import type { Db } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { newId } from "../shared/tokens.ts";
import type { AuditEventRow } from "../db/database.ts";
import { auditCsvLines, CSV_BOM, type IssuerNamer } from "./audit.csv.ts";
import * as repo from "./audit.repository.ts";
import type { AuditFilter } from "./audit.repository.ts";

export type { AuditFilter } from "./audit.repository.ts";

/** One page of the audit trail, newest first, with the cursors of the pages around it. */
export interface AuditPage {
  events: AuditEventRow[];
  total: number;
  /** Event id to pass as `newer` for the previous (newer) page; null on the newest page. */
  newer: string | null;
  /** Event id to pass as `older` for the next (older) page; null on the last page. */
  older: string | null;
}

/** Where a page starts: after an event (older ones), before one (newer ones), or at the newest. */
export interface AuditCursor {
  older?: string;
  newer?: string;
}

/** The most rows one CSV export holds (the newest ones): narrow the dates for more. */
export const AUDIT_EXPORT_MAX = 100_000;
const EXPORT_BATCH = 500;

async function searchPage(db: Db, filter: AuditFilter, cursor: AuditCursor, perPage: number): Promise<AuditPage> {
  const total = await repo.countAuditEvents(db, filter);
  const at = cursor.older ?? cursor.newer;
  const from = at ? await repo.findAuditEvent(db, at) : undefined;
  if (from && cursor.newer) {
    const rows = await repo.searchAuditEvents(db, filter, { newer: from, limit: perPage + 1 });
    // Back at the top: show the newest page itself (full, no "newer" link).
    if (rows.length > perPage) return { events: rows.slice(1), total, newer: rows[1]!.id, older: rows[rows.length - 1]!.id };
  }
  const older = from && cursor.older ? from : undefined;
  const rows = await repo.searchAuditEvents(db, filter, { older, limit: perPage + 1 });
  const events = rows.slice(0, perPage);
  return { events, total, newer: older && events.length ? events[0]!.id : null, older: rows.length > perPage ? events[events.length - 1]!.id : null };
}

async function* csvChunks(db: Db, filter: AuditFilter, issuerOf: IssuerNamer, max: number): AsyncGenerator<string> {
  yield CSV_BOM + auditCsvLines([], issuerOf, true);
  let older: { at: string; id: string } | undefined;
  for (let sent = 0; sent < max;) {
    const rows = await repo.searchAuditEvents(db, filter, { older, limit: Math.min(EXPORT_BATCH, max - sent) });
    if (rows.length === 0) return;
    yield auditCsvLines(rows, issuerOf, false);
    sent += rows.length;
    const last = rows[rows.length - 1]!;
    older = { at: last.at, id: last.id };
  }
}

/** Who did something, and from where. Routes build it from the session and request. */
export interface Actor {
  userId: string | null;
  label: string; // e-mail, "cli", "api-token:<prefix>", "system", "demo"
  ip: string | null;
}

export const systemActor: Actor = { userId: null, label: "system", ip: null };
export const cliActor: Actor = { userId: null, label: "cli", ip: null };
/** Server-side seeding of the demo data (not an operator at the command line). */
export const demoActor: Actor = { userId: null, label: "demo", ip: null };

export interface AuditEntry {
  action: string;
  objectType: string;
  objectId?: string | null;
  issuerId?: string | null;
  details?: Record<string, unknown>;
}

/** The audit trail: who, what, on which object, when, from which address. */
export function createAuditService(deps: { db: Db; clock: Clock }) {
  return {
    /** Records an event; pass the transaction so the event commits with the change. */
    async record(actor: Actor, entry: AuditEntry, db: Db = deps.db): Promise<void> {
      await repo.insertAuditEvent(db, {
        id: newId(), at: isoNow(deps.clock), actor_id: actor.userId, actor_label: actor.label,
        action: entry.action, object_type: entry.objectType, object_id: entry.objectId ?? null,
        issuer_id: entry.issuerId ?? null, ip: actor.ip, details: entry.details ? JSON.stringify(entry.details) : null,
      });
    },
    listForIssuer: (issuerId: string | null, limit = 100) => repo.listAuditEvents(deps.db, issuerId, limit),
    listForObject: (objectType: string, objectId: string) => repo.listAuditEventsFor(deps.db, objectType, objectId),
    /** A page of the events matching the filter, newest first (time, then id), keyset-paged. */
    search: (filter: AuditFilter, cursor: AuditCursor = {}, perPage = 50) => searchPage(deps.db, filter, cursor, perPage),
    /** The distinct actions recorded (in these spaces when given), for the filter's select. */
    actions: (issuerIds?: string[]) => repo.listAuditActions(deps.db, issuerIds),
    /** The matching events as CSV text chunks, newest first (BOM and header first), at most `max` rows. */
    exportCsv: (filter: AuditFilter, issuerOf: IssuerNamer, max = AUDIT_EXPORT_MAX) => csvChunks(deps.db, filter, issuerOf, max),
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
