// "A restart in the middle of a fan-out loses no delivery", with a real crash: node A runs as its own
// process (`node src/main.ts`, as the README starts it) with three partner nodes following it. One
// partner sits behind a proxy that holds A's POSTs to its inbox, so A is killed (SIGKILL) while that
// delivery is in flight and the others are done. A is started again on the same database: every
// partner ends up with the template exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createServices } from "../../src/app.ts";
import { systemActor } from "../../src/audit/audit.service.ts";
import { resolveConfig } from "../../src/config/load-config.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";
import { freePort, startTestNode, type TestNode } from "../helpers/node.ts";
import { createIssuer, startFederatedNode, waitFor } from "./federation-kit.ts";

const SECRET = "test-secret-test-secret-test-secret-000";
const ROOT = join(import.meta.dirname, "..", "..");

/** A pass-through proxy in front of a node that can hold the POSTs to its inboxes. */
async function startProxy(target: () => number) {
  const held: { req: IncomingMessage; res: ServerResponse }[] = [];
  const state = { hold: false, inboxPosts: 0 };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const up = request({ host: "127.0.0.1", port: target(), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    up.end(body);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const inboxPost = req.method === "POST" && /\/inbox$/.test(req.url ?? "");
      if (inboxPost && state.hold) return void held.push({ req, res });
      if (inboxPost) state.inboxPosts++;
      forward(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port, state, held,
    close: () => new Promise<void>((resolve) => { for (const h of held) h.res.destroy(); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Node A as its own process on a database prepared by the test. */
function startNodeProcess(port: number, database: TestDatabase): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: ROOT, stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env, FRANCEBADGE_SECRET: SECRET, FRANCEBADGE_PORT: String(port), FRANCEBADGE_ORIGIN: `http://127.0.0.1:${port}`,
      FRANCEBADGE_DATA_DIR: database.dir, FRANCEBADGE_DATABASE: database.setting.kind === "sqlite" ? database.setting.path : database.setting.url,
      FRANCEBADGE_DEMO: "false", FRANCEBADGE_LOG_LEVEL: "warning", FRANCEBADGE_JOBS_POLL_MS: "25", FRANCEBADGE_JOBS_VISIBILITY_TIMEOUT_MS: "2000",
      FRANCEBADGE_AUTH_PASSWORD_HASH_COST: "10",
    },
  }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on("data", (d: Buffer) => child.output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => child.output.push(d.toString()));
  return child;
}

async function listening(url: string, child: ChildProcess & { output: string[] }): Promise<void> {
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok, 90_000, `${url} to listen`);
  } catch (e) {
    throw new Error(`${(e as Error).message}; exit ${child.exitCode}; output:\n${child.output.join("")}`);
  }
}

describe("a crash of the sender in the middle of a fan-out", () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it("loses no delivery and duplicates none: the restarted node finishes it, every partner stores the template once", async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.destroy());
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // The test prepares A's issuer on A's database (no worker here: A's own process does the work).
    const resolved = resolveConfig({ origin, port, dataDir: database.dir, demo: false, log: { level: "warning" } }, { FRANCEBADGE_SECRET: SECRET });
    if (!resolved.ok) throw new Error(resolved.problems.join("\n"));
    const local = createServices({ config: { ...resolved.config, database: database.setting }, db: database.db, dialect: database.dialect });
    const univA = await createIssuer({ services: local } as unknown as TestNode, "univ-a", "Université A");

    let a = startNodeProcess(port, database);
    cleanup.push(async () => { a.kill("SIGKILL"); });
    await listening(origin, a);

    // Partners: B and C directly, D behind the holding proxy (its origin is the proxy's address).
    let dPort = 0;
    const proxy = await startProxy(() => dPort);
    cleanup.push(() => proxy.close());
    const [b, c] = await Promise.all([startFederatedNode(), startFederatedNode()]);
    const d: TestNode = await startTestNode({ origin: `http://127.0.0.1:${proxy.port}`, jobs: { pollMs: 25, concurrency: 4 } });
    d.services.jobs.start();
    dPort = Number(new URL(d.url).port);
    cleanup.push(() => b.close(), () => c.close(), () => d.close());
    for (const partner of [b, c, d]) {
      const issuer = await createIssuer(partner, "partner");
      const followed = await partner.services.federation.partners.follow(systemActor, issuer, `${origin}/issuers/univ-a`);
      if (!followed.ok) throw new Error(`${followed.error}: ${a.output.join("")}`);
      await waitFor(async () => (await partner.services.federation.partners.following(issuer.id))[0]?.state === "accepted", 20_000, "accept");
    }
    // Their reading of A's (empty) outbox is over: the template can only reach them by delivery.
    for (const partner of [b, c, d]) {
      await waitFor(async () => (await partner.database.db.selectFrom("jobs").select("id").where("queue", "=", "federation.backfill").where("status", "=", "done").execute()).length > 0, 20_000, "backfill");
    }

    proxy.state.hold = true;
    const defined = await local.achievements.define(systemActor, univA, { name: "Survivant", description: "d", criteria: { narrative: "c" } }, { publish: true });
    if (!defined.ok) throw new Error("define");
    const copyOn = (n: TestNode) => n.database.db.selectFrom("remote_templates").selectAll().where("name", "=", "Survivant").execute();
    await waitFor(async () => (await copyOn(b)).length && (await copyOn(c)).length && proxy.held.length > 0, 30_000, "B and C served, D in flight");

    a.kill("SIGKILL"); // in the middle of the fan-out: D's delivery is still open
    await new Promise<void>((resolve) => (a.exitCode !== null || a.signalCode !== null ? resolve() : a.once("exit", () => resolve())));
    const inFlight = await database.db.selectFrom("jobs").select(["queue", "status"]).where("status", "in", ["pending", "running"]).execute();
    expect(inFlight.some((j) => j.queue === "fedify" && j.status === "running")).toBe(true);
    expect(await copyOn(d)).toHaveLength(0);
    for (const h of proxy.held.splice(0)) h.res.destroy();
    proxy.state.hold = false;

    a = startNodeProcess(port, database);
    await listening(origin, a);
    const onD = await waitFor(async () => ((await copyOn(d)).length ? copyOn(d) : null), 30_000, "delivery to D after the restart");
    expect(onD).toHaveLength(1);
    // Give a duplicate every chance to show up before counting.
    await waitFor(async () => (await database.db.selectFrom("jobs").select("id").where("queue", "in", ["fedify", "federation.publish"]).where("status", "in", ["pending", "running"]).execute()).length === 0, 30_000, "A's queue to drain");
    const createId = `${origin}/ap/achievements/${defined.value.row.id}#create-v1`;
    for (const partner of [b, c, d]) {
      expect(await copyOn(partner)).toHaveLength(1);
      const seen = await partner.database.db.selectFrom("federation_activities").select("outcome").where("id", "=", createId).execute();
      expect(seen).toEqual([{ outcome: "stored" }]);
    }
  }, 240_000);
});
