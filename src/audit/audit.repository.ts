import type { Insertable } from "kysely";
import type { AuditEventRow, AuditEventsTable, Db } from "../db/database.ts";

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
