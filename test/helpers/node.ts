import { createServer, type AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createApp, type Services } from "../../src/app.ts";
import type { Config, ConfigInput } from "../../src/config/config.schema.ts";
import { resolveConfig } from "../../src/config/load-config.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { HttpClient } from "./http-client.ts";

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestNode {
  url: string;
  config: Config;
  database: TestDatabase;
  services: Services;
  app: ReturnType<typeof createApp>["app"];
  /** A fresh browser-like client (its own cookies). */
  client(): HttpClient;
  /** Creates a user with a password (fast hash) and returns a signed-in client. */
  signIn(email: string, opts?: { nodeAdmin?: boolean; password?: string }): Promise<HttpClient>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = "correct horse battery";

/** Starts a real node on loopback HTTP over a fresh, migrated database. */
export async function startTestNode(overrides: ConfigInput = {}, opts: { clock?: Clock; signingWorker?: URL } = {}): Promise<TestNode> {
  const database = await createTestDatabase();
  const port = await freePort();
  const resolved = resolveConfig(
    { origin: `http://127.0.0.1:${port}`, port, dataDir: database.dir, demo: false, log: { level: "warning" }, ...overrides, auth: { passwordHashCost: 10, ...overrides.auth } },
    { FRANCEBADGE_SECRET: "test-secret-test-secret-test-secret-000" },
  );
  if (!resolved.ok) throw new Error(resolved.problems.join("\n"));
  const config: Config = { ...resolved.config, database: database.setting };
  const { app, services } = createApp({ config, db: database.db, dialect: database.dialect, clock: opts.clock, signingWorker: opts.signingWorker });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url, config, database, services, app,
    client: () => new HttpClient(url),
    async signIn(email, o = {}) {
      const password = o.password ?? TEST_PASSWORD;
      const existing = await services.accounts.findByEmail(email);
      if (!existing) {
        const created = await services.accounts.create({ email, displayName: email.split("@")[0]!, password, isNodeAdmin: o.nodeAdmin });
        if (!created.ok) throw new Error(created.error);
      }
      const client = new HttpClient(url);
      const res = await client.submit("/login", { email, password });
      if (res.status !== 303) throw new Error(`sign-in of ${email} failed: ${res.status}`);
      return client;
    },
    async close() {
      await services.jobs.stop();
      await services.signing.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.destroy();
    },
  };
}

/** Starts a test node and adds what `setUp` makes on it; the node is closed again if `setUp` fails. */
export async function startTestNodeWith<T extends object>(setUp: (node: TestNode) => Promise<T>, overrides: ConfigInput = {}): Promise<T & { node: TestNode }> {
  const node = await startTestNode(overrides);
  try {
    return { ...(await setUp(node)), node };
  } catch (e) {
    await node.close(); // the caller never gets it to close
    throw e;
  }
}
