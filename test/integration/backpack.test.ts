import { unzipSync, strFromU8 } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { open } from "../../src/shared/secret-box.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

describe("learners: sign-in link, backpack, pages, GDPR", () => {
  let node: TestNode;
  let issuer: IssuerRow;
  let credentialId: string;

  // The sign-in link from the mail outbox (the job payload holds the rendered message).
  async function lastLinkTo(email: string): Promise<string> {
    const jobs = await node.database.db.selectFrom("jobs").select("payload").where("queue", "=", "mail").orderBy("created_at", "desc").execute();
    // The outbox keeps messages sealed at rest (sign-in links are secrets).
    const mail = jobs.map((j) => open(node.config.secret, "mail-outbox", JSON.parse(j.payload).sealed)).find((p) => p.includes(email) && p.includes("/signin/"));
    if (!mail) throw new Error(`no sign-in mail to ${email}`);
    return mail.match(/https?:\/\/[^\s"\\<>]+\/signin\/[A-Za-z0-9_-]+/)![0];
  }

  async function signInByLink(email: string): Promise<HttpClient> {
    const learner = node.client();
    expect((await learner.submit("/signin", { email })).status).toBe(200);
    const link = new URL(await lastLinkTo(email));
    expect((await learner.get(link.pathname)).status).toBe(200);
    const res = await learner.submit(link.pathname, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/backpack");
    return learner;
  }

  beforeAll(async () => {
    node = await startTestNode();
    const created = await node.services.issuers.create(cliActor, { slug: "amu", name: "Aix-Marseille Université", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    const t = await node.services.achievements.define(cliActor, issuer, { name: "Tutorat", description: "Tuteur", criteria: { narrative: "10 séances" } }, { publish: true });
    if (!t.ok) throw new Error("template");
    const [row] = await node.services.credentials.issueMany(cliActor, issuer, t.value, [{ recipient: "zoe@etu.univ-amu.fr", recipientType: "emailAddress", name: "Zoé Martin" }]);
    credentialId = row!.id;
  });
  afterAll(async () => { await node?.close(); });

  it("answers the same for unknown addresses and sends no link", async () => {
    const res = await node.client().submit("/signin", { email: "nobody@nowhere.example" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("nobody@nowhere.example");
    await expect(lastLinkTo("nobody@nowhere.example")).rejects.toThrow();
    expect((await node.client().submit("/signin", { email: "pas-une-adresse" })).status).toBe(422);
  });

  it("signs a learner in by a one-time link and shows the badge pending in the backpack", async () => {
    const learner = await signInByLink("zoe@etu.univ-amu.fr");
    const page = await learner.text("/backpack");
    expect(page.body).toContain("Tutorat");
    expect(page.body).toContain("À accepter");
    const link = new URL(await lastLinkTo("zoe@etu.univ-amu.fr"));
    expect((await node.client().submit(link.pathname, {})).status).toBe(410);
  });

  it("accepts, makes public and builds a public page that visitors see", async () => {
    const learner = await signInByLink("zoe@etu.univ-amu.fr");
    const html = (await learner.text("/backpack")).body;
    const entryId = html.match(/\/backpack\/entries\/([0-9a-f-]+)/)![1]!;
    expect((await learner.submit(`/backpack/entries/${entryId}`, { status: "accepted" })).status).toBe(303);
    const privatePage = await learner.submit("/backpack/pages", { title: "Mon CV de badges", intro: "Étudiante en L3", published: "1", entries: entryId });
    const pageUrl = privatePage.headers.get("Location")!;
    expect((await node.client().text(pageUrl)).body).not.toContain("Tutorat"); // accepted but still private
    await learner.submit(`/backpack/entries/${entryId}`, { visibility: "public" });
    const visitor = await node.client().text(pageUrl);
    expect(visitor.status).toBe(200);
    expect(visitor.body).toContain("Mon CV de badges");
    expect(visitor.body).toContain("Tutorat");
    expect((await learner.submit(`/backpack/entries/not-mine`, { status: "accepted" })).status).toBe(404);
  });

  it("exports every credential and the profile as a zip", async () => {
    const learner = await signInByLink("zoe@etu.univ-amu.fr");
    const res = await learner.get("/backpack/export");
    expect(res.headers.get("content-type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files)).toContain(`credentials/${credentialId}.json`);
    expect(JSON.parse(strFromU8(files[`credentials/${credentialId}.json`]!)).proof).toHaveLength(1);
    expect(JSON.parse(strFromU8(files["profile.json"]!)).email).toBe("zoe@etu.univ-amu.fr");
  });

  it("erases the account but keeps the credential issued and verifiable", async () => {
    const learner = await signInByLink("zoe@etu.univ-amu.fr");
    expect((await learner.submit("/backpack/delete-account", {})).status).toBe(303);
    expect(await node.services.accounts.findByEmail("zoe@etu.univ-amu.fr")).toBeDefined();
    await learner.submit("/backpack/delete-account", { confirm: "yes" });
    expect(await node.services.accounts.findByEmail("zoe@etu.univ-amu.fr")).toBeUndefined();
    const row = await node.services.credentials.find(credentialId);
    expect(row).toMatchObject({ recipient: null, recipient_name: null, status: "active" });
    expect((await fetch(`${node.url}/credentials/${credentialId}.json`)).status).toBe(200);
  });
});
