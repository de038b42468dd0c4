import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

describe("issuer dashboard", () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
    const s = node.services;
    const parent = await s.issuers.create(cliActor, { slug: "univ", name: "Université", description: "", website: null, email: null, logoUrl: null, parent: null });
    const child = await s.issuers.create(cliActor, { slug: "iut", name: "IUT", description: "", website: null, email: null, logoUrl: null, parent: "univ" });
    if (!parent.ok || !child.ok) throw new Error("issuers");
    const t = await s.achievements.define(cliActor, child.value, { name: "Secourisme", description: "PSC1", criteria: { narrative: "Formation suivie" } }, { publish: true });
    if (!t.ok) throw new Error("template");
    await s.achievements.define(cliActor, parent.value, { name: "Brouillon", description: "x", criteria: { narrative: "y" } });
    const issued = await s.credentials.issueMany(cliActor, child.value, t.value, ["a@x.fr", "b@x.fr", "c@x.fr"].map((recipient) => ({ recipient, recipientType: "emailAddress" })));
    await s.credentials.revoke(cliActor, issued[0]!.id, "erreur");
    await node.signIn("viewer@univ.example");
    await s.members.add(cliActor, parent.value, { email: "viewer@univ.example", role: "viewer" });
  });
  afterAll(async () => { await node?.close(); });

  it("counts templates and credentials of the space and its sub-spaces, with a monthly chart", async () => {
    const viewer = await node.signIn("viewer@univ.example");
    const page = await viewer.text("/issuers/univ/dashboard");
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<strong>3<\/strong> badges émis/);
    expect(page.body).toMatch(/<strong>2<\/strong> valides/);
    expect(page.body).toMatch(/<strong>1<\/strong> révoqués/);
    expect(page.body).toMatch(/<strong>1<\/strong> modèles publiés/);
    expect(page.body).toMatch(/<strong>1<\/strong> brouillons/);
    expect(page.body).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(page.body).toContain("<title>Badges émis par mois");
    expect(page.body).toMatch(/Secourisme<\/a><\/td><td>2</);
  });

  it("is for staff only", async () => {
    const outsider = await node.signIn("outsider@else.example");
    expect((await outsider.get("/issuers/univ/dashboard")).status).toBe(403);
    expect((await node.client().get("/issuers/univ/dashboard")).status).toBe(303);
  });
});
