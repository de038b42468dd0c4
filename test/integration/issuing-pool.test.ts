import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { createDocumentLoader } from "../../src/credentials/document-loader.ts";
import { verifyProofs } from "../../src/credentials/proof-verification.ts";
import { MAIL_QUEUE } from "../../src/mail/mail.service.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { listIdOf, settle, setUpAwards, sleep, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// Issue 4: "Large lists run as a background job … signing uses worker threads so both cores work".
// Worker start-up and the first signatures of a cold worker take seconds on a busy 2-core box.
const SLOW = 150_000;

// An outside verifier: keys and profiles over real HTTP, contexts bundled.
const httpLoader = createDocumentLoader({ remote: async (url) => { const r = await fetch(url, { headers: { Accept: "application/ld+json" } }); return r.ok ? r.json() : null; } });

/** Prepares, submits and approves a pasted list of `n` recipients; returns its id. */
async function approvedList(kit: AwardKit, achievementId: string, n: number, token: string): Promise<string> {
  const recipients = Array.from({ length: n }, (_, i) => `pool${i}@etu.example`).join("\n");
  const id = listIdOf(await kit.awarder.submit("/issuers/ecm/award-lists", { achievement: achievementId, source: "paste", recipients, notify: "1", token }));
  await kit.awarder.submit(`/issuers/ecm/award-lists/${id}/submit`, {});
  await kit.jury.submit(`/issuers/ecm/award-lists/${id}/approve`, {});
  return id;
}

async function issuedOf(node: TestNode, achievementId: string) {
  return node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", achievementId).execute();
}

async function awardMails(node: TestNode) {
  return node.database.db.selectFrom("jobs").select("dedupe_key").where("queue", "=", MAIL_QUEUE).where("dedupe_key", "like", "award:%").execute();
}

describe("award issuing through the signing worker threads", () => {
  let node: TestNode;
  let kit: AwardKit;

  beforeAll(async () => {
    node = await startTestNode({ signing: { workers: 2, ed25519Signature2020: true } });
    kit = await setUpAwards(node);
  }, SLOW);
  afterAll(async () => { await node?.close(); });

  it("signs a bulk list in the workers (both suites), and every credential verifies", { timeout: SLOW }, async () => {
    expect(node.services.signing.stats().workers).toBe(0); // started on first use, not with the node
    const a = await template(node, kit.issuer, "Pool");
    const id = await approvedList(kit, a.row.id, 20, "pool-1");
    expect(await settle(node, id, SLOW - 30_000)).toBe("issued");

    expect(node.services.signing.stats()).toEqual({ workers: 2, signedInWorkers: 20, signedOnMainThread: 0, failed: 0 });
    const issued = await issuedOf(node, a.row.id);
    expect(issued.length).toBe(20);
    for (const row of issued) {
      const doc = JSON.parse(row.document);
      expect(doc.proof.map((p: { type: string; cryptosuite?: string }) => p.cryptosuite ?? p.type)).toEqual(["eddsa-rdfc-2022", "Ed25519Signature2020"]);
      expect(await verifyProofs(doc, httpLoader)).toEqual({ verified: true });
    }
    expect((await awardMails(node)).length).toBe(20);
  });

  it("signs a single award on the main thread (no worker round trip)", { timeout: SLOW }, async () => {
    const a = await template(node, kit.issuer, "Single");
    const before = node.services.signing.stats();
    const [row] = await node.services.credentials.issueMany(cliActor, kit.issuer, a, [{ recipient: "one@etu.example", recipientType: "emailAddress" }]);
    expect(node.services.signing.stats()).toMatchObject({ signedInWorkers: before.signedInWorkers, signedOnMainThread: before.signedOnMainThread + 1 });
    expect(await verifyProofs(JSON.parse(row!.document), httpLoader)).toEqual({ verified: true });
  });
});

describe("award issuing when a signing worker dies", () => {
  let node: TestNode;
  let kit: AwardKit;
  const dir = mkdtempSync(join(tmpdir(), "fb-crash-once-"));

  beforeAll(async () => {
    // Read by the crashing worker (workers get a copy of process.env when the pool starts).
    process.env.CRASH_ONCE_MARKER = join(dir, "crashed");
    node = await startTestNode({ signing: { workers: 2 }, jobs: { pollMs: 50 } }, { signingWorker: new URL("../fixtures/crashing-signing-worker.ts", import.meta.url) });
    kit = await setUpAwards(node);
  }, SLOW);
  afterAll(async () => {
    await node?.close();
    delete process.env.CRASH_ONCE_MARKER;
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores nothing of the failed batch, retries, and issues (and mails) every row once", { timeout: SLOW }, async () => {
    const a = await template(node, kit.issuer, "crash once");
    const id = await approvedList(kit, a.row.id, 20, "crash-once-1");
    expect(await settle(node, id, SLOW - 30_000)).toBe("issued");

    const stats = node.services.signing.stats();
    expect(stats.failed).toBeGreaterThan(0); // the chunk in the dead worker: the whole batch was retried
    expect(stats.signedInWorkers).toBeGreaterThanOrEqual(20);
    const issued = await issuedOf(node, a.row.id);
    expect(issued.length).toBe(20);
    expect(new Set(issued.map((c) => c.recipient)).size).toBe(20);
    const items = await node.services.awardLists.allItems(id);
    expect(items.every((i) => i.status === "issued")).toBe(true);
    for (const item of items) expect(issued.find((c) => c.id === item.credential_id)?.award_item_id).toBe(item.id);
    const mails = await awardMails(node);
    expect(mails.length).toBe(20);
    expect(new Set(mails.map((m) => m.dedupe_key)).size).toBe(20);
    // The list is marked issued inside the job, just before the queue records the job as done.
    const jobId = (await node.services.awardLists.listOf(kit.issuer.id, id))!.job_id!;
    const deadline = Date.now() + 10_000;
    while ((await node.services.jobs.find(jobId))!.status !== "done" && Date.now() < deadline) await sleep(20);
    const job = (await node.services.jobs.find(jobId))!;
    expect(job).toMatchObject({ status: "done", progress_done: 20, progress_total: 20 });
    expect(job.attempts).toBeGreaterThanOrEqual(2);
  });
});
