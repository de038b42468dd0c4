import { sql, type Insertable } from "kysely";
import type { AuditEventRow, AuditEventsTable, Db } from "../db/database.ts";
import { escapeLike } from "../db/like.ts";

/** Appends one audit event. */
export async function insertAuditEvent(db: Db, event: Insertable<AuditEventsTable>): Promise<void> {
  await db.insertInto("audit_events").values(event).execute();
}

/** Lists the latest events of an issuer (or of the whole node when issuerId is null). */
export async function listAuditEvents(db: Db, issuerId: string | null, limit: number): Promise<AuditEventRow[]> {
  return db.selectFrom("audit_events").selectAll()
    .$if(issuerId !== null, (qb) => qb.where("issuer_id", "=", issuerId))
    .orderBy("at", "desc").orderBy("id").limit(limit).execute();
}

/** Lists the events about one object, oldest first. */
export async function listAuditEventsFor(db: Db, objectType: string, objectId: string): Promise<AuditEventRow[]> {
  return db.selectFrom("audit_events").selectAll().where("object_type", "=", objectType).where("object_id", "=", objectId).orderBy("at").execute();
}

/** What the audit trail page filters on; every field optional (all given ones must match). */
export interface AuditFilter {
  action?: string; // exact action
  actionPrefix?: string; // e.g. "auth."
  actor?: string; // part of the actor label (e-mail, "cli"…), case-insensitive
  issuerIds?: string[]; // events of these spaces only (an empty list matches nothing)
  objectId?: string;
  since?: string; // ISO instant, inclusive
  until?: string; // ISO instant, exclusive
}

/** Which slice of the newest-first list: past an event (older), before one (newer), or the newest. */
export interface AuditSlice {
  older?: { at: string; id: string };
  newer?: { at: string; id: string };
  limit: number;
}

function filtered(db: Db, f: AuditFilter) {
  let q = db.selectFrom("audit_events");
  if (f.action) q = q.where("action", "=", f.action);
  if (f.actionPrefix) q = q.where(sql<boolean>`action like ${escapeLike(f.actionPrefix) + "%"} escape '\\'`);
  if (f.actor) q = q.where(sql<boolean>`lower(actor_label) like ${"%" + escapeLike(f.actor.toLowerCase()) + "%"} escape '\\'`);
  if (f.issuerIds) q = q.where("issuer_id", "in", f.issuerIds.length ? f.issuerIds : ["-"]);
  if (f.objectId) q = q.where("object_id", "=", f.objectId);
  if (f.since) q = q.where("at", ">=", f.since);
  if (f.until) q = q.where("at", "<", f.until);
  return q;
}

/**
 * One page of matching events, newest first (time, then id: a stable order for keyset paging).
 * `newer` reads upwards from its cursor and returns the rows newest first all the same.
 */
export async function searchAuditEvents(db: Db, f: AuditFilter, slice: AuditSlice): Promise<AuditEventRow[]> {
  const q = filtered(db, f).selectAll();
  if (slice.newer) {
    const { at, id } = slice.newer;
    const rows = await q.where((eb) => eb.or([eb("at", ">", at), eb.and([eb("at", "=", at), eb("id", ">", id)])]))
      .orderBy("at", "asc").orderBy("id", "asc").limit(slice.limit).execute();
    return rows.reverse();
  }
  const older = slice.older;
  return q.$if(older !== undefined, (qb) => qb.where((eb) => eb.or([eb("at", "<", older!.at), eb.and([eb("at", "=", older!.at), eb("id", "<", older!.id)])])))
    .orderBy("at", "desc").orderBy("id", "desc").limit(slice.limit).execute();
}

/** How many events match the filter. */
export async function countAuditEvents(db: Db, f: AuditFilter): Promise<number> {
  const row = await filtered(db, f).select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The distinct actions recorded (in these spaces when issuerIds is given), sorted. */
export async function listAuditActions(db: Db, issuerIds?: string[]): Promise<string[]> {
  const rows = await filtered(db, { issuerIds }).select("action").distinct().orderBy("action").execute();
  return rows.map((r) => r.action);
}

/** One event by id (a paging cursor). */
export function findAuditEvent(db: Db, id: string): Promise<AuditEventRow | undefined> {
  return db.selectFrom("audit_events").selectAll().where("id", "=", id).executeTakeFirst();
}
