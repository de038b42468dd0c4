import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// Template gaps found by the audit of issue 3: editions per version, upload order, 413 page,
// edition language, public page facts, og:image, image removal, no-op saves, draft images, embedded copies.

const fields = {
  name: "Gestion de projet",
  description: "Conduire un projet en équipe.",
  criteriaNarrative: "Version un des critères",
  achievementType: "Competency",
  inLanguage: "fr",
  enName: "Project management",
  enDescription: "Lead a team project.",
  enCriteriaNarrative: "English criteria, version one",
};

function png(): Uint8Array {
  const p = new PNG({ width: 64, height: 64 });
  p.data.fill(200);
  return PNG.sync.write(p);
}

describe("badge templates: audit fixes", () => {
  let node: TestNode;
  let creator: HttpClient;
  let issuer: IssuerRow;

  beforeAll(async () => {
    node = await startTestNode();
    const created = await node.services.issuers.create(cliActor, { slug: "audit", name: "Audit U", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    creator = await node.signIn("creator@audit.example");
    await node.services.members.add(cliActor, issuer, { email: "creator@audit.example", role: "creator" });
  });
  afterAll(async () => { await node?.close(); });

  async function createDraft(extra: Record<string, string> = {}): Promise<string> {
    const res = await creator.submit("/issuers/audit/achievements", { ...fields, ...extra });
    expect(res.status).toBe(303);
    return res.headers.get("Location")!.split("/").pop()!;
  }
  const json = async (path: string) => {
    const res = await fetch(`${node.url}${path}`, { headers: { Accept: "application/ld+json" } });
    return { status: res.status, doc: res.status === 200 ? ((await res.json()) as any) : null };
  };
  const countImages = async () => Number((await node.database.db.selectFrom("images").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  function multipart(path: string, values: Record<string, string>, file?: { bytes: Uint8Array; name: string; type: string }) {
    const form = new FormData();
    form.set("_csrf", creator.csrf);
    for (const [k, v] of Object.entries(values)) form.set(k, v);
    if (file) form.set("image", new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
    return creator.request(path, { method: "POST", body: form });
  }

  it("gives each version's English edition its own URL: version 1's related edition still shows version 1's text after an edit", async () => {
    const id = await createDraft();
    expect((await creator.submit(`/achievements/${id}/publish`, {})).status).toBe(303);
    const v1 = (await json(`/achievements/${id}`)).doc;
    const link = v1.related.find((r: any) => r.inLanguage === "en").id;
    expect(link).toBe(`${node.url}/achievements/${id}/versions/1/en`);
    expect((await creator.submit(`/achievements/${id}`, { ...fields, enCriteriaNarrative: "English criteria, version two" })).status).toBe(303);

    const edition1 = await fetch(link, { headers: { Accept: "application/ld+json" } });
    expect(edition1.status).toBe(200);
    const doc = (await edition1.json()) as any;
    expect(doc).toMatchObject({ id: link, version: "1", inLanguage: "en", name: "Project management" });
    expect(doc.criteria.narrative).toBe("English criteria, version one");
    expect((await json(`/achievements/${id}/versions/1`)).doc.related[0].id).toBe(link);
    // The short URL is the current edition; version 2 links to its own.
    expect((await json(`/achievements/${id}/en`)).doc.criteria.narrative).toBe("English criteria, version two");
    expect((await json(`/achievements/${id}`)).doc.related[0].id).toBe(`${node.url}/achievements/${id}/versions/2/en`);
    const page = await (await node.client().get(`/achievements/${id}/versions/1/en`)).text();
    expect(page).toContain("English criteria, version one");
    expect(page).toContain(`href="${node.url}/achievements/${id}/versions/1"`);
    expect((await json(`/achievements/${id}/versions/1/de`)).status).toBe(404);
    expect((await json(`/achievements/${id}/versions/9/en`)).status).toBe(404);
  });

  it("stores no uploaded image when the template form is rejected", async () => {
    const before = await countImages();
    const res = await multipart("/issuers/audit/achievements", { ...fields, name: "" }, { bytes: png(), name: "badge.png", type: "image/png" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('id="f-name-error"');
    expect(await countImages()).toBe(before);
    const ok = await multipart("/issuers/audit/achievements", fields, { bytes: png(), name: "badge.png", type: "image/png" });
    expect(ok.status).toBe(303);
    expect(await countImages()).toBe(before + 1);
  });

  it("answers an upload over the body limit with a clear page and a way back (form), JSON for API clients", async () => {
    const big = new Uint8Array(9 * 1024 * 1024);
    const res = await multipart("/issuers/audit/achievements", fields, { bytes: big, name: "huge.png", type: "image/png" });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("trop volumineux");
    expect(html).toContain("2 Mo");
    expect(html).toMatch(/<a href="[^"]+">/);
    const en = await fetch(`${node.url}/issuers/audit/achievements`, { method: "POST", body: big, headers: { "Accept-Language": "en", "Content-Type": "multipart/form-data; boundary=x" } });
    expect(en.status).toBe(413);
    expect(await en.text()).toContain("The file is too large: an image may be at most 2 MB");
    const api = await fetch(`${node.url}/api/v1/issuers/audit/achievements`, { method: "POST", body: big, headers: { "Content-Type": "application/json", Accept: "application/json" } });
    expect(api.status).toBe(413);
    expect(((await api.json()) as any).errors[0]).toMatchObject({ field: "_body" });
    // The way back stays on this site, even for a Referer path that a browser reads as another host.
    const back = async (referer: string) => /<a href="([^"]+)">/.exec(await (await fetch(`${node.url}/issuers/audit/achievements`, { method: "POST", body: big, headers: { Referer: referer, "Content-Type": "multipart/form-data; boundary=x" } })).text())?.[1];
    expect(await back(`${node.url}/issuers/audit/achievements/new?x=1`)).toBe("/issuers/audit/achievements/new?x=1");
    expect(await back(`${node.url}//evil.example/x`)).toBe("/");
    expect(await back("https://evil.example/x")).toBe("/");
  });

  it("makes the second edition French when the main language is English, and says a missing description is required", async () => {
    const form = await (await creator.get("/issuers/audit/achievements/new")).text();
    expect(form).toContain("Édition anglaise");
    const id = await createDraft({ inLanguage: "en", name: "Teamwork", description: "Work in a team.", enName: "Travail en équipe", enDescription: "Travailler en équipe." });
    const doc = (await node.services.achievements.load(id))!.content;
    expect(doc.inLanguage).toBe("en");
    expect(doc.edition).toMatchObject({ inLanguage: "fr", name: "Travail en équipe" });
    const edit = await (await creator.get(`/achievements/${id}/edit`)).text();
    expect(edit).toContain("Édition française");
    const missing = await creator.submit("/issuers/audit/achievements", { ...fields, enDescription: "" });
    expect(missing.status).toBe(422);
    const html = await missing.text();
    expect(html).toMatch(/id="f-enDescription-error">Ce champ est obligatoire/);
  });

  it("shows field of study, code, specialization, language and credits on the public page, and always an og:image", async () => {
    const id = await createDraft({ fieldOfStudy: "Ingénierie", humanCode: "GP-42", specialization: "Agilité", creditsAvailable: "3" });
    await creator.submit(`/achievements/${id}/publish`, {});
    const html = await (await node.client().get(`/achievements/${id}`)).text();
    for (const text of ["Ingénierie", "GP-42", "Agilité", "Crédits ECTS", "Domaine d&#39;études", "Français"]) expect(html).toContain(text);
    expect(html).toContain(`property="og:image" content="${node.url}/achievements/${id}/image.png"`);
    expect((await fetch(`${node.url}/achievements/${id}/image.png`)).status).toBe(200);
  });

  it("lets the form remove an image", async () => {
    const res = await multipart("/issuers/audit/achievements", fields, { bytes: png(), name: "badge.png", type: "image/png" });
    const id = res.headers.get("Location")!.split("/").pop()!;
    const withImage = (await node.services.achievements.load(id))!.content;
    expect(withImage.imageId).toBeTruthy();
    expect(await (await creator.get(`/achievements/${id}/edit`)).text()).toContain('name="removeImage"');
    expect((await creator.submit(`/achievements/${id}`, { ...fields, imageId: withImage.imageId!, removeImage: "1" })).status).toBe(303);
    expect((await node.services.achievements.load(id))!.content.imageId).toBeUndefined();
  });

  it("does not make a new version when a published template is saved unchanged, and says so", async () => {
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    const res = await creator.submit(`/achievements/${id}`, fields);
    expect(res.status).toBe(303);
    expect((await node.services.achievements.load(id))!.row.version).toBe(1);
    expect(await (await creator.get(`/achievements/${id}`)).text()).toContain("Rien n&#39;a changé");
    expect((await creator.submit(`/achievements/${id}`, { ...fields, name: "Autre nom" })).status).toBe(303);
    expect((await node.services.achievements.load(id))!.row.version).toBe(2);
  });

  it("hides a draft's default image from the public", async () => {
    const id = await createDraft();
    expect((await fetch(`${node.url}/achievements/${id}/image.png`)).status).toBe(404);
    await creator.submit(`/achievements/${id}/publish`, {});
    expect((await fetch(`${node.url}/achievements/${id}/image.png`)).status).toBe(200);
  });

  it("keeps an issued credential's embedded copy when the template is edited (v1 in the credential, v2 on the page)", async () => {
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    const [row] = await node.services.credentials.issueMany(cliActor, issuer, (await node.services.achievements.load(id))!, [{ recipient: "lea@etu.example", recipientType: "emailAddress" }]);
    expect((await creator.submit(`/achievements/${id}`, { ...fields, criteriaNarrative: "Version deux des critères" })).status).toBe(303);
    const stored = await node.database.db.selectFrom("credentials").select("document").where("id", "=", row!.id).executeTakeFirstOrThrow();
    const embedded = JSON.parse(stored.document).credentialSubject.achievement;
    expect(embedded).toMatchObject({ version: "1", criteria: { narrative: "Version un des critères" } });
    expect(embedded.related[0].id).toBe(`${node.url}/achievements/${id}/versions/1/en`);
    const served = (await (await fetch(`${node.url}/credentials/${row!.id}.json`)).json()) as any;
    expect(served.credentialSubject.achievement.criteria.narrative).toBe("Version un des critères");
    const page = await (await node.client().get(`/achievements/${id}`)).text();
    expect(page).toContain("Version deux des critères");
    expect(page).not.toContain("Version un des critères");
  });
});
