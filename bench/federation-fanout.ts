// Fan-out of one template Create to many followers: `node bench/federation-fanout.ts
// [--followers 1000] [--hosts 100] [--shared 0.8] [--concurrency 8] [--verify]`.
// One real sender node (SQLite, or PostgreSQL under `bash .ci/postgres.sh -- …`) whose followers live
// on `hosts` small HTTP servers on loopback: a share of them (`shared`) has a shared inbox (one POST
// per host), the others take one POST per follower. Measures the time from publishing until every
// expected POST has arrived; `--verify` also checks each HTTP signature on receipt (CPU the real
// partners would spend on their own machines, so it makes the figure pessimistic). Prints a table
// and a JSON line; asserts nothing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { getDocumentLoader, verifyRequest, type KeyCache } from "@fedify/fedify";
import { systemActor } from "../src/audit/audit.service.ts";
import * as repo from "../src/federation/federation.repository.ts";
import { startTestNode } from "../test/helpers/node.ts";

const { values } = parseArgs({ options: {
  followers: { type: "string", default: "1000" }, hosts: { type: "string", default: "100" }, shared: { type: "string", default: "0.8" },
  concurrency: { type: "string", default: "8" }, verify: { type: "boolean", default: false },
} });
const FOLLOWERS = Number(values.followers);
const HOSTS = Math.min(Number(values.hosts), FOLLOWERS);
const SHARED = Number(values.shared);
const documentLoader = getDocumentLoader({ allowPrivateAddress: true });

interface Host { server: Server; url: string; shared: boolean; received: number; invalid: number; firstAt: number }

// One simulated partner node: accepts POSTs (202), counts them, optionally verifies the signature.
async function startHost(shared: boolean): Promise<Host> {
  const host: Host = { server: createServer(), url: "", shared, received: 0, invalid: 0, firstAt: 0 };
  // Each simulated partner caches the sender's key, as Fedify does in its KvStore.
  const keys = new Map<string, Awaited<ReturnType<KeyCache["get"]>>>();
  const keyCache: KeyCache = { get: async (id) => keys.get(id.href), set: async (id, key) => void keys.set(id.href, key) };
  host.server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (values.verify) {
        const request = new Request(host.url + req.url, { method: "POST", headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
        if (!(await verifyRequest(request, { documentLoader, keyCache }))) host.invalid++;
      }
      if (host.received++ === 0) host.firstAt = performance.now();
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => host.server.listen(0, "127.0.0.1", resolve));
  host.url = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
  return host;
}

async function main() {
  const node = await startTestNode({ log: { level: "error" }, jobs: { pollMs: 20, concurrency: Number(values.concurrency) } });
  const hosts = await Promise.all(Array.from({ length: HOSTS }, (_, i) => startHost(i < Math.round(HOSTS * SHARED))));
  try {
    const issuer = await node.services.issuers.create(systemActor, { slug: "bench", name: "Bench", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!issuer.ok) throw new Error("issuer");
    const now = new Date().toISOString();
    for (let i = 0; i < FOLLOWERS; i++) {
      const host = hosts[i % HOSTS]!;
      const id = `${host.url}/actors/f${i}`;
      await repo.upsertRemoteActor(node.database.db, { id, domain: new URL(host.url).host, handle: `@f${i}@${new URL(host.url).host}`, name: `F${i}`, type: "Organization", inbox: `${id}/inbox`, shared_inbox: host.shared ? `${host.url}/inbox` : null, url: null, summary: null, fetched_at: now });
      await repo.upsertFollow(node.database.db, { id: `bench-${i}`, issuer_id: issuer.value.id, direction: "follower", actor_id: id, state: "accepted", activity_id: `${id}#follow`, created_at: now, updated_at: now });
    }
    const expected = hosts.reduce((n, h) => n + (h.shared ? 1 : Math.ceil((FOLLOWERS - hosts.indexOf(h)) / HOSTS)), 0);
    node.services.jobs.start();
    const total = () => hosts.reduce((n, h) => n + h.received, 0);
    // A warm-up round first: actor keys are made on first use, JSON-LD contexts loaded once.
    let published = 0;
    let delivered = 0;
    let first = 0;
    for (const name of ["Warm-up", "Fan-out"]) {
      for (const h of hosts) h.received = h.invalid = h.firstAt = 0;
      const start = performance.now();
      const made = await node.services.achievements.define(systemActor, issuer.value, { name, description: "Bench", criteria: { narrative: "Bench" } }, { publish: true });
      if (!made.ok) throw new Error("define");
      published = performance.now() - start;
      while (total() < expected && performance.now() - start < 300_000) await new Promise((r) => setTimeout(r, 10));
      delivered = performance.now() - start;
      first = Math.min(...hosts.filter((h) => h.firstAt).map((h) => h.firstAt)) - start;
    }
    const invalid = hosts.reduce((n, h) => n + h.invalid, 0);
    const row = {
      followers: FOLLOWERS, hosts: HOSTS, sharedInboxHosts: hosts.filter((h) => h.shared).length, posts: total(), expectedPosts: expected,
      publishMs: Math.round(published), firstDeliveredMs: Math.round(first), allDeliveredMs: Math.round(delivered), verified: values.verify, invalidSignatures: invalid,
      concurrency: Number(values.concurrency), db: node.database.dialect, cpus: availableParallelism(), load1: Math.round(loadavg()[0]! * 10) / 10,
    };
    console.log("\nFan-out of one template Create (one sender, followers on loopback hosts)\n");
    console.table([{ followers: row.followers, hosts: row.hosts, "shared-inbox hosts": row.sharedInboxHosts, POSTs: `${row.posts}/${row.expectedPosts}`, "publish (ms)": row.publishMs, "first POST (ms)": row.firstDeliveredMs, "all delivered (ms)": row.allDeliveredMs }]);
    console.log(JSON.stringify(row));
  } finally {
    await node.close();
    await Promise.all(hosts.map((h) => new Promise((r) => h.server.close(r))));
  }
}

await main();
