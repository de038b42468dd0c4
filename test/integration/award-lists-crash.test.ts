import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "../helpers/node.ts";
import { spawnUntilFirstLine } from "../helpers/worker-process.ts";
import { listIdOf, settle, sleep, startAwardNode, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

const worker = fileURLToPath(new URL("../fixtures/awards/issue-crash-worker.ts", import.meta.url));

// A crash in the middle of a bulk award loses nothing and issues nothing twice after restart:
// a worker process runs the real job handler on this database and is killed (SIGKILL) right
// after a batch of credentials was stored and before its rows were marked; this node's queue
// then takes the job over once its lock expires and finishes it.
describe("award lists: a worker killed mid-job", () => {
  let node: TestNode;
  let kit: AwardKit;

  beforeAll(async () => { ({ node, kit } = await startAwardNode({ jobs: { visibilityTimeoutMs: 1000, pollMs: 50 } })); });
  afterAll(async () => { await node?.close(); });

  // Generous timeout: the worker process loads the whole node first (slow on a busy CI machine).
  it("finishes the list after restart: every row issued once, no credential twice", { timeout: 150_000 }, async () => {
    const a = await template(node, kit.issuer, "Bulk");
    const recipients = Array.from({ length: 20 }, (_, i) => `bulk${i}@etu.example`).join("\n");
    const id = listIdOf(await kit.awarder.submit("/issuers/ecm/award-lists", { achievement: a.row.id, source: "paste", recipients, token: "crash-1" }));
    await kit.awarder.submit(`/issuers/ecm/award-lists/${id}/submit`, {});
    await kit.jury.submit(`/issuers/ecm/award-lists/${id}/approve`, {});

    const { child, line, exited } = await spawnUntilFirstLine(worker, [JSON.stringify(node.config), "5", "2"], 120_000, "worker stored nothing");
    expect(JSON.parse(line)).toMatchObject({ storedBatches: 2 });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    // The state a crash leaves: 10 credentials stored (two batches), at most the first one's rows
    // marked (the two batches were in flight together; the kill may come before its marking).
    const credentials = () => node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", a.row.id).execute();
    expect((await credentials()).length).toBe(10);
    expect([0, 5]).toContain((await node.services.awardLists.counts(id)).issued);
    expect((await node.services.awardLists.listOf(kit.issuer.id, id))!.status).toBe("issuing");

    expect(await settle(node, id)).toBe("issued");
    const issued = await credentials();
    expect(issued.length).toBe(20);
    expect(new Set(issued.map((c) => c.recipient)).size).toBe(20);
    const items = await node.services.awardLists.allItems(id);
    expect(items.every((i) => i.status === "issued")).toBe(true);
    expect(new Set(items.map((i) => i.credential_id)).size).toBe(20);
    for (const item of items) expect(issued.find((c) => c.id === item.credential_id)?.award_item_id).toBe(item.id);
    // The list is marked issued inside the job, just before the queue records the job as done.
    const jobId = (await node.services.awardLists.listOf(kit.issuer.id, id))!.job_id!;
    for (const deadline = Date.now() + 10_000; (await node.services.jobs.find(jobId))!.status !== "done" && Date.now() < deadline;) await sleep(20);
    const job = (await node.services.jobs.find(jobId))!;
    expect(job).toMatchObject({ status: "done", progress_done: 20, progress_total: 20 });
    // The killed worker made the first attempt; a busy machine may need one more lock expiry.
    expect(job!.attempts).toBeGreaterThanOrEqual(2);
  });
});
