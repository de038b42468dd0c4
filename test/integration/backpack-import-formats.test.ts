import { strFromU8, unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { signedVcJwt } from "../fixtures/verification/vc-jwt.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// Issue 5 follow-ups: the import takes our PDF certificates (the credential attached to them), keeps
// a VC-JWT as the token it came as (the decoded JSON does not verify on its own), and is rate-limited.
describe("backpack import: PDF certificates, VC-JWT, rate limit", () => {
  let a: TestNode;
  let b: TestNode;
  let issuer: IssuerRow;
  let template: Achievement;
  let learner: HttpClient;
  const LEARNER = "noa@etu.example";

  async function upload(client: HttpClient, bytes: Uint8Array, filename: string, type: string): Promise<Response> {
    if (!client.csrf) await client.get("/");
    const form = new FormData();
    form.set("_csrf", client.csrf);
    form.set("file", new Blob([bytes as BlobPart], { type }), filename);
    return client.request("/backpack/import", { method: "POST", body: form });
  }
  const entriesOf = async (email: string) => {
    const user = (await a.services.accounts.findByEmail(email))!;
    return a.database.db.selectFrom("backpack_entries").selectAll().where("user_id", "=", user.id).where("external_key", "is not", null).execute();
  };
  const verifyOnA = async (body: string | Uint8Array) => (await (await fetch(`${a.url}/api/v1/verify`, { method: "POST", body: body as BodyInit, headers: { "Content-Type": "text/plain" } })).json()) as { verified: boolean };

  beforeAll(async () => {
    a = await startTestNode();
    b = await startTestNode();
    const created = await b.services.issuers.create(cliActor, { slug: "ecole-b", name: "École B", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    const t = await b.services.achievements.define(cliActor, issuer, { name: "Sauvetage", description: "PSE1", criteria: { narrative: "35 heures" } }, { publish: true });
    if (!t.ok) throw new Error("template");
    template = t.value;
    learner = await a.signIn(LEARNER);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("offers .pdf in the file input and imports another node's PDF certificate", async () => {
    const form = (await learner.text("/backpack/import")).body;
    expect(form).toMatch(/<input id="f-file" name="file" type="file" accept="[^"]*\.pdf[^"]*application\/pdf/);
    const [row] = await b.services.credentials.issueMany(cliActor, issuer, template, [{ recipient: LEARNER, recipientType: "emailAddress", name: "Noa" }]);
    const pdf = await fetch(`${b.url}/credentials/${row!.id}.pdf`);
    expect(pdf.status).toBe(200);
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect((await upload(learner, bytes, "certificat.pdf", "application/pdf")).status).toBe(303);
    const entry = (await entriesOf(LEARNER)).find((e) => e.external_key === `ob3:${b.url}/credentials/${row!.id}`);
    expect(entry).toMatchObject({ external_kind: "ob3", external_name: "Sauvetage", external_issuer: "École B", external_source: "file:certificat.pdf", external_recipient: "match", external_jwt: null });
    const page = (await learner.text(`/backpack/imported/${entry!.id}`)).body;
    expect(page).toContain("depuis le fichier certificat.pdf");
    // What the learner downloads back is the signed credential: it verifies on its own.
    const json = await learner.get(`/backpack/imported/${entry!.id}/credential.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get("Content-Disposition")).toMatch(/\.json"$/);
    expect((await verifyOnA(await json.text())).verified).toBe(true);
  });

  it("keeps a VC-JWT as received: shown decoded, downloaded and exported as the token, which verifies", async () => {
    const { jws, id } = await signedVcJwt("Badge JWT collé");
    expect((await learner.submit("/backpack/import", { json: jws })).status).toBe(303);
    const uploaded = await signedVcJwt("Badge JWT fichier");
    expect((await upload(learner, new TextEncoder().encode(`${uploaded.jws}\n`), "badge.jwt", "application/jwt")).status).toBe(303);

    const rows = await entriesOf(LEARNER);
    const pasted = rows.find((e) => e.external_key === `ob3:${id}`)!;
    expect(pasted).toMatchObject({ external_jwt: jws, external_name: "Badge JWT collé", external_recipient: "unknown" });
    expect(JSON.parse(pasted.external_document!)).toMatchObject({ id, name: "Badge JWT collé" });
    expect(rows.find((e) => e.external_key === `ob3:${uploaded.id}`)!.external_jwt).toBe(uploaded.jws); // trimmed, as signed

    const shown = (await learner.text(`/backpack/imported/${pasted.id}`)).body;
    expect(shown).toContain("Badge JWT collé");
    expect(shown).toContain(`/backpack/imported/${pasted.id}/credential.jwt`);
    expect(shown).toContain("Télécharger le badge (VC-JWT, tel que reçu)");
    expect((await learner.text("/backpack")).body).toContain("Badge JWT collé");

    const download = await learner.get(`/backpack/imported/${pasted.id}/credential.jwt`);
    expect(download.status).toBe(200);
    expect(download.headers.get("Content-Type")).toBe("application/vc+jwt");
    expect(download.headers.get("Content-Disposition")).toMatch(/\.jwt"$/);
    const token = await download.text();
    expect(token).toBe(jws);
    expect((await verifyOnA(token)).verified).toBe(true);
    expect((await verifyOnA(pasted.external_document!)).verified).toBe(false); // why the token is kept

    const zip = unzipSync(new Uint8Array(await (await learner.get("/backpack/export")).arrayBuffer()));
    expect(strFromU8(zip[`imported/${pasted.id}.jwt`]!)).toBe(jws);
    expect(zip[`imported/${pasted.id}.json`]).toBeUndefined();
    expect(JSON.parse(strFromU8(zip["profile.json"]!)).imported.map((i: { file: string }) => i.file)).toContain(`imported/${pasted.id}.jwt`);
  });

  it("refuses the 1EdTech simple.jwt sample (no key named), nothing stored", async (ctx) => {
    const SAMPLE = "ob3/samples/1edtech-validator/ob30/simple.jwt";
    if (skipIfNoShared(ctx, SAMPLE)) return;
    const before = (await entriesOf(LEARNER)).length;
    const res = await upload(learner, new Uint8Array(readShared(SAMPLE)), "simple.jwt", "application/jwt");
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Badge non importé");
    expect(await entriesOf(LEARNER)).toHaveLength(before);
  });

  it("rate-limits imports per account: a clear 429 in French and English, nothing imported", async () => {
    const busy = await a.signIn("presse@etu.example");
    for (let i = 0; i < 20; i++) expect((await busy.submit("/backpack/import", { json: '{"hello":"world"}' })).status).toBe(422);
    const { jws } = await signedVcJwt("Badge de trop");
    const limited = await busy.submit("/backpack/import", { json: jws });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.text()).toMatch(/Trop d&#39;imports en peu de temps : rien n&#39;a été importé\. Réessayez dans \d+ secondes\./);
    const english = await busy.submit("/backpack/import", { json: jws }, { "Accept-Language": "en" });
    expect(english.status).toBe(429);
    expect(await english.text()).toMatch(/Too many imports in a short time: nothing was imported\. Try again in \d+ seconds\./);
    expect(await entriesOf("presse@etu.example")).toHaveLength(0);
    // Another account is not held back by this one.
    expect((await learner.submit("/backpack/import", { json: (await signedVcJwt("Badge suivant")).jws })).status).toBe(303);
  });
});
