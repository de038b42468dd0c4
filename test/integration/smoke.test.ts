import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestNode, type TestNode } from "../helpers/node.ts";

describe("a fresh node", () => {
  let node: TestNode;
  beforeAll(async () => { node = await startTestNode(); });
  afterAll(async () => { await node?.close(); });

  it("answers /healthz once the database answers", async () => {
    const res = await fetch(`${node.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("signs a node admin in and lets them create an issuer", async () => {
    const admin = await node.signIn("root@univ.example", { nodeAdmin: true });
    const res = await admin.submit("/issuers/new", { slug: "univ-test", name: "Université de test" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/issuers/univ-test");
    const page = await admin.text("/issuers/univ-test");
    expect(page.body).toContain("Université de test");
  });
});
