import type { Achievement, AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { AwardItemRow, AwardListRow, CredentialRow, Db, IssuerRow } from "../db/database.ts";
import { PermanentJobError, type JobContext } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import * as repo from "./award-lists.repository.ts";
import { findCredentialByItem } from "./credentials.repository.ts";
import type { CredentialsService } from "./credentials.service.ts";
import { recipientKey } from "../sso/recipient-type.ts";

// Issuing an approved list, batch by batch. Safe to run again at any point (after a crash, or
// twice at once): the credentials service issues at most one credential per award row
// (credentials.award_item_id is unique), and a row is marked issued only with the credential
// found for it. A row whose credential was stored but not yet marked when the process died is
// found again here and marked, never issued a second time.

/** Batches being signed or stored at once by one issuing run. */
const PIPELINE = 2;

/** Queue of the issuing jobs. */
export const ISSUE_QUEUE = "awards.issue";

/** A credential to announce, and the address its row gave beside an eppn (null for an e-mail recipient). */
export interface IssuedAward {
  credential: CredentialRow;
  contactEmail: string | null;
}

/**
 * Told about credentials once their rows are marked issued, inside that transaction: enqueue
 * the award e-mails on `db` so they commit with the rows (each credential is told once).
 */
export type AwardNotifier = (awards: IssuedAward[], list: AwardListRow, db: Db) => Promise<void>;

/** Payload of an issuing job. */
export interface IssuePayload {
  listId: string;
  actor: Actor;
}

/** Outcome counts of a list. */
export interface IssueCounts {
  issued: number;
  skipped: number;
  errors: number;
}

export interface IssuingDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  achievements: Pick<AchievementsService, "load">;
  credentials: Pick<CredentialsService, "issueMany" | "holders">;
  findIssuer: (id: string) => Promise<IssuerRow | undefined>;
  notify: AwardNotifier;
  batchSize: number;
}

/** Counts of a list's rows by outcome. */
export async function countsOf(db: Db, listId: string): Promise<IssueCounts & { valid: number; total: number }> {
  const n = await repo.countItems(db, listId);
  const get = (k: string) => n[k] ?? 0;
  return { issued: get("issued"), skipped: get("skipped"), errors: get("error"), valid: get("valid"), total: Object.values(n).reduce((a, b) => a + b, 0) };
}

/** The issuing engine: one batch at a time, idempotent, with progress. */
export function createAwardIssuing(deps: IssuingDeps) {
  const { db } = deps;

  // Rows whose recipient holds the badge: issued by this very row before a crash (mark it), or
  // by someone else since the preview (skip it).
  async function sortBatch(a: Achievement, items: AwardItemRow[]) {
    const typed = (i: AwardItemRow) => ({ type: i.recipient_type, value: i.recipient });
    const holders = await deps.credentials.holders(a.row.id, items.map(typed));
    const marks: Array<{ item: AwardItemRow; credential: CredentialRow }> = [];
    const skipped: AwardItemRow[] = [];
    const fresh: AwardItemRow[] = [];
    for (const item of items) {
      if (!holders.has(recipientKey(typed(item)))) { fresh.push(item); continue; }
      const own = await findCredentialByItem(db, item.id);
      if (own) marks.push({ item, credential: own });
      else skipped.push(item);
    }
    return { marks, skipped, fresh };
  }

  async function issueBatch(actor: Actor, issuer: IssuerRow, a: Achievement, list: AwardListRow, items: AwardItemRow[]): Promise<void> {
    const { marks, skipped, fresh } = await sortBatch(a, items);
    const issued = fresh.length ? await deps.credentials.issueMany(actor, issuer, a, fresh.map((i) => ({
      recipient: i.recipient, recipientType: i.recipient_type, name: i.name, evidenceUrl: i.evidence_url,
      narrative: i.narrative, result: i.result, awardItemId: i.id,
    }))) : [];
    const byItem = new Map(issued.map((c) => [c.award_item_id, c]));
    for (const item of fresh) {
      // Not returned: another run issued it first (the service skips rows already issued).
      const credential = byItem.get(item.id) ?? (await findCredentialByItem(db, item.id));
      if (!credential) throw new Error(`award row ${item.id}: no credential after issuing`);
      marks.push({ item, credential });
    }
    await db.transaction().execute(async (tx) => {
      await repo.markIssued(tx, marks.map((m) => ({ itemId: m.item.id, credentialId: m.credential.id })));
      for (const s of skipped) {
        await repo.updateItem(tx, s.id, { status: "skipped", errors: JSON.stringify([{ key: "awards.row.holderAtIssue", field: "email" }]) });
      }
      if (list.notify && marks.length) await deps.notify(marks.map((m) => ({ credential: m.credential, contactEmail: m.item.contact_email })), list, tx);
    });
  }

  async function fail(actor: Actor, list: AwardListRow, reason: string): Promise<never> {
    await db.transaction().execute(async (tx) => {
      await repo.updateListIf(tx, list.id, ["approved", "issuing"], { status: "failed", updated_at: isoNow(deps.clock) });
      await deps.audit.record(actor, { action: "award.fail", objectType: "award_list", objectId: list.id, issuerId: list.issuer_id, details: { reason } }, tx);
    });
    throw new PermanentJobError(reason);
  }

  /** Issues every row still to issue; `progress` is told after each batch. */
  async function run(listId: string, actor: Actor, progress?: JobContext["progress"]): Promise<IssueCounts> {
    const list = await repo.findList(db, listId);
    if (!list) throw new PermanentJobError(`award list ${listId} not found`);
    if (list.status === "issued") return countsOf(db, listId);
    if (list.status !== "approved" && list.status !== "issuing") throw new PermanentJobError(`award list ${listId} is ${list.status}`);
    await repo.updateListIf(db, listId, ["approved"], { status: "issuing", updated_at: isoNow(deps.clock) });
    const [a, issuer] = await Promise.all([deps.achievements.load(list.achievement_id), deps.findIssuer(list.issuer_id)]);
    if (!a || !issuer) return fail(actor, list, "template or issuer gone");
    if (a.row.status !== "published") return fail(actor, list, `template ${a.row.status}`);
    await issueAll(actor, issuer, a, list, progress);
    const counts = await countsOf(db, listId);
    await db.transaction().execute(async (tx) => {
      if (!(await repo.updateListIf(tx, listId, ["issuing"], { status: "issued", issued: counts.issued, updated_at: isoNow(deps.clock) }))) return;
      await deps.audit.record(actor, { action: "award.issued", objectType: "award_list", objectId: listId, issuerId: list.issuer_id, details: { ...counts } }, tx);
    });
    return { issued: counts.issued, skipped: counts.skipped, errors: counts.errors };
  }

  // PIPELINE batches in flight: while one is stored and its e-mails queued (main thread and
  // database), the signing workers already sign the next one, instead of waiting for each other.
  // Each batch is its own unit of idempotency, so the overlap changes nothing to what a crash leaves.
  // A failed batch lets the one beside it finish, then fails the run (the job is retried).
  async function issueAll(actor: Actor, issuer: IssuerRow, a: Achievement, list: AwardListRow, progress?: JobContext["progress"]): Promise<void> {
    const inFlight = new Map<Promise<void>, AwardItemRow[]>();
    let failure: { error: unknown } | null = null;
    // Batches finish in any order and count concurrently: progress is written in turn, and only forward.
    let reported = -1;
    let reporting: Promise<void> = Promise.resolve();
    const report = async () => {
      const counts = await countsOf(db, list.id);
      const done = counts.issued + counts.skipped;
      reporting = reporting.then(async () => {
        if (done <= reported) return;
        reported = done;
        await repo.updateList(db, list.id, { issued: counts.issued, updated_at: isoNow(deps.clock) });
        await progress?.(done, list.valid);
      });
      await reporting;
    };
    for (;;) {
      if (failure) break;
      // Rows of a batch in flight are still "valid" until it is marked: fetch past them.
      const busy = new Set([...inFlight.values()].flat().map((i) => i.id));
      const items = (await repo.listPendingItems(db, list.id, deps.batchSize + busy.size)).filter((i) => !busy.has(i.id)).slice(0, deps.batchSize);
      if (items.length === 0 && inFlight.size === 0) break;
      if (items.length > 0) {
        const batch: Promise<void> = issueBatch(actor, issuer, a, list, items)
          .then(report)
          .catch((error: unknown) => { failure ??= { error }; })
          .finally(() => inFlight.delete(batch));
        inFlight.set(batch, items);
      }
      if (inFlight.size >= PIPELINE || items.length === 0) await Promise.race(inFlight.keys());
    }
    await Promise.all(inFlight.keys());
    if (failure) throw (failure as { error: unknown }).error;
  }

  return {
    run,
    /** The job handler of ISSUE_QUEUE. */
    handle: (payload: IssuePayload, ctx: JobContext) => run(payload.listId, payload.actor, ctx.progress),
  };
}

export type AwardIssuing = ReturnType<typeof createAwardIssuing>;
