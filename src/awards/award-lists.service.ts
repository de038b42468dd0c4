import type { Achievement, AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { AwardListRow, Db, IssuerRow } from "../db/database.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isUniqueViolation } from "../shared/sql-errors.ts";
import { checkList, inputOf, onlyPrerequisiteMissing, outcomeOf, problemsOf, PREREQUISITE_KEY } from "./award-lists.checks.ts";
import { countsOf, createAwardIssuing, ISSUE_QUEUE, type AwardNotifier, type IssuePayload } from "./award-lists.issuing.ts";
import * as repo from "./award-lists.repository.ts";
import { itemRows, newList, onlyHolder, readInput, type PrepareInput } from "./award-lists.rows.ts";
import { ISSUE_BATCH, type CheckedRow, type InputProblem } from "./award-lists.schema.ts";
import { createAwardSettings } from "./award-lists.settings.ts";
import { createAwardListViews, type TemplateError } from "./award-lists.views.ts";
import type { CredentialsService } from "./credentials.service.ts";

export interface AwardListsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  achievements: Pick<AchievementsService, "load" | "prerequisites">;
  credentials: Pick<CredentialsService, "issueMany" | "holders" | "find" | "revoke">;
  findIssuer: (id: string) => Promise<IssuerRow | undefined>;
  jobs: Pick<JobQueue, "enqueue" | "find" | "wake">;
  /** Award notifications (the mail outbox); nothing is sent without it. */
  notify?: AwardNotifier;
  batchSize?: number;
}

export type { PrepareInput } from "./award-lists.rows.ts";
export type { AwardSettings } from "./award-lists.settings.ts";
export { onlyHolder } from "./award-lists.rows.ts";

export type { TemplateError } from "./award-lists.views.ts";
export type PrepareError = { kind: "template"; reason: TemplateError } | { kind: "input"; problem: InputProblem };
export type WorkflowError = "not-found" | "not-allowed" | "empty" | "comment-required" | "reason-required";

const EDITABLE = ["draft", "returned"];

/** Award lists: prepare (preview), jury workflow, admin overrides, issuing as a job. */
export function createAwardListsService(deps: AwardListsDeps) {
  const { db, clock, audit } = deps;
  const lookups = { holders: deps.credentials.holders, prerequisites: deps.achievements.prerequisites };
  const { settings, settingsFor, saveSettings } = createAwardSettings(deps);
  const views = createAwardListViews({ db, jobs: deps.jobs, achievements: deps.achievements, settings });
  const { templateFor, listOf } = views;
  const issuing = createAwardIssuing({
    db, clock, audit, achievements: deps.achievements, credentials: deps.credentials, findIssuer: deps.findIssuer,
    notify: deps.notify ?? (async () => {}), batchSize: deps.batchSize ?? ISSUE_BATCH,
  });

  /** Stores a list and its checked rows (in the caller's transaction). */
  async function storeList(tx: Db, actor: Actor, list: AwardListRow, rows: CheckedRow[], status?: (r: CheckedRow) => string): Promise<void> {
    const items = itemRows(list.id, rows, status);
    const valid = items.filter((i) => i.status === "valid").length;
    await repo.insertList(tx, { ...list, total: items.length, valid });
    await repo.insertItems(tx, items);
    const detail = list.source_detail ? JSON.parse(list.source_detail) : undefined;
    await audit.record(actor, { action: "award.prepare", objectType: "award_list", objectId: list.id, issuerId: list.issuer_id, details: { achievementId: list.achievement_id, source: list.source, rows: items.length, valid, ...detail } }, tx);
  }

  /** Checks and stores a list as a draft (nothing is issued); the same form token gives the same list. */
  async function prepare(actor: Actor, issuer: IssuerRow, input: PrepareInput): Promise<Result<AwardListRow, PrepareError>> {
    const key = input.formToken ? `form:${issuer.id}:${input.formToken}` : null;
    const again = key && (await repo.findListByKey(db, key));
    if (again) return ok(again);
    const a = await templateFor(issuer.id, input.achievementId);
    if (!a.ok) return err({ kind: "template", reason: a.error });
    const read = readInput(input);
    if (!read.ok) return err({ kind: "input", problem: read.error });
    const rows = await checkList(read.value.rows, a.value, lookups);
    const list = newList(actor, isoNow(clock), issuer.id, a.value.row.id, input.source, {
      notify: input.notify ? 1 : 0, idempotency_key: key, source_detail: read.value.detail ? JSON.stringify(read.value.detail) : null,
    });
    try {
      await db.transaction().execute((tx) => storeList(tx, actor, list, rows));
    } catch (e) {
      // The same form posted twice at once: the other request stored it.
      if (key && isUniqueViolation(e)) return ok((await repo.findListByKey(db, key))!);
      throw e;
    }
    return ok((await repo.findList(db, list.id))!);
  }

  async function recount(tx: Db, listId: string): Promise<void> {
    const c = await countsOf(tx, listId);
    await repo.updateList(tx, listId, { total: c.total, valid: c.valid, issued: c.issued, updated_at: isoNow(clock) });
  }

  /** Replaces the rows of a draft or returned list (the awarder's fix), checked again. */
  async function replace(actor: Actor, issuer: IssuerRow, listId: string, input: Omit<PrepareInput, "achievementId" | "notify">): Promise<Result<AwardListRow, PrepareError | { kind: "workflow"; error: WorkflowError }>> {
    const list = await listOf(issuer.id, listId);
    if (!list) return err({ kind: "workflow", error: "not-found" });
    if (!EDITABLE.includes(list.status)) return err({ kind: "workflow", error: "not-allowed" });
    const a = await templateFor(issuer.id, list.achievement_id);
    if (!a.ok) return err({ kind: "template", reason: a.error });
    const read = readInput(input);
    if (!read.ok) return err({ kind: "input", problem: read.error });
    const rows = await checkList(read.value.rows, a.value, lookups);
    await db.transaction().execute(async (tx) => {
      await repo.deleteItems(tx, list.id);
      await repo.insertItems(tx, itemRows(list.id, rows));
      await repo.updateList(tx, list.id, { source: input.source, source_detail: read.value.detail ? JSON.stringify(read.value.detail) : null });
      await recount(tx, list.id);
      await audit.record(actor, { action: "award.replace", objectType: "award_list", objectId: list.id, issuerId: issuer.id, details: { source: input.source, rows: rows.length } }, tx);
    });
    return ok((await repo.findList(db, list.id))!);
  }

  // Checks the rows again (someone may have earned a prerequisite, or the badge, since the
  // preview). Reads only: services are never called inside a transaction (on SQLite a query
  // outside the open transaction would wait for it).
  async function recheck(list: AwardListRow, a: Achievement) {
    const items = await repo.listItems(db, list.id);
    const overridden = new Set(items.filter((i) => i.override_reason).map((i) => i.row_number));
    const rows = await checkList(items.map(inputOf), a, lookups, overridden);
    return rows.flatMap((row, i) => {
      const outcome = outcomeOf(row);
      const item = items[i]!;
      return outcome.status !== item.status || outcome.errors !== item.errors ? [{ id: item.id, outcome }] : [];
    });
  }

  // `deferMs`: the job waits that long (the API issues small lists itself; the job is the safety net).
  async function approveIn(tx: Db, actor: Actor, list: AwardListRow, auto: boolean, deferMs = 0): Promise<boolean> {
    const now = isoNow(clock);
    if (!(await repo.updateListIf(tx, list.id, ["submitted"], { status: "approved", reviewed_by: actor.userId, reviewed_at: now, updated_at: now }))) return false;
    const fresh = (await repo.findList(tx, list.id))!;
    const payload: IssuePayload = { listId: list.id, actor };
    const job = await deps.jobs.enqueue(ISSUE_QUEUE, payload, {
      dedupeKey: list.id, total: fresh.valid, db: tx, runAt: deferMs ? new Date(clock.now().getTime() + deferMs) : undefined,
    });
    await repo.updateList(tx, list.id, { job_id: job.id });
    await audit.record(actor, { action: "award.approve", objectType: "award_list", objectId: list.id, issuerId: list.issuer_id, details: { auto, valid: fresh.valid, jobId: job.id } }, tx);
    return true;
  }

  /** Hands a list to the jury (or, for a "no jury" template, approves it and starts issuing). */
  async function submit(actor: Actor, issuer: IssuerRow, listId: string): Promise<Result<AwardListRow, WorkflowError>> {
    const list = await listOf(issuer.id, listId);
    if (!list) return err("not-found");
    if (["submitted", "approved", "issuing", "issued"].includes(list.status)) return ok(list); // already done: nothing twice
    if (!EDITABLE.includes(list.status)) return err("not-allowed");
    const a = await templateFor(issuer.id, list.achievement_id);
    if (!a.ok) return err("not-allowed");
    const jury = (await settings(list.achievement_id)).juryRequired;
    const changes = await recheck(list, a.value);
    const outcome = await db.transaction().execute(async (tx) => {
      for (const c of changes) await repo.updateItem(tx, c.id, c.outcome);
      await recount(tx, list.id);
      const now = isoNow(clock);
      if ((await countsOf(tx, list.id)).valid === 0) return "empty" as const;
      if (!(await repo.updateListIf(tx, list.id, EDITABLE, { status: "submitted", submitted_at: now, updated_at: now }))) return "raced" as const;
      await audit.record(actor, { action: "award.submit", objectType: "award_list", objectId: list.id, issuerId: issuer.id, details: { juryRequired: jury } }, tx);
      if (!jury) await approveIn(tx, actor, list, true);
      return "done" as const;
    });
    if (outcome === "empty") return err("empty");
    if (!jury) deps.jobs.wake();
    return ok((await repo.findList(db, list.id))!);
  }

  /** The jury validates a submitted list: issuing starts (as a job). */
  async function approve(actor: Actor, issuer: IssuerRow, listId: string): Promise<Result<AwardListRow, WorkflowError>> {
    const list = await listOf(issuer.id, listId);
    if (!list) return err("not-found");
    if (["approved", "issuing", "issued"].includes(list.status)) return ok(list);
    if (list.status !== "submitted") return err("not-allowed");
    await db.transaction().execute((tx) => approveIn(tx, actor, list, false));
    deps.jobs.wake();
    return ok((await repo.findList(db, list.id))!);
  }

  /** The jury sends a list back to the awarder with a comment. */
  async function sendBack(actor: Actor, issuer: IssuerRow, listId: string, comment: string): Promise<Result<AwardListRow, WorkflowError>> {
    const list = await listOf(issuer.id, listId);
    if (!list) return err("not-found");
    const text = comment.trim().slice(0, 2000);
    if (!text) return err("comment-required");
    const now = isoNow(clock);
    const done = await db.transaction().execute(async (tx) => {
      if (!(await repo.updateListIf(tx, list.id, ["submitted"], { status: "returned", review_comment: text, reviewed_by: actor.userId, reviewed_at: now, updated_at: now }))) return false;
      await audit.record(actor, { action: "award.return", objectType: "award_list", objectId: list.id, issuerId: issuer.id, details: { comment: text } }, tx);
      return true;
    });
    return done ? ok((await repo.findList(db, list.id))!) : err("not-allowed");
  }

  /** An issuer admin waives a missing prerequisite for one row, with a reason (audited). */
  async function override(actor: Actor, issuer: IssuerRow, listId: string, itemId: string, reason: string): Promise<Result<AwardListRow, WorkflowError>> {
    const list = await listOf(issuer.id, listId);
    const item = list && (await repo.findItem(db, list.id, itemId));
    if (!list || !item) return err("not-found");
    const text = reason.trim().slice(0, 1000);
    if (!text) return err("reason-required");
    if (![...EDITABLE, "submitted"].includes(list.status) || item.status !== "error" || !onlyPrerequisiteMissing(item)) return err("not-allowed");
    const kept = problemsOf(item).filter((p) => p.key !== PREREQUISITE_KEY);
    await db.transaction().execute(async (tx) => {
      await repo.updateItem(tx, item.id, { status: "valid", override_reason: text, errors: kept.length ? JSON.stringify(kept) : null });
      await recount(tx, list.id);
      const missing = problemsOf(item).find((p) => p.key === PREREQUISITE_KEY)?.params?.names;
      await audit.record(actor, { action: "award.override", objectType: "award_list", objectId: list.id, issuerId: issuer.id, details: { itemId, recipient: item.recipient, missing, reason: text } }, tx);
    });
    return ok((await repo.findList(db, list.id))!);
  }

  /** Removes a row from a draft or returned list. */
  async function removeItem(actor: Actor, issuer: IssuerRow, listId: string, itemId: string): Promise<Result<AwardListRow, WorkflowError>> {
    const list = await listOf(issuer.id, listId);
    if (!list) return err("not-found");
    if (!EDITABLE.includes(list.status)) return err("not-allowed");
    const removed = await db.transaction().execute(async (tx) => {
      const item = await repo.findItem(tx, list.id, itemId);
      if (!item || !(await repo.deleteItem(tx, list.id, itemId))) return false;
      await recount(tx, list.id);
      await audit.record(actor, { action: "award.removeRow", objectType: "award_list", objectId: list.id, issuerId: issuer.id, details: { itemId, recipient: item.recipient } }, tx);
      return true;
    });
    return removed ? ok((await repo.findList(db, list.id))!) : err("not-found");
  }

  /**
   * Stores rows checked by the API as a list handed to the jury at once; a "no jury" template's
   * list is approved too. Rows whose only problem is that the recipient holds the badge are skipped.
   */
  async function storeAndSubmit(actor: Actor, issuerId: string, a: Achievement, rows: CheckedRow[], opts: { notify: boolean; key: string | null; deferMs: number }): Promise<AwardListRow> {
    const jury = (await settings(a.row.id)).juryRequired;
    const list = newList(actor, isoNow(clock), issuerId, a.row.id, "api", { notify: opts.notify ? 1 : 0, idempotency_key: opts.key, status: "submitted", submitted_at: isoNow(clock) });
    const status = (r: CheckedRow) => (onlyHolder(r) ? "skipped" : outcomeOf(r).status);
    try {
      await db.transaction().execute(async (tx) => {
        await storeList(tx, actor, list, rows, status);
        await audit.record(actor, { action: "award.submit", objectType: "award_list", objectId: list.id, issuerId, details: { juryRequired: jury } }, tx);
        if (!jury) await approveIn(tx, actor, list, true, opts.deferMs);
      });
    } catch (e) {
      if (opts.key && isUniqueViolation(e)) return (await repo.findListByKey(db, opts.key))!;
      throw e;
    }
    if (!jury && !opts.deferMs) deps.jobs.wake();
    return (await repo.findList(db, list.id))!;
  }

  return {
    ...views, prepare, replace, submit, approve, sendBack, override, removeItem, settings, settingsFor, saveSettings,
    storeAndSubmit, lookups, issuing, handleJob: issuing.handle,
  };
}

export type AwardListsService = ReturnType<typeof createAwardListsService>;
