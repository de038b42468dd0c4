import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { createIssuerWithTemplate } from "../helpers/issuing.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// Issue 5, "import into the backpack a badge from elsewhere": node B issues, the learner of node
// A imports (pasted OB 3.0 JSON, baked PNG and SVG, OB 2.0 assertion URL, a 1EdTech sample). Node
// A's verifier really checks each one over loopback HTTP (B's keys, status list, hosted objects).
describe("backpack: importing badges from elsewhere", () => {
  let a: TestNode;
  let b: TestNode;
  let issuer: IssuerRow;
  let template: Achievement;
  let learner: HttpClient;
  const LEARNER = "lea@etu.example";
  const DID_KEY_SAMPLE = "ob3/samples/1edtech-validator/ob30/simple-did-key-method.json";

  async function issueOnB(recipient: string): Promise<string> {
    const [row] = await b.services.credentials.issueMany(cliActor, issuer, template, [{ recipient, recipientType: "emailAddress", name: "Léa Durand" }]);
    return row!.id;
  }

  async function fileOf(url: string): Promise<Uint8Array> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  }

  // The import form as a browser posts it: multipart, with the CSRF token.
  async function upload(bytes: Uint8Array, filename: string, type: string): Promise<Response> {
    if (!learner.csrf) await learner.get("/");
    const form = new FormData();
    form.set("_csrf", learner.csrf);
    form.set("file", new Blob([bytes as BlobPart], { type }), filename);
    return learner.request("/backpack/import", { method: "POST", body: form });
  }

  const entries = () => a.database.db.selectFrom("backpack_entries").selectAll().where("external_key", "is not", null).execute();

  beforeAll(async () => {
    a = await startTestNode();
    b = await startTestNode();
    ({ issuer, template } = await createIssuerWithTemplate(b, "ecole-b", "École B", { name: "Secourisme", description: "PSC1", criteria: { narrative: "Formation de 7 heures" } }));
    learner = await a.signIn(LEARNER);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("imports a pasted OB 3.0 credential of another node once, shown as external with its origin", async () => {
    const id = await issueOnB(LEARNER);
    const json = Buffer.from(await fileOf(`${b.url}/credentials/${id}.json`)).toString("utf8");
    const res = await learner.submit("/backpack/import", { json });
    expect(res.status).toBe(303);
    const page = (await learner.text("/backpack")).body;
    expect(page).toContain("Secourisme");
    expect(page).toContain("Externe");
    expect(page).toContain("émis à l&#39;une de vos adresses");
    expect(page).toContain("Badge « Secourisme » vérifié et importé.");
    const [entry] = await entries();
    expect(entry).toMatchObject({ external_kind: "ob3", external_name: "Secourisme", external_issuer: "École B", external_source: "json", external_recipient: "match", credential_id: null, status: "accepted", visibility: "private" });
    expect(JSON.parse(entry!.external_document!).id).toBe(`${b.url}/credentials/${id}`);

    // The same credential again: one entry, and the learner is told it is already there.
    expect((await learner.submit("/backpack/import", { json })).status).toBe(303);
    expect((await learner.text("/backpack")).body).toContain("est déjà dans votre sac à dos");
    expect(await entries()).toHaveLength(1);
  });

  it("imports baked PNG and SVG files and an OB 2.0 assertion URL", async () => {
    const png = await issueOnB(LEARNER);
    expect((await upload(await fileOf(`${b.url}/credentials/${png}.png`), "secourisme.png", "image/png")).status).toBe(303);
    const svg = await issueOnB(LEARNER);
    expect((await upload(await fileOf(`${b.url}/credentials/${svg}.svg`), "secourisme.svg", "image/svg+xml")).status).toBe(303);
    const ob2 = await issueOnB(LEARNER);
    expect((await learner.submit("/backpack/import", { url: `${b.url}/ob2/assertions/${ob2}` })).status).toBe(303);
    const rows = await entries();
    const of = (key: string) => rows.find((r) => r.external_key!.includes(key));
    expect(of(png)).toMatchObject({ external_kind: "ob3", external_source: "file:secourisme.png", external_recipient: "match" });
    expect(of(svg)).toMatchObject({ external_kind: "ob3", external_source: "file:secourisme.svg" });
    expect(of(ob2)).toMatchObject({ external_kind: "ob2", external_name: "Secourisme", external_issuer: "École B", external_source: `url:${b.url}/ob2/assertions/${ob2}`, external_recipient: "match" });
    const page = (await learner.text("/backpack")).body;
    expect(page).toContain("Badge Open Badges 2.0 importé");
    expect(page).toContain("depuis le fichier secourisme.svg");
  });

  it("imports the 1EdTech did:key sample (no e-mail named) and refuses it altered by one character", async (ctx) => {
    if (skipIfNoShared(ctx, DID_KEY_SAMPLE)) return;
    const before = (await entries()).length;
    const doc = JSON.parse(readShared(DID_KEY_SAMPLE).toString("utf8"));
    const tampered = { ...doc, name: doc.name + "!" };
    const refused = await learner.submit("/backpack/import", { json: JSON.stringify(tampered) });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain("Badge non importé : il n&#39;a pas passé la vérification");
    expect(html).toMatch(/signature/i);
    expect(await entries()).toHaveLength(before);

    expect((await learner.submit("/backpack/import", { json: JSON.stringify(doc) })).status).toBe(303);
    const sample = (await entries()).find((r) => r.external_key === `ob3:${doc.id}`);
    expect(sample).toMatchObject({ external_name: "test 1", external_issuer: "Andy F. Miller", external_recipient: "unknown" });
    expect((await learner.text("/backpack")).body).toContain("le badge ne nomme pas d&#39;adresse e-mail");
  });

  it("refuses, with the reason and nothing stored: revoked, someone else's, this node's own, not a badge, too large", async () => {
    const before = (await entries()).length;
    const revoked = await issueOnB(LEARNER);
    expect((await b.services.credentials.revoke(cliActor, revoked, "Erreur de saisie")).ok).toBe(true);
    const res = await learner.submit("/backpack/import", { json: Buffer.from(await fileOf(`${b.url}/credentials/${revoked}.json`)).toString("utf8") });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Badge révoqué");

    const other = await issueOnB("quelqu-un@ailleurs.example");
    const otherRes = await learner.submit("/backpack/import", { json: Buffer.from(await fileOf(`${b.url}/credentials/${other}.json`)).toString("utf8") });
    expect(otherRes.status).toBe(422);
    expect(await otherRes.text()).toContain("émis à une adresse qui n&#39;est pas l&#39;une des vôtres");

    const ownIssuer = await a.services.issuers.create(cliActor, { slug: "ecole-a", name: "École A", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!ownIssuer.ok) throw new Error("issuer");
    const ownTemplate = await a.services.achievements.define(cliActor, ownIssuer.value, { name: "Tutorat", description: "Tuteur", criteria: { narrative: "10 séances" } }, { publish: true });
    if (!ownTemplate.ok) throw new Error("template");
    const [own] = await a.services.credentials.issueMany(cliActor, ownIssuer.value, ownTemplate.value, [{ recipient: LEARNER, recipientType: "emailAddress", name: "Léa" }]);
    const ownRes = await learner.submit("/backpack/import", { json: Buffer.from(await fileOf(`${a.url}/credentials/${own!.id}.json`)).toString("utf8") });
    expect(ownRes.status).toBe(422);
    expect(await ownRes.text()).toContain("émis sur ce nœud");

    const notBadge = await learner.submit("/backpack/import", { json: '{"hello":"world"}' });
    expect(notBadge.status).toBe(422);
    expect(await notBadge.text()).toContain("Badge non importé");

    expect((await learner.submit("/backpack/import", {})).status).toBe(422);

    const huge = await learner.submit("/backpack/import", { json: `{"pad":"${"x".repeat(a.config.verification.maxBytes + 10)}"}` });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain("dépasse la taille permise");
    expect(await entries()).toHaveLength(before);
  });

  it("puts an imported badge on a public page, exports it, and removes it", async () => {
    const [entry] = (await entries()).filter((e) => e.external_kind === "ob2");
    const saved = await learner.submit("/backpack/pages", { title: "Mes formations", intro: "", published: "1", entries: entry!.id });
    const pageUrl = saved.headers.get("Location")!;
    expect((await a.client().text(pageUrl)).body).not.toContain("Secourisme"); // private badge
    expect((await a.client().get(`/backpack/imported/${entry!.id}`)).status).toBe(404);
    expect((await learner.submit(`/backpack/entries/${entry!.id}`, { visibility: "public" })).status).toBe(303);
    const visitor = (await a.client().text(pageUrl)).body;
    expect(visitor).toContain("Secourisme");
    expect(visitor).toContain(`/backpack/imported/${entry!.id}`);
    const shown = await a.client().text(`/backpack/imported/${entry!.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain("École B");
    expect(shown.body).not.toContain("Retirer ce badge"); // only the owner may remove it

    const zip = unzipSync(new Uint8Array(await (await learner.get("/backpack/export")).arrayBuffer()));
    expect(JSON.parse(strFromU8(zip[`imported/${entry!.id}.json`]!)).type).toContain("Assertion");
    expect(JSON.parse(strFromU8(zip["profile.json"]!)).imported.map((i: { file: string }) => i.file)).toContain(`imported/${entry!.id}.json`);

    const stranger = await a.signIn("autre@etu.example");
    expect((await stranger.submit(`/backpack/imported/${entry!.id}/delete`, {})).status).toBe(404);
    expect((await learner.submit(`/backpack/imported/${entry!.id}/delete`, {})).status).toBe(303);
    expect((await a.client().get(`/backpack/imported/${entry!.id}`)).status).toBe(404);
    expect((await a.client().text(pageUrl)).body).not.toContain("Secourisme");
    expect((await entries()).some((e) => e.id === entry!.id)).toBe(false);
  });
  // A credential page is public, so is its JSON: a badge naming no address of the importer (an
  // eppn they cannot prove, a DID) may be kept, never shown as theirs.
  it("an eppn badge: matched against the account's SSO eppn; imported by anyone else, it stays private", async () => {
    const EPPN = "ext:eduPersonPrincipalName";
    const [row] = await b.services.credentials.issueMany(cliActor, issuer, template, [{ recipient: "alice@univ-b.example", recipientType: EPPN, name: "Alice" }]);
    const json = Buffer.from(await fileOf(`${b.url}/credentials/${row!.id}.json`)).toString("utf8");
    const withEppn = async (email: string, eppn: string | null) => {
      const client = await a.signIn(email);
      const user = (await a.services.accounts.findByEmail(email))!;
      const now = new Date().toISOString();
      if (eppn) await a.database.db.insertInto("user_identities").values({ id: `id-${user.id}`, user_id: user.id, provider: "saml:https://idp.univ-b.example", subject: eppn, subject_type: "eppn", eppn, email: null, email_verified: 0, affiliation: null, home_org: null, created_at: now, last_login_at: now }).execute();
      return { client, user };
    };
    const entryOf = async (userId: string) => (await entries()).find((e) => e.user_id === userId && e.external_key?.includes(row!.id));

    const alice = await withEppn("alice.martin@perso.example", "alice@univ-b.example");
    expect((await alice.client.submit("/backpack/import", { json })).status).toBe(303);
    const own = (await entryOf(alice.user.id))!;
    expect(own.external_recipient).toBe("match");
    expect((await alice.client.submit(`/backpack/entries/${own.id}`, { visibility: "public" })).status).toBe(303);
    expect((await a.client().get(`/backpack/imported/${own.id}`)).status).toBe(200);

    const bob = await withEppn("bob@etu.example", "bob@univ-b.example");
    const refused = await bob.client.submit("/backpack/import", { json });
    expect(refused.status).toBe(422);
    expect(await entryOf(bob.user.id)).toBeUndefined();

    const mallory = await withEppn("mallory@etu.example", null);
    expect((await mallory.client.submit("/backpack/import", { json })).status).toBe(303);
    const kept = (await entryOf(mallory.user.id))!;
    expect(kept).toMatchObject({ external_recipient: "unknown", visibility: "private" });
    const list = (await mallory.client.text("/backpack")).body;
    expect(list).toContain("Privé seulement");
    expect(list).not.toContain(`name="visibility" value="public"`);
    const made = await mallory.client.submit(`/backpack/entries/${kept.id}`, { visibility: "public" });
    expect(made.status).toBe(303);
    expect((await mallory.client.text("/backpack")).body).toContain("ne peut pas être rendu public");
    expect((await entryOf(mallory.user.id))!.visibility).toBe("private");
    const saved = await mallory.client.submit("/backpack/pages", { title: "Mon CV", intro: "", published: "1", entries: kept.id });
    const pageUrl = saved.headers.get("Location")!;
    expect(await a.services.backpack.pageEntryIds(pageUrl.split("/").pop()!)).toEqual([]);
    // Even made public by other means (an older import): not shown to anyone but its holder.
    await a.database.db.updateTable("backpack_entries").set({ visibility: "public" }).where("id", "=", kept.id).execute();
    await a.database.db.insertInto("learner_page_entries").values({ page_id: pageUrl.split("/").pop()!, entry_id: kept.id, position: 0 }).execute();
    expect((await a.client().get(`/backpack/imported/${kept.id}`)).status).toBe(404);
    expect((await a.client().get(`/backpack/imported/${kept.id}/credential.json`)).status).toBe(404);
    expect((await a.client().text(pageUrl)).body).not.toContain("Secourisme");
    expect((await mallory.client.get(`/backpack/imported/${kept.id}`)).status).toBe(200);
    const en = await mallory.client.text(`/backpack/imported/${kept.id}`);
    expect(en.body).toContain("Privé seulement");
  });
});
