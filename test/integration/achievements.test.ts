import { readFileSync } from "node:fs";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";

const validFields = {
  name: "Créer de la valeur par l'innovation : niveau intermédiaire",
  description: "L'ingénieur centralien crée de la valeur par l'innovation.",
  criteriaNarrative: "- Sélectionne une méthode de créativité\n- Confronte ses idées à des experts",
  tags: "Innovation, Compétences, Innovation",
  achievementType: "Competency",
  inLanguage: "fr",
  creditsAvailable: "2,5",
  alignment_targetName: "Référentiel de compétences de l'ingénieur centralien",
  alignment_targetUrl: "https://www.centrale-mediterranee.fr/referentiel.pdf",
  alignment_targetFramework: "Centrale",
  alignment_targetCode: "innovation",
  enName: "Creating value through innovation: intermediate level",
  enDescription: "The Centrale engineer creates value through innovation.",
};

describe("badge templates", () => {
  let node: TestNode;
  let creator: HttpClient;
  let viewer: HttpClient;
  let issuer: IssuerRow;

  beforeAll(async () => {
    node = await startTestNode();
    const created = await node.services.issuers.create(cliActor, { slug: "centrale", name: "Centrale", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    creator = await node.signIn("creator@centrale.example");
    viewer = await node.signIn("viewer@centrale.example");
    await node.services.members.add(cliActor, issuer, { email: "creator@centrale.example", role: "creator" });
    await node.services.members.add(cliActor, issuer, { email: "viewer@centrale.example", role: "viewer" });
  });
  afterAll(async () => { await node?.close(); });

  async function createDraft(fields: Record<string, string> = validFields): Promise<string> {
    const res = await creator.submit("/issuers/centrale/achievements", fields);
    expect(res.status).toBe(303);
    return res.headers.get("Location")!.split("/").pop()!;
  }

  it("creates a draft that only staff can see, then publishes it", async () => {
    const id = await createDraft();
    const anonymous = node.client();
    expect((await anonymous.get(`/achievements/${id}`, { Accept: "text/html" })).status).toBe(404);
    const pageRes = await viewer.get(`/achievements/${id}`, { Accept: "text/html" });
    const page = { status: pageRes.status, body: await pageRes.text() };
    expect(page.status).toBe(200);
    expect(page.body).toContain("niveau intermédiaire");
    expect((await creator.submit(`/achievements/${id}/publish`, {})).status).toBe(303);
    const pub = await anonymous.get(`/achievements/${id}`, { Accept: "text/html" });
    const html = await pub.text();
    expect(pub.status).toBe(200);
    expect(html).toContain('property="og:title"');
    expect(html).toContain("<li>Sélectionne une méthode de créativité</li>");
  });

  it("serves OB 3.0 JSON-LD by content negotiation", async () => {
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    const res = await fetch(`${node.url}/achievements/${id}`, { headers: { Accept: "application/ld+json" } });
    expect(res.headers.get("content-type")).toContain("application/ld+json");
    const doc = (await res.json()) as any;
    expect(doc["@context"][0]).toBe("https://www.w3.org/ns/credentials/v2");
    expect(doc.id).toBe(`${node.url}/achievements/${id}`);
    expect(doc.type).toEqual(["Achievement"]);
    expect(doc.tag).toEqual(["Innovation", "Compétences"]);
    expect(doc.creditsAvailable).toBe(2.5);
    expect(doc.alignment[0]).toMatchObject({ type: ["Alignment"], targetCode: "innovation" });
    expect(doc.creator).toMatchObject({ id: `${node.url}/issuers/centrale`, type: ["Profile"], name: "Centrale" });
    expect(doc.related[0]).toMatchObject({ id: `${node.url}/achievements/${id}/versions/1/en`, inLanguage: "en" });
    const en = (await (await fetch(`${node.url}/achievements/${id}/en`, { headers: { Accept: "application/json" } })).json()) as any;
    expect(en.name).toBe(validFields.enName);
    const ob2 = (await (await fetch(`${node.url}/ob2/badgeclasses/${id}`)).json()) as any;
    expect(ob2).toMatchObject({ type: "BadgeClass", issuer: `${node.url}/ob2/issuers/centrale`, tags: ["Innovation", "Compétences"] });
    const ob2Issuer = (await (await fetch(ob2.issuer)).json()) as any;
    expect(ob2Issuer).toMatchObject({ type: "Issuer", name: "Centrale" });
    expect(ob2Issuer.email).toContain("@");
  });

  it("serves an Achievement valid against the official OB 3.0 JSON Schema", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_achievementcredential_schema.json")) return;
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    const { "@context": _context, ...achievement } = (await (await fetch(`${node.url}/achievements/${id}`, { headers: { Accept: "application/ld+json" } })).json()) as any;
    const schema = JSON.parse(readFileSync(sharedPath("ob3", "schema", "ob_v3p0_achievementcredential_schema.json"), "utf8"));
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(schema);
    const validate = ajv.compile({ $ref: `${schema.$id}#/$defs/Achievement` });
    expect(validate(achievement), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...achievement, alignment: [{ type: ["Alignment"], targetName: "x" }] })).toBe(false);
  });

  it("keeps published versions immutable: editing makes version 2, version 1 stays resolvable", async () => {
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    const res = await creator.submit(`/achievements/${id}`, { ...validFields, criteriaNarrative: "Nouveaux critères" });
    expect(res.status).toBe(303);
    const v2 = (await (await fetch(`${node.url}/achievements/${id}`, { headers: { Accept: "application/ld+json" } })).json()) as any;
    expect(v2.version).toBe("2");
    expect(v2.criteria.narrative).toBe("Nouveaux critères");
    const v1 = (await (await fetch(`${node.url}/achievements/${id}/versions/1`, { headers: { Accept: "application/ld+json" } })).json()) as any;
    expect(v1.version).toBe("1");
    expect(v1.criteria.narrative).toBe(validFields.criteriaNarrative);
  });

  it("refuses bad input with messages next to the fields and stores nothing", async () => {
    const before = await node.services.achievements.search({}, { issuerIds: [issuer.id], statuses: ["draft", "published", "archived"] });
    const res = await creator.submit("/issuers/centrale/achievements", {
      ...validFields, name: "", criteriaNarrative: "", alignment_targetUrl: "javascript:alert(1)", creditsAvailable: "beaucoup", achievementType: "Nope",
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('id="f-name-error"');
    expect(html).toContain('id="f-criteriaNarrative-error"');
    expect(html).toContain('id="f-creditsAvailable-error"');
    expect(html).toContain('id="al-0-targetUrl-error"');
    const after = await node.services.achievements.search({}, { issuerIds: [issuer.id], statuses: ["draft", "published", "archived"] });
    expect(after.total).toBe(before.total);
  });

  it("stores HTML as text and always escapes it", async () => {
    const id = await createDraft({ ...validFields, name: "<script>alert(1)</script>", criteriaNarrative: "<img src=x onerror=alert(1)> **gras**" });
    const html = await (await viewer.get(`/achievements/${id}`, { Accept: "text/html" })).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("<strong>gras</strong>");
  });

  it("archives: no more edits, pages stay online", async () => {
    const id = await createDraft();
    await creator.submit(`/achievements/${id}/publish`, {});
    expect((await creator.submit(`/achievements/${id}/archive`, {})).status).toBe(303);
    const edit = await creator.submit(`/achievements/${id}`, validFields);
    expect(edit.status).toBe(422);
    expect((await node.client().get(`/achievements/${id}`, { Accept: "text/html" })).status).toBe(200);
  });

  it("forbids viewers and other issuers' staff from creating or editing", async () => {
    const id = await createDraft();
    expect((await viewer.submit("/issuers/centrale/achievements", validFields)).status).toBe(403);
    expect((await viewer.submit(`/achievements/${id}`, validFields)).status).toBe(403);
    const outsider = await node.signIn("outsider@elsewhere.example");
    expect((await outsider.get(`/achievements/${id}/edit`)).status).toBe(403);
    expect((await outsider.get(`/achievements/${id}`, { Accept: "text/html" })).status).toBe(404);
  });
});
