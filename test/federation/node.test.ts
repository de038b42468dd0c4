// Scope 1: Fedify behind Hono — actors by content negotiation, WebFinger, NodeInfo, signatures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestNode } from "../helpers/node.ts";
import { AP_ACCEPT, createIssuer, startFederatedNode } from "./federation-kit.ts";

let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  [a, b] = await Promise.all([startFederatedNode(), startFederatedNode()]);
  await createIssuer(a, "univ-a", "Université A");
  await createIssuer(b, "univ-b", "Université B");
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe("issuer actors", () => {
  it("serves an Organization with keys, inbox, outbox, followers, following and a shared inbox to ActivityPub clients", async () => {
    const res = await fetch(`${a.url}/issuers/univ-a`, { headers: { Accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/application\/activity\+json/);
    const actor = (await res.json()) as Record<string, any>;
    expect(actor.type).toBe("Organization");
    expect(actor.id).toBe(`${a.url}/issuers/univ-a`);
    expect(actor.preferredUsername).toBe("univ-a");
    expect(actor.name).toBe("Université A");
    expect(actor.inbox).toBe(`${a.url}/issuers/univ-a/inbox`);
    expect(actor.outbox).toBe(`${a.url}/issuers/univ-a/outbox`);
    expect(actor.followers).toBe(`${a.url}/issuers/univ-a/followers`);
    expect(actor.following).toBe(`${a.url}/issuers/univ-a/following`);
    expect(actor.endpoints.sharedInbox).toBe(`${a.url}/inbox`);
    expect(actor.publicKey.id).toBe(`${a.url}/issuers/univ-a#main-key`);
    expect(actor.publicKey.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(actor.assertionMethod.map((k: { id: string }) => k.id)).toEqual([`${a.url}/issuers/univ-a#multikey-1`, `${a.url}/issuers/univ-a#multikey-2`]);
  });

  it("answers the AS2 JSON-LD profile media type too", async () => {
    const res = await fetch(`${a.url}/issuers/univ-a`, { headers: { Accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { type: string }).type).toBe("Organization");
  });

  it("keeps serving the OB 3.0 Profile for plain JSON-LD, and the HTML page for browsers, at the same URL", async () => {
    const ld = await fetch(`${a.url}/issuers/univ-a`, { headers: { Accept: "application/ld+json" } });
    const profile = (await ld.json()) as { type: string[]; id: string };
    expect(profile.type).toContain("Profile");
    expect(profile.id).toBe(`${a.url}/issuers/univ-a`);
    const html = await fetch(`${a.url}/issuers/univ-a`, { headers: { Accept: "text/html" } });
    expect(html.status).toBe(200);
    expect(html.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(await html.text()).toContain("Université A");
  });

  it("keeps the RSA and Ed25519 keys apart from the OB signing keys, private halves sealed", async () => {
    const issuer = (await a.services.issuers.findBySlug("univ-a"))!;
    const rows = await a.database.db.selectFrom("actor_keys").selectAll().where("owner", "=", issuer.id).execute();
    expect(rows.map((r) => r.algorithm).sort()).toEqual(["Ed25519", "RSASSA-PKCS1-v1_5"]);
    for (const r of rows) {
      expect(r.private_jwk_sealed).toMatch(/^v1\./);
      expect(r.private_jwk_sealed).not.toContain('"d"');
    }
  });

  it("answers 406 to a browser asking for a collection that has no page", async () => {
    const res = await fetch(`${a.url}/issuers/univ-a/followers`, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(406);
  });

  it("serves the node's Application actor", async () => {
    const res = await fetch(`${a.url}/issuers/_node`, { headers: { Accept: AP_ACCEPT } });
    const actor = (await res.json()) as { type: string; preferredUsername: string; publicKey: { id: string } };
    expect(actor.type).toBe("Application");
    expect(actor.preferredUsername).toBe("127.0.0.1");
    expect(actor.publicKey.id).toBe(`${a.url}/issuers/_node#main-key`);
  });

  it("lets another node look the actor up by URL (signed fetch, loopback allowed in tests)", async () => {
    const ctx = b.services.federation.federation!.createContext(new URL(b.url), undefined);
    const actor = await ctx.lookupObject(`${a.url}/issuers/univ-a`);
    expect(actor?.constructor.name).toBe("Organization");
    expect(actor?.id?.href).toBe(`${a.url}/issuers/univ-a`);
  });
});

describe("discovery", () => {
  it("finds an issuer by WebFinger acct:{slug}@{host}", async () => {
    const host = new URL(a.url).host;
    const res = await fetch(`${a.url}/.well-known/webfinger?resource=${encodeURIComponent(`acct:univ-a@${host}`)}`);
    expect(res.status).toBe(200);
    const jrd = (await res.json()) as { subject: string; links: { rel: string; type?: string; href?: string }[] };
    expect(jrd.subject).toBe(`acct:univ-a@${host}`);
    expect(jrd.links.find((l) => l.rel === "self")).toMatchObject({ type: "application/activity+json", href: `${a.url}/issuers/univ-a` });
    const unknown = await fetch(`${a.url}/.well-known/webfinger?resource=${encodeURIComponent(`acct:nobody@${host}`)}`);
    expect(unknown.status).toBe(404);
  });

  it("publishes NodeInfo 2.1 with software francebadge and usage counts", async () => {
    const wk = (await (await fetch(`${a.url}/.well-known/nodeinfo`)).json()) as { links: { rel: string; href: string }[] };
    const link = wk.links.find((l) => l.rel === "http://nodeinfo.diaspora.software/ns/schema/2.1")!;
    expect(link.href).toBe(`${a.url}/nodeinfo/2.1`);
    const info = (await (await fetch(link.href)).json()) as { software: { name: string; version: string }; protocols: string[]; usage: { users: { total: number }; localPosts: number } };
    expect(info.software.name).toBe("francebadge");
    expect(info.protocols).toEqual(["activitypub"]);
    expect(info.usage.users.total).toBe(1);
    expect(info.usage.localPosts).toBe(0);
  });
});

describe("inbox", () => {
  it("refuses an unsigned POST with 401", async () => {
    const body = JSON.stringify({ "@context": "https://www.w3.org/ns/activitystreams", id: `${b.url}/x#follow`, type: "Follow", actor: `${b.url}/issuers/univ-b`, object: `${a.url}/issuers/univ-a` });
    for (const path of ["/issuers/univ-a/inbox", "/inbox"]) {
      const res = await fetch(`${a.url}${path}`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body });
      expect(res.status).toBe(401);
    }
  });

  it("refuses an oversized POST with 413 before reading it", async () => {
    const res = await fetch(`${a.url}/inbox`, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body: "x".repeat(300 * 1024) });
    expect(res.status).toBe(413);
  });
});
