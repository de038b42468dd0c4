import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { seedTemplates, type SeededTemplate } from "../fixtures/catalogue-seed.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

/** The template ids linked from a catalogue answer, in page order. */
const linkedIds = (html: string) => [...html.matchAll(/<h2><a href="\/achievements\/([^"]+)">/g)].map((m) => m[1]!);

describe("public catalogue", () => {
  let node: TestNode;
  let amu: IssuerRow, sciences: IssuerRow, other: IssuerRow;
  const ids: Record<string, string> = {};

  async function issuer(slug: string, name: string, parent?: string) {
    const r = await node.services.issuers.create(systemActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: parent ?? null });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value;
  }

  async function template(key: string, owner: IssuerRow, content: Record<string, unknown>, publish = true) {
    const r = await node.services.achievements.define(systemActor, owner, { description: "Une description.", criteria: { narrative: "Faire." }, ...content }, { publish });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    ids[key] = r.value.row.id;
  }

  beforeAll(async () => {
    node = await startTestNode();
    amu = await issuer("amu", "Aix-Marseille Université");
    sciences = await issuer("amu-sciences", "Faculté des sciences", "amu");
    other = await issuer("autre", "Autre école");
    const db = node.database.db;
    await db.insertInto("frameworks").values({ id: "fw-1", issuer_id: amu.id, name: "Référentiel", description: "", source_url: null, source_kind: "csv", case_uri: null, levels: JSON.stringify([{ code: "novice", name: "Novice", rank: 1, required: true }, { code: "avance", name: "Avancé", rank: 4, required: false }]), created_by: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }).execute();
    await db.insertInto("framework_items").values({ id: "item-1", framework_id: "fw-1", parent_id: null, code: "C1", name: "Innover", short_name: null, position: 1, case_uri: null }).execute();
    await db.insertInto("framework_items").values({ id: "item-1a", framework_id: "fw-1", parent_id: "item-1", code: "C1.a", name: "Oser", short_name: null, position: 2, case_uri: null }).execute();
    await db.insertInto("framework_items").values({ id: "item-0", framework_id: "fw-1", parent_id: null, code: "C0", name: "Communiquer", short_name: null, position: 0, case_uri: null }).execute();
    await db.insertInto("frameworks").values({ id: "fw-2", issuer_id: amu.id, name: "Autre référentiel", description: "", source_url: null, source_kind: "csv", case_uri: null, levels: JSON.stringify([{ code: "novice", name: "Novice", rank: 1, required: true }]), created_by: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }).execute();
    await db.insertInto("framework_items").values({ id: "item-2", framework_id: "fw-2", parent_id: null, code: "D1", name: "Décider", short_name: null, position: 1, case_uri: null }).execute();

    await template("competence", amu, { name: "Compétence numérique", tags: ["numérique", "pix"], achievementType: "Competency" });
    await template("python", sciences, { name: "Programmer en Python", tags: ["python"], achievementType: "Course", inLanguage: "en" });
    await template("level", amu, { name: "Innover — niveau avancé", frameworkId: "fw-1", competencyId: "item-1", levelCode: "avance", achievementType: "Badge" });
    await template("other", other, { name: "Prise de parole", tags: ["oral"], achievementType: "Certificate" });
    // French first, with an English edition beside it (as the level ladder makes them).
    await template("bilingual", other, { name: "Travailler en équipe", achievementType: "Competency", edition: { inLanguage: "en", name: "Teamwork", description: "Working in a team." } });
    await template("draft", amu, { name: "Compétence brouillon", tags: ["pix"] }, false);
    await template("archived", amu, { name: "Compétence archivée", tags: ["pix"] });
    await node.services.achievements.archive(systemActor, ids.archived!);
  });
  afterAll(async () => { await node?.close(); });

  const get = (path: string, headers: Record<string, string> = {}) => node.client().request(path, { headers });
  const ids_ = async (path: string) => linkedIds(await (await get(path)).text());

  it("finds by text without accents: 'competence' finds 'Compétence'", async () => {
    expect(await ids_("/catalogue?q=competence")).toEqual([ids.competence]);
    expect(await ids_("/catalogue?q=COMPÉTENCE%20numerique")).toEqual([ids.competence]);
  });

  it("filters by tag, type and language", async () => {
    expect(await ids_("/catalogue?tag=pix")).toEqual([ids.competence]);
    expect(await ids_("/catalogue?type=Course")).toEqual([ids.python]);
    expect(await ids_("/catalogue?language=en")).toEqual([ids.python, ids.bilingual]);
    expect(await ids_("/catalogue?type=Certificate&language=en")).toEqual([]);
  });

  it("a language finds the templates with an edition in it: main language or English edition", async () => {
    // "Programmer en Python" is in English; "Travailler en équipe" is French with an English edition.
    expect(await ids_("/catalogue?language=en")).toEqual([ids.python, ids.bilingual]);
    expect(await ids_("/catalogue?language=fr&q=equipe")).toEqual([ids.bilingual]);
    expect(await ids_("/catalogue?language=en&type=Competency")).toEqual([ids.bilingual]);
    expect(await ids_("/issuers/autre/catalogue?language=en")).toEqual([ids.bilingual]);
    expect(await ids_("/catalogue?language=de")).toEqual([]);
    // The language list offers English once, whether a template is in English or has an English edition.
    const html = await (await get("/issuers/autre/catalogue")).text();
    expect(html.match(/<option value="en"[^>]*>/g)).toHaveLength(1);
  });

  it("offers a framework's competencies once the framework is chosen, in both catalogues", async () => {
    for (const base of ["/catalogue", "/issuers/amu/catalogue"]) {
      // No framework chosen: nothing to pick a competency from.
      expect(await (await get(base)).text()).not.toContain('name="competency"');
      const html = await (await get(`${base}?framework=fw-1`)).text();
      // Competencies only (not their sub-competencies), in the framework's order, and none of another framework's.
      expect(html).toContain('<select id="c-competency" name="competency">');
      expect(html.match(/<option value="item-[^"]*"/g)).toEqual(['<option value="item-0"', '<option value="item-1"']);
      expect(html).toContain('<option value="item-1">C1 — Innover</option>');
      const chosen = await (await get(`${base}?framework=fw-1&competency=item-1`)).text();
      expect(chosen).toContain('<option value="item-1" selected>C1 — Innover</option>');
      expect(linkedIds(chosen)).toEqual([ids.level]);
      expect(linkedIds(await (await get(`${base}?framework=fw-1&competency=item-0`)).text())).toEqual([]);
    }
  });

  it("with htmx, changing the framework swaps the competency select beside the results", async () => {
    const htmx = { "HX-Request": "true" };
    const partial = await (await get("/catalogue?framework=fw-2", htmx)).text();
    expect(partial).toMatch(/<div class="field" id="c-competency-field" hx-swap-oob="true">\s*<label for="c-competency">/);
    expect(partial).toContain('<option value="item-2">D1 — Décider</option>');
    expect(partial).not.toContain('value="item-1"');
    // Back to "any framework": the swapped field is empty.
    const none = await (await get("/issuers/amu/catalogue?q=innover", htmx)).text();
    expect(none).toContain('<div id="c-competency-field" hidden hx-swap-oob="true"></div>');
    // The page has the same container (the swap's target), not a second copy of it.
    const page = await (await get("/catalogue?framework=fw-2")).text();
    expect(page.match(/id="c-competency-field"/g)).toHaveLength(1);
    expect(page).not.toContain("hx-swap-oob");
  });

  it("a competency of another framework is dropped when the framework changes (results, select and pushed URL)", async () => {
    const res = await get("/catalogue?framework=fw-2&competency=item-1", { "HX-Request": "true" });
    const partial = await res.text();
    expect(partial).toContain('<option value="item-2">D1 — Décider</option>');
    expect(partial).not.toContain(" selected>");
    expect(res.headers.get("HX-Push-Url")).toBe("/catalogue?framework=fw-2");
    // Without JavaScript too: the form shows the framework's competencies, none chosen.
    const page = await (await get("/catalogue?framework=fw-1&competency=item-2")).text();
    expect(page).toContain('<option value="item-1">C1 — Innover</option>');
    expect(page).not.toMatch(/value="item-2"/);
    expect(linkedIds(page)).toEqual([ids.level]);
  });

  it("filters by framework, competency and level given as URL parameters", async () => {
    expect(await ids_("/catalogue?framework=fw-1")).toEqual([ids.level]);
    expect(await ids_("/catalogue?competency=item-1&level=avance")).toEqual([ids.level]);
    expect(await ids_("/catalogue?level=expert")).toEqual([]);
  });

  it("offers the issuer's frameworks and level scale as filters, and names levels on results", async () => {
    const html = await (await get("/issuers/amu/catalogue?framework=fw-1")).text();
    expect(html).toContain('<option value="fw-1" selected>Référentiel</option>');
    expect(html).toContain('<option value="avance">Avancé</option>');
    expect(html).toContain("Niveau : Avancé");
    const partial = await (await get("/issuers/amu/catalogue?level=avance", { "HX-Request": "true" })).text();
    expect(partial).toContain("Niveau : Avancé");
    // Where no framework is offered (another issuer), the URL's framework filter is kept in the form.
    expect(await (await get("/issuers/autre/catalogue?framework=fw-1")).text()).toContain('<input type="hidden" name="framework" value="fw-1">');
  });

  it("never shows drafts or archived templates", async () => {
    const all = await ids_("/catalogue");
    expect(all.sort()).toEqual([ids.competence, ids.python, ids.level, ids.other, ids.bilingual].sort());
    expect(await ids_("/catalogue?q=brouillon")).toEqual([]);
    expect(await ids_("/catalogue?q=archivee")).toEqual([]);
  });

  it("an issuer's catalogue holds its templates and its sub-issuers', not others'", async () => {
    expect((await ids_("/issuers/amu/catalogue")).sort()).toEqual([ids.competence, ids.python, ids.level].sort());
    expect(await ids_("/issuers/amu-sciences/catalogue")).toEqual([ids.python]);
    expect((await get("/issuers/nobody/catalogue")).status).toBe(404);
  });

  it("without JavaScript the URL answers the whole page: form, filters, results", async () => {
    const res = await get("/catalogue?q=python&type=Course");
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("<!doctype html>");
    expect(html).toMatch(/<form method="get" action="\/catalogue"[^>]*hx-get="\/catalogue" hx-trigger="input changed delay:300ms, change, submit" hx-target="#catalogue-results" hx-push-url="true"/);
    expect(html).toContain('<input id="c-q" name="q" type="search" value="python"');
    expect(html).toContain('<option value="Course" selected>Course</option>');
    expect(html).toContain('<option value="pix">pix</option>');
    expect(html).toContain('<div id="catalogue-results" aria-live="polite">');
    expect(html).toContain('<a href="/achievements/' + ids.python + '">Programmer en Python</a>');
    expect(html).toContain("par Faculté des sciences");
  });

  it("an htmx request gets only the results partial", async () => {
    const res = await get("/catalogue?q=python", { "HX-Request": "true" });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get("Vary")).toContain("HX-Request");
    expect(html).not.toContain("<html");
    expect(html).not.toContain("<form");
    expect(html).toContain('<p class="results-count"><strong>1 badge</strong></p>');
    expect(linkedIds(html)).toEqual([ids.python]);
  });

  it("says so when nothing matches, with a way back", async () => {
    const html = await (await get("/catalogue?q=zzzz", { "HX-Request": "true" })).text();
    expect(html).toContain("Aucun badge ne correspond à cette recherche.");
    expect(html).toContain('<a href="/catalogue">Effacer la recherche</a>');
  });

  it("escapes what templates contain", async () => {
    await template("xss", other, { name: "<script>alert(1)</script> Badge", tags: ["<b>x</b>"] });
    const html = await (await get("/catalogue?q=alert")).text();
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; Badge");
  });
});

describe("catalogue with thousands of templates", () => {
  let node: TestNode;
  let seeded: SeededTemplate[];

  beforeAll(async () => {
    node = await startTestNode();
    const issuers: IssuerRow[] = [];
    for (const slug of ["big-a", "big-b", "big-c"]) {
      const r = await node.services.issuers.create(systemActor, { slug, name: slug.toUpperCase(), description: "", website: null, email: null, logoUrl: null, parent: null });
      if (!r.ok) throw new Error("issuer");
      issuers.push(r.value);
    }
    seeded = await seedTemplates(node.database.db, issuers, 3000);
  }, 120_000);
  afterAll(async () => { await node?.close(); });

  const published = () => seeded.filter((s) => s.status === "published");
  const byName = (a: SeededTemplate, b: SeededTemplate) => (a.name < b.name ? -1 : 1);

  it("a text query returns the right total and the right third page", async () => {
    const expected = published().filter((s) => s.name.includes("Compétence")).sort(byName);
    const r = await node.services.catalogue.browse({}, { q: "competence", page: 3, perPage: 20 });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.total).toBe(expected.length);
    expect(r.value.pages).toBe(Math.ceil(expected.length / 20));
    expect(r.value.items.map((i) => i.id)).toEqual(expected.slice(40, 60).map((s) => s.id));
  });

  it("a tag filter over HTTP returns the right page and links to the next one", async () => {
    const expected = published().filter((s) => s.tags.includes("python")).sort(byName);
    const html = await (await node.client().request("/catalogue?tag=python&page=2")).text();
    expect(linkedIds(html)).toEqual(expected.slice(20, 40).map((s) => s.id));
    const pages = Math.ceil(expected.length / 20);
    expect(html).toContain(`${expected.length} badges</strong> — Page 2 sur ${pages}`);
    expect(html).toContain('<a rel="next" href="/catalogue?tag=python&amp;page=3"');
    expect(html).toContain('<a rel="prev" href="/catalogue?tag=python"');
  });

  it("an issuer's catalogue counts only its own published templates", async () => {
    const a = (await node.services.issuers.findBySlug("big-a"))!;
    const r = await node.services.catalogue.browse({ issuerSlug: "big-a" }, { achievementType: "Course" });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.total).toBe(published().filter((s) => s.issuerId === a.id && s.type === "Course").length);
  });
});
