import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { loadSchemaSet, type SchemaSet } from "../../src/verification/json-schemas.ts";
import { apiTemplateBody } from "../fixtures/api-template-body.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";

type Json = Record<string, any>;

// The templates API reads what it writes (GET → PUT loses nothing), refuses what the OB 3.0 schema
// refuses, and never lets a body choose the template's creator.

const full = {
  ...apiTemplateBody,
  validForDays: 365,
  edition: { inLanguage: "en", name: "Agile project management", description: "Lead a team project the agile way.", criteriaNarrative: "Run a six-week project." },
  resultDescription: [{
    id: "urn:uuid:7c0a3c4e-2d67-4b8e-9a65-3a6f1f0e2b11", name: "Niveau", resultType: "RubricCriterionLevel", requiredLevel: "urn:level:2",
    rubricCriterionLevel: [{ id: "urn:level:1", name: "Novice" }, { id: "urn:level:2", name: "Compétent" }],
  }],
  related: [{ id: "https://other.example/achievements/b", inLanguage: "de", version: "3" }],
};

describe("templates API: symmetric, OB-valid, no chosen creator", () => {
  let node: TestNode;
  let amu: IssuerRow;
  let token: string;
  let schemas: SchemaSet | null;

  beforeAll(async () => {
    node = await startTestNode();
    const r = await node.services.issuers.create(systemActor, { slug: "amu", name: "AMU", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!r.ok) throw new Error("issuer");
    amu = r.value;
    const t = await node.services.tokens.create(systemActor, amu, "test", ["templates"]);
    if (!t.ok) throw new Error("token");
    token = t.value.token;
    schemas = loadSchemaSet(sharedPath("ob3", "schema"));
  });
  afterAll(async () => { await node?.close(); });

  function call(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(`${node.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  const errorsOf = async (res: Response) => ((await res.json()) as Json).errors as { field: string; message: string }[];

  // The official schema checks an Achievement inside an AchievementCredential: wrap it in the smallest one.
  function validate(achievement: Json) {
    const { "@context": _ctx, ...a } = achievement;
    return schemas!.validate("achievement", {
      "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
      id: "urn:uuid:0b5d1f0e-7a1c-4a39-8a35-2b1f0a5a8e01", type: ["VerifiableCredential", "OpenBadgeCredential"],
      issuer: { id: `${node.url}/issuers/amu`, type: ["Profile"] }, validFrom: "2026-01-01T00:00:00Z",
      credentialSubject: { type: ["AchievementSubject"], achievement: a },
    });
  }

  it("GET exposes validForDays and the edition in the shape PUT accepts: GET → PUT keeps everything", async () => {
    const created = await call("POST", "/api/v1/issuers/amu/achievements", full);
    expect(created.status).toBe(201);
    const id = ((await created.json()) as Json).id as string;
    const before = (await node.services.achievements.load(id))!.content;
    expect(before).toMatchObject({ validForDays: 365, edition: { inLanguage: "en", name: "Agile project management" } });

    const got = (await (await call("GET", `/api/v1/achievements/${id}`)).json()) as Json;
    expect(got.achievement).toMatchObject({ validForDays: 365, edition: full.edition });
    const put = await call("PUT", `/api/v1/achievements/${id}`, got.achievement);
    expect(put.status).toBe(200);
    expect((await node.services.achievements.load(id))!.content).toEqual(before);

    // Published: sending GET back unchanged makes no new version and says so.
    expect((await call("PUT", `/api/v1/achievements/${id}`, { ...got.achievement, published: true })).status).toBe(200);
    const again = (await (await call("GET", `/api/v1/achievements/${id}`)).json()) as Json;
    const same = await call("PUT", `/api/v1/achievements/${id}`, again.achievement);
    expect(await same.json()).toMatchObject({ version: 1, unchanged: true });
    expect((await node.services.achievements.load(id))!.row.version).toBe(1);
    const changed = await call("PUT", `/api/v1/achievements/${id}`, { ...again.achievement, name: "Nouveau nom" });
    expect(await changed.json()).toMatchObject({ version: 2, achievement: { validForDays: 365, edition: full.edition } });
  });

  it("refuses a creator that is not the issuer (422, nothing stored); the issuer itself or the kept original are fine", async () => {
    const count = async () => Number((await node.database.db.selectFrom("achievements").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const n = await count();
    const res = await call("POST", "/api/v1/issuers/amu/achievements", { ...full, creator: { id: "https://evil.example/issuers/x", type: ["Profile"], name: "Someone else" } });
    expect(res.status).toBe(422);
    expect(await errorsOf(res)).toEqual([{ field: "creator", message: expect.stringContaining("creator") }]);
    expect(await count()).toBe(n);
    const own = await call("POST", "/api/v1/issuers/amu/achievements", { ...full, creator: { id: `${node.url}/issuers/amu`, type: ["Profile"], name: "AMU" } });
    expect(own.status).toBe(201);
    expect((await node.services.achievements.load(((await own.json()) as Json).id))!.content.creator).toBeUndefined();
    // The service itself ignores a creator inside content: only define's `creator` option (reuse) sets it.
    const direct = await node.services.achievements.define(systemActor, amu, { ...full, tags: [], creator: { id: "https://evil.example/x", name: "X" } });
    expect(direct.ok && direct.value.content.creator).toBeUndefined();
    const reused = await node.services.achievements.define(systemActor, amu, { name: "Copie", description: "d", criteria: { narrative: "c" } }, { creator: { id: "https://partner.example/issuers/p", name: "Partner" } });
    if (!reused.ok) throw new Error("reuse");
    const got = (await (await call("GET", `/api/v1/achievements/${reused.value.row.id}`)).json()) as Json;
    expect(got.achievement.creator.id).toBe("https://partner.example/issuers/p");
    const put = await call("PUT", `/api/v1/achievements/${reused.value.row.id}`, { ...got.achievement, name: "Copie modifiée" });
    expect(put.status).toBe(200);
    expect((await node.services.achievements.load(reused.value.row.id))!.content.creator).toMatchObject({ id: "https://partner.example/issuers/p" });
  });

  it("refuses what the OB 3.0 schema refuses: result types, related ids, language codes, an edition in the main language", async () => {
    const cases: [Json, string, RegExp][] = [
      [{ resultDescription: [{ ...full.resultDescription[0], resultType: "Grade" }] }, "resultDescription.0.resultType", /Unknown result type/],
      [{ related: [{ id: "pas une url" }] }, "related.0.id", /web address/],
      [{ inLanguage: "français" }, "inLanguage", /language code/],
      [{ edition: { ...full.edition, inLanguage: "engl" } }, "edition.inLanguage", /language code/],
      [{ inLanguage: "en", edition: { ...full.edition, inLanguage: "en" } }, "edition.inLanguage", /different/],
      [{ edition: { inLanguage: "en", name: "Only a name" } }, "edition.description", /required/],
      [{ resultDescription: [{ name: "Niveau", resultType: "Status" }] }, "resultDescription.0.id", /required/],
    ];
    for (const [patch, field, message] of cases) {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { ...full, ...patch });
      expect(res.status, field).toBe(422);
      const errors = await errorsOf(res);
      expect(errors.find((e) => e.field === field)?.message, JSON.stringify(errors)).toMatch(message);
    }
  });

  it("takes a language tag in any case in its canonical form, and serves an edition tagged with a region at its own URL", async () => {
    const res = await call("POST", "/api/v1/issuers/amu/achievements", { ...full, inLanguage: "fr-fr", edition: { ...full.edition, inLanguage: "en-gb" }, published: true });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as Json;
    const doc = (await (await fetch(`${node.url}/achievements/${id}`, { headers: { Accept: "application/ld+json" } })).json()) as Json;
    expect(doc.inLanguage).toBe("fr-FR");
    const edition = (doc.related as Json[]).find((r) => r.inLanguage === "en-GB")!;
    expect(edition.id).toBe(`${node.url}/achievements/${id}/versions/1/en-GB`);
    const page = await fetch(edition.id, { headers: { Accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Agile project management");
    expect((await fetch(`${node.url}/achievements/${id}/en-GB`, { headers: { Accept: "text/html" } })).status).toBe(200);
  });

  it("every template the API accepts validates against the official OB 3.0 schema", async (ctx) => {
    if (skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_achievementcredential_schema.json")) return;
    const bodies: Json[] = [
      full,
      { name: "Minimal", description: "d", criteria: { id: "https://example.org/c" } },
      { ...full, inLanguage: "en", edition: { inLanguage: "fr", name: "Nom", description: "Desc" }, achievementType: "ext:Hackathon" },
      { ...full, resultDescription: [{ id: "https://example.org/rd/1", name: "Note", resultType: "ext:Mention", allowedValue: ["A", "B"] }], related: [{ id: "urn:uuid:5e4c1f0e-7a1c-4a39-8a35-2b1f0a5a8e02", inLanguage: "pt-BR" }] },
    ];
    // Bodies the schema refuses: accepted or not, what is accepted must validate (the API used to take them).
    const doubtful: Json[] = [
      { ...full, name: "Type inconnu", resultDescription: [{ ...full.resultDescription[0], resultType: "Grade" }] },
      { ...full, name: "Lien relatif", related: [{ id: "autre-badge" }] },
      { ...full, name: "Créateur sans id", creator: { name: "Quelqu'un" } },
      { ...full, name: "Langue mal écrite", inLanguage: "fr-fr" },
    ];
    for (const body of [...bodies, ...doubtful]) {
      const res = await call("POST", "/api/v1/issuers/amu/achievements", { ...body, published: true });
      if (doubtful.includes(body) && res.status === 422) continue;
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
      const created = (await res.json()) as Json;
      const api = validate(created.achievement);
      expect(api.errors, body.name).toEqual([]);
      const served = (await (await fetch(`${node.url}/achievements/${created.id}`, { headers: { Accept: "application/ld+json" } })).json()) as Json;
      expect(validate(served).errors).toEqual([]);
      if (served.related?.[0]?.id.includes("/versions/")) {
        const edition = (await (await fetch(served.related[0].id, { headers: { Accept: "application/ld+json" } })).json()) as Json;
        expect(validate(edition).errors).toEqual([]);
      }
    }
    expect(validate({ ...full, type: ["Achievement"], id: "https://x.example/a", resultDescription: [{ id: "x", type: ["ResultDescription"], name: "n", resultType: "Grade" }] }).valid).toBe(false);
  });
});
