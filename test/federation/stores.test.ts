// Fedify's KvStore and MessageQueue on our database and jobs table: semantics, restarts.
import { Temporal } from "@js-temporal/polyfill";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app.ts";
import { systemActor } from "../../src/audit/audit.service.ts";
import { KyselyKvStore } from "../../src/federation/kv-store.ts";
import { JobsMessageQueue } from "../../src/federation/message-queue.ts";
import { createJobQueue } from "../../src/jobs/jobs.service.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { createTestDatabase, reopen, type TestDatabase } from "../helpers/db.ts";
import type { TestNode } from "../helpers/node.ts";
import { createIssuer, startFederatedNode, waitFor } from "./federation-kit.ts";

function manualClock(start = Date.parse("2026-12-01T08:00:00.000Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; } } satisfies Clock & { advance(ms: number): void };
}

describe("KyselyKvStore", () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); });
  afterAll(async () => { await t.destroy(); });

  it("returns undefined (not null) for a missing key, and round-trips JSON values", async () => {
    const kv = new KyselyKvStore(t.db, manualClock());
    expect(await kv.get(["missing"])).toBeUndefined();
    await kv.set(["doc", "https://a.example/x"], { id: "x", n: [1, 2], nil: null });
    expect(await kv.get(["doc", "https://a.example/x"])).toEqual({ id: "x", n: [1, 2], nil: null });
    await kv.set(["flag"], null);
    expect(await kv.get(["flag"])).toBeNull();
    await kv.delete(["doc", "https://a.example/x"]);
    expect(await kv.get(["doc", "https://a.example/x"])).toBeUndefined();
  });

  it("expires entries after their ttl", async () => {
    const clock = manualClock();
    const kv = new KyselyKvStore(t.db, clock);
    await kv.set(["ttl"], 1, { ttl: Temporal.Duration.from({ minutes: 5 }) });
    clock.advance(4 * 60_000);
    expect(await kv.get(["ttl"])).toBe(1);
    clock.advance(2 * 60_000);
    expect(await kv.get(["ttl"])).toBeUndefined();
  });

  it("lists by key prefix, exactly (case-sensitive, no partial segment)", async () => {
    const kv = new KyselyKvStore(t.db, manualClock());
    await kv.set(["p", "a"], 1);
    await kv.set(["p", "a", "b"], 2);
    await kv.set(["p", "A"], 3);
    await kv.set(["p", "ab"], 4);
    await kv.set(["p_", "a"], 5);
    const keys: unknown[] = [];
    for await (const e of kv.list(["p", "a"])) keys.push(e.key);
    expect(keys.map((k) => JSON.stringify(k)).sort()).toEqual(['["p","a","b"]', '["p","a"]']); // order is not part of the contract
    let all = 0;
    for await (const _ of kv.list(["p"])) all++;
    expect(all).toBe(4);
  });

  it("compares and swaps (absent → value, stale expectation refused, value → absent)", async () => {
    const kv = new KyselyKvStore(t.db, manualClock());
    expect(await kv.cas(["c"], undefined, { v: 1 })).toBe(true);
    expect(await kv.cas(["c"], undefined, { v: 2 })).toBe(false);
    expect(await kv.cas(["c"], { v: 9 }, { v: 2 })).toBe(false);
    expect(await kv.cas(["c"], { v: 1 }, { v: 2 })).toBe(true);
    expect(await kv.get(["c"])).toEqual({ v: 2 });
    expect(await kv.cas(["c"], { v: 2 }, undefined)).toBe(true);
    expect(await kv.get(["c"])).toBeUndefined();
  });

  it("survives a restart (another connection to the same database)", async () => {
    await new KyselyKvStore(t.db, manualClock()).set(["kept"], "yes");
    const again = await reopen(t);
    try {
      expect(await new KyselyKvStore(again.db, manualClock()).get(["kept"])).toBe("yes");
    } finally {
      await again.close();
    }
  });
});

describe("JobsMessageQueue", () => {
  let t: TestDatabase;
  beforeAll(async () => { t = await createTestDatabase(); });
  afterAll(async () => { await t.destroy(); });

  it("hands messages to the listener through the jobs table, after their delay", async () => {
    const clock = manualClock(Date.now());
    const jobs = createJobQueue({ db: t.db, postgres: t.dialect === "postgres", clock, concurrency: 2, pollMs: 20, visibilityTimeoutMs: 5_000 });
    const mq = new JobsMessageQueue(jobs, clock);
    const got: unknown[] = [];
    const stop = new AbortController();
    const listening = mq.listen((m) => { got.push(m); }, { signal: stop.signal });
    await mq.enqueue({ type: "outbox", n: 1 });
    await mq.enqueue({ type: "outbox", n: 2 }, { delay: Temporal.Duration.from({ hours: 1 }) });
    const delayed = await t.db.selectFrom("jobs").selectAll().where("queue", "=", "fedify").orderBy("run_at", "desc").executeTakeFirst();
    expect(Date.parse(delayed!.run_at) - clock.now().getTime()).toBe(3_600_000);
    jobs.start();
    await waitFor(async () => got.length === 1, 5_000, "first message");
    expect(got).toEqual([{ type: "outbox", n: 1 }]);
    clock.advance(3_600_001);
    await waitFor(async () => got.length === 2, 5_000, "delayed message");
    stop.abort();
    await listening;
    await jobs.stop();
  });
});

describe("restart in the middle of a fan-out", () => {
  let a: TestNode;
  let b: TestNode;
  afterAll(async () => { await Promise.all([a?.close(), b?.close()]); });

  it("loses no delivery: another process on the same database sends what was queued", async () => {
    [a, b] = await Promise.all([startFederatedNode(), startFederatedNode()]);
    const [univA, univB] = await Promise.all([createIssuer(a, "univ-a"), createIssuer(b, "univ-b")]);
    await b.services.federation.partners.follow(systemActor, univB, `${a.url}/issuers/univ-a`);
    await waitFor(async () => (await b.services.federation.partners.following(univB.id))[0]?.state === "accepted", 20_000, "accept");
    await a.services.jobs.stop(); // the worker "dies": what is queued now stays in the table
    const defined = await a.services.achievements.define(systemActor, univA, { name: "Survivant", description: "d", criteria: { narrative: "c" } }, { publish: true });
    if (!defined.ok) throw new Error("define");
    const pending = await a.database.db.selectFrom("jobs").select("status").where("queue", "=", "federation.publish").where("status", "=", "pending").execute();
    expect(pending).toHaveLength(1);
    // The "restarted" process: new services (and Fedify) over the same database, its own worker.
    const again = await reopen(a.database);
    const restarted = createServices({ config: { ...a.config, jobs: { ...a.config.jobs, pollMs: 25 } }, db: again.db, dialect: again.dialect });
    restarted.jobs.start();
    try {
      const copy = await waitFor(() => b.database.db.selectFrom("remote_templates").selectAll().where("name", "=", "Survivant").executeTakeFirst(), 20_000, "delivery after restart");
      expect(copy.actor_id).toBe(`${a.url}/issuers/univ-a`);
    } finally {
      await restarted.jobs.stop();
      await again.close();
    }
  });
});
