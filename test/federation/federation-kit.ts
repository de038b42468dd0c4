// Shared pieces of the two-node federation tests: real nodes on loopback, real HTTP signatures.
import { afterAll, beforeAll } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { RemoteTemplateRow } from "../../src/federation/federation.tables.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

/** A node whose job worker runs (deliveries), polling fast so tests stay short. */
export async function startFederatedNode(clock?: Clock): Promise<TestNode> {
  const node = await startTestNode({ jobs: { pollMs: 25, concurrency: 4 } }, { clock });
  node.services.jobs.start();
  return node;
}

/** Creates an issuer space on a node. */
export async function createIssuer(node: TestNode, slug: string, name = `Université ${slug}`): Promise<IssuerRow> {
  const r = await node.services.issuers.create(systemActor, { slug, name, description: `Établissement ${slug}`, website: null, email: null, logoUrl: null, parent: null });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

/** Follows `target` as `issuer` of `from` and waits until the target accepts. */
export async function followAccepted(from: TestNode, issuer: IssuerRow, target: string): Promise<void> {
  const done = await from.services.federation.partners.follow(systemActor, issuer, target);
  if (!done.ok) throw new Error(done.error);
  await waitFor(async () => (await from.services.federation.partners.following(issuer.id)).find((f) => f.actor_id === target)?.state === "accepted", 20_000, "accept");
}

/** Two federated nodes whose issuers univ-a (on a) and univ-b (on b) follow each other, both accepted. */
export async function startPartnerNodes(opts: { clockA?: Clock } = {}): Promise<{ a: TestNode; b: TestNode; univA: IssuerRow; univB: IssuerRow }> {
  const [a, b] = await Promise.all([startFederatedNode(opts.clockA), startFederatedNode()]);
  try {
    const [univA, univB] = await Promise.all([createIssuer(a, "univ-a", "Université A"), createIssuer(b, "univ-b", "Université B")]);
    await followAccepted(b, univB, `${a.url}/issuers/univ-a`);
    await followAccepted(a, univA, `${b.url}/issuers/univ-b`);
    return { a, b, univA, univB };
  } catch (e) {
    await Promise.all([a.close(), b.close()]); // the caller never gets them to close
    throw e;
  }
}

/** The two partner nodes of `startPartnerNodes`. */
export type PartnerNodes = Awaited<ReturnType<typeof startPartnerNodes>>;

/** Starts two partner nodes before a file's tests (handing them to `use`) and closes them after. */
export function partnerNodesAroundFile(use: (nodes: PartnerNodes) => void, opts: { clockA?: Clock } = {}): void {
  let nodes: PartnerNodes | undefined;
  beforeAll(async () => {
    nodes = await startPartnerNodes(opts);
    use(nodes);
  });
  afterAll(async () => {
    await Promise.all([nodes?.a.close(), nodes?.b.close()]);
  });
}

/** Issues one credential of a template to an e-mail address and returns its signed document. */
export async function issueOne(node: TestNode, issuer: IssuerRow, achievementId: string, recipient: string): Promise<Record<string, any>> {
  const achievement = (await node.services.achievements.load(achievementId))!;
  const [row] = await node.services.credentials.issueMany(systemActor, issuer, achievement, [{ recipient, recipientType: "emailAddress" }]);
  return JSON.parse(row!.document) as Record<string, any>;
}

/** Publishes a template of `issuer` on `origin` and waits for the copy `receiver` stores from the Create. */
export async function publishTemplateTo(origin: TestNode, issuer: IssuerRow, receiver: TestNode, content: Record<string, unknown>): Promise<{ id: string; obId: string; copy: RemoteTemplateRow }> {
  const defined = await origin.services.achievements.define(systemActor, issuer, content, { publish: true });
  if (!defined.ok) throw new Error(`define: ${JSON.stringify(defined.error)}`);
  const id = defined.value.row.id;
  const obId = `${origin.url}/achievements/${id}`;
  const copy = await waitFor(() => receiver.database.db.selectFrom("remote_templates").selectAll().where("ob_id", "=", obId).executeTakeFirst(), 20_000, "Create");
  return { id, obId, copy };
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
