// federation.* settings: private addresses only on loopback by default; a node can switch federation off.
import { afterAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { resolveConfig } from "../../src/config/load-config.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { createIssuer } from "./federation-kit.ts";

const SECRET = { FRANCEBADGE_SECRET: "test-secret-test-secret-test-secret-000" };

describe("federation settings", () => {
  it("allows private addresses by default only when the origin is loopback", () => {
    const local = resolveConfig({ origin: "http://127.0.0.1:8080" }, SECRET);
    const prod = resolveConfig({ origin: "https://badges.example.edu" }, SECRET);
    expect(local.ok && local.config.federation).toEqual({ enabled: true, allowPrivateAddress: true });
    expect(prod.ok && prod.config.federation).toEqual({ enabled: true, allowPrivateAddress: false });
  });

  it("reads FRANCEBADGE_FEDERATION_* from the environment", () => {
    const r = resolveConfig({ origin: "https://badges.example.edu" }, { ...SECRET, FRANCEBADGE_FEDERATION_ENABLED: "false", FRANCEBADGE_FEDERATION_ALLOW_PRIVATE_ADDRESS: "true" });
    expect(r.ok && r.config.federation).toEqual({ enabled: false, allowPrivateAddress: true });
  });

  describe("with federation switched off", () => {
    let node: TestNode;
    afterAll(async () => { await node?.close(); });

    it("answers no ActivityPub request and queues no delivery, while pages and the OB Profile stay", async () => {
      node = await startTestNode({ federation: { enabled: false } });
      const issuer = await createIssuer(node, "solo");
      expect((await fetch(`${node.url}/.well-known/nodeinfo`)).status).toBe(404);
      const ap = await fetch(`${node.url}/issuers/solo`, { headers: { Accept: "application/activity+json" } });
      expect(ap.headers.get("Content-Type")).not.toMatch(/activity\+json/);
      const profile = (await (await fetch(`${node.url}/issuers/solo`, { headers: { Accept: "application/ld+json" } })).json()) as { type: string[] };
      expect(profile.type).toContain("Profile");
      await node.services.achievements.define(systemActor, issuer, { name: "Seul", description: "d", criteria: { narrative: "c" } }, { publish: true });
      const jobs = await node.database.db.selectFrom("jobs").select("id").where("queue", "like", "federation%").execute();
      expect(jobs).toEqual([]);
    });
  });
});
