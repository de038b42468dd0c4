// Shared pieces of the two-node federation tests: real nodes on loopback, real HTTP signatures.
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

/** A node whose job worker runs (deliveries), polling fast so tests stay short. */
export async function startFederatedNode(): Promise<TestNode> {
  const node = await startTestNode({ jobs: { pollMs: 25, concurrency: 4 } });
  node.services.jobs.start();
  return node;
}

/** Creates an issuer space on a node. */
export async function createIssuer(node: TestNode, slug: string, name = `Université ${slug}`): Promise<IssuerRow> {
  const r = await node.services.issuers.create(systemActor, { slug, name, description: `Établissement ${slug}`, website: null, email: null, logoUrl: null, parent: null });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

/** Polls until `check` returns a truthy value (or fails after `ms`). */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms = 10_000, what = "condition"): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The ActivityPub Accept header Fedify's own document loader sends. */
export const AP_ACCEPT = "application/activity+json, application/ld+json";
