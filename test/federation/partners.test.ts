// Scope 2: partners between two real nodes — follow/accept, manual policy, API, blocks, idempotency.
import { signRequest } from "@fedify/fedify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { TestNode } from "../helpers/node.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { createIssuer, startFederatedNode, waitFor } from "./federation-kit.ts";

let a: TestNode;
let b: TestNode;
let univA: IssuerRow;
let labA: IssuerRow;
let univB: IssuerRow;
let adminA: HttpClient;
let adminB: HttpClient;

const rowOf = (node: TestNode, issuer: IssuerRow, direction: string, actorId: string) =>
  node.database.db.selectFrom("federation_follows").selectAll().where("issuer_id", "=", issuer.id).where("direction", "=", direction).where("actor_id", "=", actorId).executeTakeFirst();

beforeAll(async () => {
  [a, b] = await Promise.all([startFederatedNode(), startFederatedNode()]);
  [univA, labA, univB] = await Promise.all([createIssuer(a, "univ-a"), createIssuer(a, "lab-a"), createIssuer(b, "univ-b")]);
  [adminA, adminB] = await Promise.all([a.signIn("admin@a.test", { nodeAdmin: true }), b.signIn("admin@b.test", { nodeAdmin: true })]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** A Follow from one of A's issuers to B's, signed with A's RSA key (as Fedify would send it). */
async function signedFollow(id: string, inbox: string, opts: { keyId?: string; tamper?: boolean } = {}): Promise<Request> {
  const [rsa] = await a.services.federation.actorKeys.pairs(labA.id);
  const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id, type: "Follow", actor: `${a.url}/issuers/lab-a`, object: `${b.url}/issuers/univ-b` });
  const req = new Request(inbox, { method: "POST", headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" }, body });
  const signed = await signRequest(req, rsa!.privateKey, new URL(opts.keyId ?? `${a.url}/issuers/lab-a#main-key`), { spec: "draft-cavage-http-signatures-12" });
  if (!opts.tamper) return signed;
  return new Request(signed.url, { method: "POST", headers: signed.headers, body: body.replace("univ-b", "univ-x") });
}

describe("follow → accept (automatic policy, the default)", () => {
  it("follows a partner by URL from the partners page, and both sides end up accepted", async () => {
    const res = await adminA.submit("/issuers/univ-a/partners/following", { target: `${b.url}/issuers/univ-b` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Université univ-b");
    const mine = await waitFor(async () => (await rowOf(a, univA, "following", `${b.url}/issuers/univ-b`))?.state === "accepted", 15_000, "accept");
    expect(mine).toBe(true);
    const theirs = await rowOf(b, univB, "follower", `${a.url}/issuers/univ-a`);
    expect(theirs?.state).toBe("accepted");
    const followers = (await (await fetch(`${b.url}/issuers/univ-b/followers`, { headers: { Accept: "application/activity+json" } })).json()) as { totalItems: number };
    expect(followers.totalItems).toBe(1);
  });

  it("follows by handle (@slug@host), with WebFinger over http between loopback nodes", async () => {
    const token = (await a.services.tokens.create(systemActor, labA, "si", ["federation"]));
    if (!token.ok) throw new Error("token");
    const res = await fetch(`${a.url}/api/v1/issuers/lab-a/following`, {
      method: "POST", headers: { Authorization: `Bearer ${token.value.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ target: `@univ-b@${new URL(b.url).host}` }),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { actor: string; state: string; handle: string };
    expect(body).toMatchObject({ actor: `${b.url}/issuers/univ-b`, handle: `@univ-b@${new URL(b.url).host}` });
    await waitFor(async () => (await rowOf(a, labA, "following", `${b.url}/issuers/univ-b`))?.state === "accepted", 15_000, "accept");
    const list = (await (await fetch(`${a.url}/api/v1/issuers/lab-a/following`, { headers: { Authorization: `Bearer ${token.value.token}` } })).json()) as { items: { actor: string; state: string }[] };
    expect(list.items).toEqual([expect.objectContaining({ actor: `${b.url}/issuers/univ-b`, state: "accepted" })]);
  });

  it("API: needs the federation scope and the token's own issuer", async () => {
    const templatesOnly = await a.services.tokens.create(systemActor, labA, "si", ["templates"]);
    const otherIssuer = await a.services.tokens.create(systemActor, univA, "si", ["federation"]);
    if (!templatesOnly.ok || !otherIssuer.ok) throw new Error("token");
    const get = (token: string) => fetch(`${a.url}/api/v1/issuers/lab-a/followers`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await get(templatesOnly.value.token)).status).toBe(403);
    expect((await get(otherIssuer.value.token)).status).toBe(403);
    expect((await fetch(`${a.url}/api/v1/issuers/lab-a/followers`)).status).toBe(401);
  });

  it("answers 404 for a target that is not an actor", async () => {
    const res = await adminA.submit("/issuers/univ-a/partners/following", { target: `${b.url}/issuers/nobody` });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Aucun établissement ne répond");
  });
});

describe("manual policy", () => {
  it("keeps a follow pending until an admin accepts it, and a refusal ends it", async () => {
    await adminB.submit("/issuers/univ-b/partners/policy", { policy: "manual" });
    const lab = await createIssuer(a, "lab-manual");
    await a.services.federation.partners.follow(systemActor, lab, `${b.url}/issuers/univ-b`);
    await waitFor(() => rowOf(b, univB, "follower", `${a.url}/issuers/lab-manual`), 15_000, "follow received");
    expect((await rowOf(b, univB, "follower", `${a.url}/issuers/lab-manual`))?.state).toBe("pending");
    const page = await adminB.text("/issuers/univ-b/partners");
    expect(page.body).toContain("Demandes en attente");
    await adminB.submit("/issuers/univ-b/partners/followers/accept", { actorId: `${a.url}/issuers/lab-manual` });
    await waitFor(async () => (await rowOf(a, lab, "following", `${b.url}/issuers/univ-b`))?.state === "accepted", 15_000, "accept");

    const other = await createIssuer(a, "lab-refused");
    await a.services.federation.partners.follow(systemActor, other, `${b.url}/issuers/univ-b`);
    await waitFor(() => rowOf(b, univB, "follower", `${a.url}/issuers/lab-refused`), 15_000, "follow received");
    await adminB.submit("/issuers/univ-b/partners/followers/refuse", { actorId: `${a.url}/issuers/lab-refused` });
    await waitFor(async () => !(await rowOf(a, other, "following", `${b.url}/issuers/univ-b`)), 15_000, "reject");
    expect(await rowOf(b, univB, "follower", `${a.url}/issuers/lab-refused`)).toBeUndefined();
    await adminB.submit("/issuers/univ-b/partners/policy", { policy: "auto" });
  });
});

describe("inbox safety", () => {
  it("processes the same activity once, even when delivered again or to another inbox", async () => {
    const spy = vi.spyOn(b.services.federation.partners, "receiveFollow");
    const id = `${a.url}/issuers/lab-a#follow/replayed`;
    const first = await fetch(await signedFollow(id, `${b.url}/issuers/univ-b/inbox`));
    const again = await fetch(await signedFollow(id, `${b.url}/issuers/univ-b/inbox`));
    const shared = await fetch(await signedFollow(id, `${b.url}/inbox`));
    expect([first.status, again.status, shared.status]).toEqual([202, 202, 202]);
    expect(spy).toHaveBeenCalledTimes(1);
    const recorded = await b.services.federation.partners.findProcessed(id);
    expect(recorded?.type).toBe("Follow");
    spy.mockRestore();
  });

  it("refuses a body changed after signing with 401", async () => {
    const res = await fetch(await signedFollow(`${a.url}/issuers/lab-a#follow/tampered`, `${b.url}/issuers/univ-b/inbox`, { tamper: true }));
    expect(res.status).toBe(401);
  });

  it("answers 403 to a blocked domain before fetching any key", async () => {
    const host = new URL(a.url).host;
    const res = await adminB.submit("/issuers/univ-b/partners/blocks", { domain: host });
    expect(await res.text()).toContain(host);
    // The relations with A's issuers end with the block.
    expect(await rowOf(b, univB, "follower", `${a.url}/issuers/univ-a`)).toBeUndefined();
    const personal = await fetch(await signedFollow(`${a.url}/issuers/lab-a#follow/blocked`, `${b.url}/issuers/univ-b/inbox`));
    expect(personal.status).toBe(403);
    const shared = await fetch(await signedFollow(`${a.url}/issuers/lab-a#follow/blocked2`, `${b.url}/inbox`));
    expect(shared.status).toBe(403);
    // A key on a host that does not resolve: a 403 (not 401) proves nothing was fetched first.
    await b.services.federation.partners.block(systemActor, univB, "nowhere.invalid");
    const unreachable = await fetch(await signedFollow(`${a.url}/issuers/lab-a#follow/x`, `${b.url}/issuers/univ-b/inbox`, { keyId: "http://nowhere.invalid/issuers/x#main-key" }));
    expect(unreachable.status).toBe(403);
    const follow = await a.services.federation.partners.follow(systemActor, univA, `${b.url}/issuers/univ-b`);
    expect(follow.ok).toBe(true); // A does not know it is blocked; B drops it at the door
    await adminB.submit("/issuers/univ-b/partners/blocks/remove", { domain: host });
  });
});
