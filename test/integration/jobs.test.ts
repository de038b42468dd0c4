import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OpenDatabase } from "../../src/db/open-database.ts";
import type { Db, JobRow } from "../../src/db/database.ts";
import { claimJobs } from "../../src/jobs/jobs.repository.ts";
import { createJobQueue, PermanentJobError, type JobQueue, type JobQueueDeps } from "../../src/jobs/jobs.service.ts";
import { systemClock, type Clock } from "../../src/shared/clock.ts";
import { createTestDatabase, reopen, type TestDatabase } from "../helpers/db.ts";
import { spawnUntilFirstLine } from "../helpers/worker-process.ts";

const crashWorker = fileURLToPath(new URL("../fixtures/jobs-crash-worker.ts", import.meta.url));

/** A clock the test moves by hand. */
function manualClock(start = Date.parse("2026-12-01T08:00:00.000Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; } } satisfies Clock & { advance(ms: number): void };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined/false) or fails after `ms`. */
async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("job queue", () => {
  let t: TestDatabase;
  const extra: OpenDatabase[] = [];
  const queues: JobQueue[] = [];

  // One database for the file (a fresh PostgreSQL database costs ~0.5 s), emptied before each test.
  beforeAll(async () => { t = await createTestDatabase(); });
  afterAll(async () => { await t.destroy(); });
  beforeEach(async () => { await t.db.deleteFrom("jobs").execute(); });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await Promise.all(extra.splice(0).map((d) => d.close()));
  });

  function queue(overrides: Partial<JobQueueDeps> = {}): JobQueue {
    const q = createJobQueue({
      db: t.db, postgres: t.dialect === "postgres", clock: systemClock,
      concurrency: 4, pollMs: 20, visibilityTimeoutMs: 5_000, backoffMs: 1_000, ...overrides,
    });
    queues.push(q);
    return q;
  }

  async function open(of: TestDatabase = t): Promise<OpenDatabase> {
    const d = await reopen(of);
    extra.push(d);
    return d;
  }

  const settled = (q: JobQueue, id: string) =>
    waitFor(async () => { const j = await q.find(id); return j && j.status !== "running" && j.status !== "pending" ? j : undefined; }, `job ${id} to settle`);

  const countJobs = async (db: Db = t.db) => Number((await db.selectFrom("jobs").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  it("runs the handler of a queue with the payload and stores its result", async () => {
    const q = queue();
    const seen: unknown[] = [];
    q.register("mail", async (payload) => { seen.push(payload); return { sent: payload.to }; });
    const job = await q.enqueue("mail", { to: "ada@univ.example", n: 3 });
    expect(job.status).toBe("pending");
    q.start();
    const done = await settled(q, job.id);
    expect(seen).toEqual([{ to: "ada@univ.example", n: 3 }]);
    expect(done).toMatchObject({ status: "done", attempts: 1, locked_by: null, locked_until: null, last_error: null });
    expect(JSON.parse(done.result!)).toEqual({ sent: "ada@univ.example" });
    expect(done.finished_at).not.toBeNull();
  });

  it("retries a failing handler with growing backoff, then marks it failed after max_attempts", async () => {
    const clock = manualClock();
    const q = queue({ clock, backoffMs: 1_000 });
    let calls = 0;
    q.register("flaky", async () => { calls++; throw new Error(`boom ${calls}`); });
    const { id } = await q.enqueue("flaky", {}, { maxAttempts: 3 });

    const failedOnce = async (attempt: number): Promise<JobRow> => {
      expect(await q.tick()).toBe(1);
      return waitFor(async () => { const j = (await q.find(id))!; return j.status === "pending" && j.attempts === attempt ? j : undefined; }, `retry ${attempt}`);
    };
    const first = await failedOnce(1);
    const delay1 = Date.parse(first.run_at) - clock.now().getTime();
    expect(first).toMatchObject({ last_error: "boom 1", locked_by: null, finished_at: null });
    expect(delay1).toBeGreaterThanOrEqual(750); // base 1 s, jitter ±25 %
    expect(delay1).toBeLessThanOrEqual(1_250);
    expect(await q.tick()).toBe(0); // not before its run_at

    clock.advance(delay1);
    const second = await failedOnce(2);
    const delay2 = Date.parse(second.run_at) - clock.now().getTime();
    expect(second.last_error).toBe("boom 2");
    expect(delay2).toBeGreaterThanOrEqual(1_500); // doubled
    expect(delay2).toBeLessThanOrEqual(2_500);

    clock.advance(delay2);
    expect(await q.tick()).toBe(1);
    const last = await settled(q, id);
    expect(last).toMatchObject({ status: "failed", attempts: 3, last_error: "boom 3", locked_by: null });
    expect(last.finished_at).not.toBeNull();
    clock.advance(24 * 3600_000);
    expect(await q.tick()).toBe(0);
    expect(calls).toBe(3);
  });

  it("fails a job at once on PermanentJobError", async () => {
    const q = queue();
    let calls = 0;
    q.register("strict", async () => { calls++; throw new PermanentJobError("recipient unknown"); });
    const { id } = await q.enqueue("strict", {}, { maxAttempts: 5 });
    expect(await q.tick()).toBe(1);
    expect(await settled(q, id)).toMatchObject({ status: "failed", attempts: 1, last_error: "recipient unknown" });
    expect(calls).toBe(1);
  });

  it("keeps one job per dedupe key (idempotent submission)", async () => {
    const q = queue();
    const a = await q.enqueue("award", { n: 1 }, { dedupeKey: "award:42" });
    const [b, c] = await Promise.all([
      q.enqueue("award", { n: 2 }, { dedupeKey: "award:42" }),
      q.enqueue("award", { n: 3 }, { dedupeKey: "award:42" }),
    ]);
    expect([b.id, c.id]).toEqual([a.id, a.id]);
    expect(JSON.parse(b.payload)).toEqual({ n: 1 });
    const other = await q.enqueue("award", { n: 4 }, { dedupeKey: "award:43" });
    expect(other.id).not.toBe(a.id);
    expect(await countJobs()).toBe(2);
    const seen: number[] = [];
    q.register("award", async (p) => { seen.push(p.n); });
    await q.tick();
    await settled(q, a.id);
    await settled(q, other.id);
    expect(seen.sort()).toEqual([1, 4]);
  });

  it("enqueues inside the caller's transaction: a rollback leaves no job", async () => {
    const q = queue();
    let seenInside = 0;
    await expect(t.db.transaction().execute(async (tx) => {
      await q.enqueue("mail", { to: "x@univ.example" }, { db: tx });
      seenInside = await countJobs(tx);
      throw new Error("rollback");
    })).rejects.toThrow("rollback");
    expect(seenInside).toBe(1);
    expect(await countJobs()).toBe(0);
    await t.db.transaction().execute(async (tx) => { await q.enqueue("mail", { to: "y@univ.example" }, { db: tx }); });
    expect(await countJobs()).toBe(1);
  });

  it("keeps jobs across a restart: a new queue on the reopened database runs them", async () => {
    const own = await createTestDatabase(); // closed below, so not the shared one
    try {
      const before = createJobQueue({ db: own.db, postgres: own.dialect === "postgres", clock: systemClock, concurrency: 4, pollMs: 20, visibilityTimeoutMs: 5_000 });
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await before.enqueue("mail", { i })).id);
      await before.stop();
      await own.close();
      const db = await open(own);
      const after = createJobQueue({ db: db.db, postgres: db.dialect === "postgres", clock: systemClock, concurrency: 4, pollMs: 20, visibilityTimeoutMs: 5_000 });
      queues.push(after);
      const seen: number[] = [];
      after.register("mail", async (p) => { seen.push(p.i); });
      after.start();
      for (const id of ids) {
        const done = await waitFor(async () => { const j = await after.find(id); return j?.status === "done" ? j : undefined; }, "jobs after restart");
        expect(done.attempts).toBe(1);
      }
      expect(seen.sort()).toEqual([0, 1, 2]);
      await after.stop();
      await db.close();
    } finally {
      await own.destroy();
    }
  });

  it("picks again a job whose worker process died mid-handler, once its lock expires", async () => {
    const q = queue({ visibilityTimeoutMs: 1_000 });
    const job = await q.enqueue("crashy", { n: 7 });
    const { child, line, exited } = await spawnUntilFirstLine(crashWorker, [JSON.stringify(t.setting), "crashy", "600"], 10_000, "worker claimed nothing");
    const claim = JSON.parse(line) as { claimed: string; worker: string; payload: unknown };
    expect(claim).toMatchObject({ claimed: job.id, payload: { n: 7 } });
    expect(await q.find(job.id)).toMatchObject({ status: "running", locked_by: claim.worker, attempts: 1 });

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const lockedUntil = Date.parse((await q.find(job.id))!.locked_until!);
    const seen: unknown[] = [];
    q.register("crashy", async (payload, ctx) => { seen.push({ payload, attempt: ctx.attempt, at: Date.now() }); return "recovered"; });
    q.start();
    const done = await settled(q, job.id);
    expect(done).toMatchObject({ status: "done", attempts: 2, result: JSON.stringify("recovered") });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ payload: { n: 7 }, attempt: 2 });
    expect((seen[0] as { at: number }).at).toBeGreaterThanOrEqual(lockedUntil);
  });

  it("records progress of a long job", async () => {
    const q = queue();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    q.register("bulk", async (_p, ctx) => {
      await ctx.progress(1, 3);
      await gate;
      await ctx.progress(3);
    });
    const job = await q.enqueue("bulk", {}, { total: 10 });
    expect(job).toMatchObject({ progress_done: 0, progress_total: 10 });
    await q.tick();
    const mid = await waitFor(async () => { const j = (await q.find(job.id))!; return j.progress_done === 1 ? j : undefined; }, "progress 1");
    expect(mid).toMatchObject({ status: "running", progress_done: 1, progress_total: 3 });
    release();
    expect(await settled(q, job.id)).toMatchObject({ status: "done", progress_done: 3, progress_total: 3 });
  });

  it("never runs a job twice when two processes race on 50 jobs", async () => {
    const other = await open();
    const calls = new Map<string, number>();
    const byQueue = [0, 0];
    const make = (db: OpenDatabase, i: number) => {
      const q = createJobQueue({ db: db.db, postgres: db.dialect === "postgres", clock: systemClock, concurrency: 5, pollMs: 5, visibilityTimeoutMs: 5_000 });
      queues.push(q);
      q.register("race", async (_p, ctx) => {
        calls.set(ctx.jobId, (calls.get(ctx.jobId) ?? 0) + 1);
        byQueue[i]!++;
        await sleep(Math.random() * 5);
      });
      return q;
    };
    const [a, b] = [make(t, 0), make(other, 1)];
    for (let i = 0; i < 50; i++) await a.enqueue("race", { i });
    a.start();
    b.start();
    await waitFor(async () => (await a.countByStatus("race")).done === 50, "50 jobs done", 10_000);
    expect(calls.size).toBe(50);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(byQueue[0]! + byQueue[1]!).toBe(50);
  });

  it("claims each ready job once and never more than the limit, under concurrent claims", async () => {
    const handles = [t.db, (await open()).db, (await open()).db];
    const q = queue();
    for (let i = 0; i < 60; i++) await q.enqueue("claim", { i });
    const now = new Date().toISOString();
    const lockedUntil = new Date(Date.now() + 60_000).toISOString();
    const rounds = await Promise.all(Array.from({ length: 18 }, (_, i) =>
      claimJobs(handles[i % 3]!, { queues: ["claim"], workerId: `w${i}`, now, lockedUntil, limit: 4, postgres: t.dialect === "postgres" })));
    for (const r of rounds) expect(r.length).toBeLessThanOrEqual(4);
    const ids = rounds.flat().map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(60);
    expect(rounds.flat().every((j) => j.status === "running" && j.attempts === 1)).toBe(true);
  });

  it("never runs more handlers at once than its concurrency, however often it is woken", async () => {
    const q = queue({ concurrency: 2, pollMs: 5 });
    let now = 0;
    let peak = 0;
    q.register("busy", async () => { now++; peak = Math.max(peak, now); await sleep(15); now--; });
    for (let i = 0; i < 12; i++) await q.enqueue("busy", { i });
    q.start();
    const waking = setInterval(() => q.wake(), 1);
    try {
      await waitFor(async () => (await q.countByStatus("busy")).done === 12, "12 jobs done");
    } finally {
      clearInterval(waking);
    }
    expect(peak).toBe(2);
  });

  it("stop() waits for the jobs it claimed and claims nothing afterwards", async () => {
    const q = queue({ pollMs: 5 });
    let after = false;
    let stopped = false;
    q.register("slow", async () => { if (stopped) after = true; await sleep(20); });
    for (let i = 0; i < 8; i++) await q.enqueue("slow", { i });
    q.start();
    await sleep(0); // the poller's first tick is now inside its claim query
    await q.stop();
    stopped = true;
    await sleep(100);
    expect(after).toBe(false);
    expect((await q.countByStatus("slow")).running ?? 0).toBe(0);
  });
});
