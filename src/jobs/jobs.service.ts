import { hostname } from "node:os";
import { getLogger } from "@logtape/logtape";
import type { Db, JobRow } from "../db/database.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./jobs.repository.ts";

const log = getLogger(["francebadge", "jobs"]);

/** What a job handler receives besides its payload. */
export interface JobContext {
  jobId: string;
  attempt: number;
  signal: AbortSignal;
  /** Records progress; leaving `total` out keeps the stored total, `null` clears it. */
  progress(done: number, total?: number | null): Promise<void>;
}

export type JobHandler = (payload: any, ctx: JobContext) => Promise<unknown>;

/** Thrown by a handler for a failure that retrying cannot fix. */
export class PermanentJobError extends Error {}

export interface EnqueueOptions {
  /** Same key twice → one job (idempotent submission). */
  dedupeKey?: string;
  maxAttempts?: number;
  runAt?: Date;
  total?: number;
  /** Enqueue inside the caller's transaction so the job commits with the change that causes it. */
  db?: Db;
}

export interface JobQueueDeps {
  db: Db;
  postgres: boolean;
  clock: Clock;
  concurrency: number;
  pollMs: number;
  visibilityTimeoutMs: number;
  /** Base delay of the exponential backoff between tries. */
  backoffMs?: number;
}

/** Durable, table-backed job queue shared by e-mail, bulk awards and federation deliveries. */
export function createJobQueue(deps: JobQueueDeps) {
  const handlers = new Map<string, JobHandler>();
  const workerId = `${hostname()}:${process.pid}:${newId().slice(0, 8)}`;
  const backoffMs = deps.backoffMs ?? 2_000;
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopping: AbortController | undefined;
  const inFlight = new Set<Promise<void>>();
  let ticking: Promise<number> | undefined;
  let tickAgain = false;

  function newJob(queue: string, payload: unknown, opts: EnqueueOptions): JobRow {
    const now = isoNow(deps.clock);
    return {
      id: newId(), queue, payload: JSON.stringify(payload ?? null), status: "pending", attempts: 0,
      max_attempts: opts.maxAttempts ?? 8, run_at: opts.runAt?.toISOString() ?? now,
      dedupe_key: opts.dedupeKey ?? null, progress_done: 0, progress_total: opts.total ?? null,
      created_at: now, updated_at: now, locked_by: null, locked_until: null, last_error: null, result: null, finished_at: null,
    };
  }

  async function enqueue(queue: string, payload: unknown, opts: EnqueueOptions = {}): Promise<JobRow> {
    const db = opts.db ?? deps.db;
    const job = newJob(queue, payload, opts);
    // Inserted: the row is what was written (no read back; a bulk award queues thousands of e-mails).
    // Not inserted: the job with that dedupe key is the one to return.
    if (await repo.insertJob(db, job)) return job;
    return (await repo.findJobByDedupeKey(db, opts.dedupeKey!))!;
  }

  /** Queues many jobs of one queue in a few statements (a bulk award's e-mails); a dedupe key already queued is skipped. */
  async function enqueueMany(queue: string, items: Array<{ payload: unknown; dedupeKey?: string }>, opts: Omit<EnqueueOptions, "dedupeKey" | "total"> = {}): Promise<void> {
    await repo.insertJobs(opts.db ?? deps.db, items.map((item) => newJob(queue, item.payload, { ...opts, dedupeKey: item.dedupeKey })));
  }

  function retryDelay(attempt: number): number {
    const exp = Math.min(backoffMs * 2 ** (attempt - 1), 6 * 3600_000);
    return Math.round(exp * (0.75 + Math.random() * 0.5));
  }

  async function runOne(job: JobRow, signal: AbortSignal): Promise<void> {
    const handler = handlers.get(job.queue)!;
    // A third of the timeout, so two heartbeats can fail before another worker may take the job.
    const heartbeat = setInterval(() => {
      void repo.extendJobLock(deps.db, job.id, workerId, isoIn(deps.clock, deps.visibilityTimeoutMs), isoNow(deps.clock)).catch(() => {});
    }, Math.max(10, Math.floor(deps.visibilityTimeoutMs / 3)));
    const ctx: JobContext = {
      jobId: job.id, attempt: job.attempts, signal,
      progress: (done, total) => repo.updateJobProgress(deps.db, job.id, done, total, isoNow(deps.clock)),
    };
    try {
      const result = await handler(JSON.parse(job.payload), ctx);
      const kept = await repo.completeJob(deps.db, job.id, workerId, result === undefined ? null : JSON.stringify(result), isoNow(deps.clock));
      if (!kept) log.warn("Job {queue} {id} finished after its lock passed to another worker", { queue: job.queue, id: job.id });
    } catch (error) {
      await recordFailure(job, error);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function recordFailure(job: JobRow, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof PermanentJobError || job.attempts >= job.max_attempts;
    const retryAt = permanent ? null : isoIn(deps.clock, retryDelay(job.attempts));
    log.warn("Job {queue} {id} failed (attempt {attempt}): {message}", { queue: job.queue, id: job.id, attempt: job.attempts, message });
    await repo.failJob(deps.db, job.id, workerId, message, retryAt, isoNow(deps.clock));
  }

  function startJob(job: JobRow): void {
    running++;
    const p: Promise<void> = runOne(job, stopping?.signal ?? new AbortController().signal)
      // The database may be gone: the job stays "running" and is picked again once its lock expires.
      .catch((error) => log.error("Job {id}: cannot record its outcome: {error}", { id: job.id, error }))
      .finally(() => {
        running--;
        inFlight.delete(p);
        schedule(0);
      });
    inFlight.add(p);
  }

  async function claimAndStart(): Promise<number> {
    const free = deps.concurrency - running;
    if (free <= 0 || handlers.size === 0 || stopping?.signal.aborted) return 0;
    const jobs = await repo.claimJobs(deps.db, {
      queues: [...handlers.keys()], workerId, now: isoNow(deps.clock),
      lockedUntil: isoIn(deps.clock, deps.visibilityTimeoutMs), limit: free, postgres: deps.postgres,
    });
    for (const job of jobs) {
      if (job.attempts > job.max_attempts) {
        // Its last try died with its process (see the visibility timeout).
        await repo.failJob(deps.db, job.id, workerId, job.last_error ?? "gave up: too many attempts", null, isoNow(deps.clock));
      } else {
        startJob(job);
      }
    }
    return jobs.length;
  }

  /**
   * Claims and runs whatever is ready now; returns how many jobs it claimed. One claim at a time:
   * a tick asked for while another runs makes that one claim again, so `running` is never stale
   * and the concurrency holds however often the poller is woken.
   */
  function tick(): Promise<number> {
    if (ticking) {
      tickAgain = true;
      return ticking;
    }
    ticking = (async () => {
      let claimed = 0;
      try {
        do {
          tickAgain = false;
          claimed += await claimAndStart();
        } while (tickAgain);
      } finally {
        ticking = undefined;
      }
      return claimed;
    })();
    return ticking;
  }

  function schedule(ms: number): void {
    if (!stopping || stopping.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      tick()
        .then((n) => schedule(n > 0 ? 0 : deps.pollMs))
        .catch((error) => {
          log.error("Job polling failed: {error}", { error });
          schedule(deps.pollMs * 4);
        });
    }, ms);
  }

  return {
    workerId,
    enqueue,
    enqueueMany,
    tick,
    /** Registers the handler of a queue (before start). */
    register(queue: string, handler: JobHandler): void {
      handlers.set(queue, handler);
    },
    /** Finds a job, for progress pages and APIs. */
    find: (id: string) => repo.findJob(deps.db, id),
    countByStatus: (queue: string) => repo.countJobsByStatus(deps.db, queue),
    /** Starts polling in the background. */
    start(): void {
      if (stopping && !stopping.signal.aborted) return;
      stopping = new AbortController();
      schedule(0);
    },
    /** Wakes the poller at once (after an enqueue in this process). */
    wake(): void {
      schedule(0);
    },
    /** Stops polling, lets a claim under way finish, and waits for the jobs in flight. */
    async stop(): Promise<void> {
      stopping?.abort();
      clearTimeout(timer);
      await ticking?.catch(() => 0);
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
