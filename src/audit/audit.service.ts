import type { Db } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./audit.repository.ts";

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
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
