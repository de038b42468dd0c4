import { sql } from "kysely";
import type { Db, JobRow, JobsTable } from "../db/database.ts";
import type { Insertable } from "kysely";

/** Inserts a job; a job whose dedupe_key already exists is left alone (returns false). */
export async function insertJob(db: Db, job: Insertable<JobsTable>): Promise<boolean> {
  const res = await db.insertInto("jobs").values(job).onConflict((oc) => oc.column("dedupe_key").doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Inserts jobs, one statement per 100; those whose dedupe_key already exists are left alone. */
export async function insertJobs(db: Db, jobs: Insertable<JobsTable>[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 100) {
    await db.insertInto("jobs").values(jobs.slice(i, i + 100)).onConflict((oc) => oc.column("dedupe_key").doNothing()).execute();
  }
}

/** Finds one job by id. */
export async function findJob(db: Db, id: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds a job by its dedupe key. */
export async function findJobByDedupeKey(db: Db, key: string): Promise<JobRow | undefined> {
  return db.selectFrom("jobs").selectAll().where("dedupe_key", "=", key).executeTakeFirst();
}

export interface ClaimOptions {
  queues: string[];
  workerId: string;
  now: string;
  lockedUntil: string;
  limit: number;
  postgres: boolean;
}

/**
 * Claims ready jobs: pending ones whose time has come, and running ones whose lock expired
 * (their process died). PostgreSQL skips rows other workers hold (FOR UPDATE SKIP LOCKED);
 * SQLite serialises writers, so the single UPDATE is already atomic.
 * The selection is a MATERIALIZED CTE, not `where id in (select … limit … for update skip locked)`:
 * PostgreSQL may re-run such a subquery on the inner side of a semi-join and then lock and update
 * more rows than the limit (https://cybertec.eu/en/update-limit-in-postgresql); a materialized CTE
 * runs exactly once. Tested by "claims each ready job once…" in test/integration/jobs.test.ts.
 */
export async function claimJobs(db: Db, o: ClaimOptions): Promise<JobRow[]> {
  if (o.queues.length === 0) return [];
  return db
    .with((cte) => cte("ready").materialized(), (d) => d
      .selectFrom("jobs")
      .select("id")
      .where("queue", "in", o.queues)
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "pending"), eb("run_at", "<=", o.now)]),
          eb.and([eb("status", "=", "running"), eb("locked_until", "<", o.now)]),
        ]),
      )
      .orderBy("run_at")
      .orderBy("id")
      .limit(o.limit)
      .$if(o.postgres, (qb) => qb.forUpdate().skipLocked()))
    .updateTable("jobs")
    .set({ status: "running", locked_by: o.workerId, locked_until: o.lockedUntil, attempts: sql`attempts + 1`, updated_at: o.now })
    .where("id", "in", (eb) => eb.selectFrom("ready").select("ready.id"))
    .returningAll()
    .execute();
}

/** Extends the lock of a job its worker still runs. */
export async function extendJobLock(db: Db, id: string, workerId: string, lockedUntil: string, now: string): Promise<void> {
  await db.updateTable("jobs").set({ locked_until: lockedUntil, updated_at: now })
    .where("id", "=", id).where("locked_by", "=", workerId).where("status", "=", "running").execute();
}

/** Records progress of a long job (shown by progress bars); `total` undefined keeps the stored total. */
export async function updateJobProgress(db: Db, id: string, done: number, total: number | null | undefined, now: string): Promise<void> {
  await db.updateTable("jobs")
    .set(total === undefined ? { progress_done: done, updated_at: now } : { progress_done: done, progress_total: total, updated_at: now })
    .where("id", "=", id).execute();
}

/** Marks a job done, only if this worker still holds it. */
export async function completeJob(db: Db, id: string, workerId: string, result: string | null, now: string): Promise<boolean> {
  const res = await db.updateTable("jobs")
    .set({ status: "done", result, locked_by: null, locked_until: null, finished_at: now, updated_at: now, last_error: null })
    .where("id", "=", id).where("locked_by", "=", workerId).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Puts a failed job back for a later try, or marks it failed for good. */
export async function failJob(db: Db, id: string, workerId: string, error: string, retryAt: string | null, now: string): Promise<void> {
  await db.updateTable("jobs")
    .set(retryAt
      ? { status: "pending", run_at: retryAt, last_error: error, locked_by: null, locked_until: null, updated_at: now }
      : { status: "failed", last_error: error, locked_by: null, locked_until: null, finished_at: now, updated_at: now })
    .where("id", "=", id).where("locked_by", "=", workerId).execute();
}

/** Counts jobs per status in one queue (for dashboards and tests). */
export async function countJobsByStatus(db: Db, queue: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom("jobs").select(["status", (eb) => eb.fn.countAll().as("n")]).where("queue", "=", queue).groupBy("status").execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
