import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FrameworkDraft } from "../../src/frameworks/frameworks.schema.ts";
import { countRows, esc, fixture, startFrameworkNode, upload, type FrameworkActors, type Upload } from "../helpers/frameworks.ts";
import type { TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// CASE 1.0 import, the exports and the round trips (CSV → CSV, CASE → CASE, CSV → CASE).

/** The structure of a framework without row ids (what a round trip must keep). */
// lossy: through CASE, which carries neither evaluation situations nor the optional-level flag.
const shape = (d: FrameworkDraft, opts: { lossy?: boolean } = {}) => ({
  levels: d.levels.map((l) => ({ code: l.code, name: l.name, rank: l.rank, ...(opts.lossy ? {} : { required: l.required }) })),
  competencies: d.competencies.map((c) => ({
    code: c.code, name: c.name, shortName: c.shortName,
    subs: c.subs.map((s) => ({ code: s.code, name: s.name, cells: s.cells.map((x) => ({ ...x, situations: opts.lossy ? [] : x.situations })) })),
  })),
});

describe("CASE 1.0 import, exports and round trips", () => {
  let node: TestNode;
  let actors: FrameworkActors;

  beforeAll(async () => { ({ node, actors } = await startFrameworkNode()); });
  afterAll(async () => { await node?.close(); });

  async function importVia(kind: "csv" | "case", files: Record<string, Upload>, fields: Record<string, string>): Promise<string> {
    const res = await upload(actors.creator, `/issuers/ecole/frameworks/import/${kind}`, fields, files);
    expect(res.status, await res.clone().text()).toBe(303);
    const confirmed = await actors.creator.submit(`${res.headers.get("Location")}/confirm`, {});
    expect(confirmed.status).toBe(303);
    return confirmed.headers.get("Location")!.replace("/frameworks/", "");
  }

  async function download(path: string) {
    const res = await node.client().get(path);
    expect(res.status).toBe(200);
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
  }

  const load = async (id: string) => (await node.services.frameworks.load(id))!;

  it("imports the CASE fixture through the preview: competencies, CFItem URIs, rubric descriptors (escaped)", async () => {
    const res = await upload(actors.creator, "/issuers/ecole/frameworks/import/case", {}, { file: { name: "ref.json", bytes: fixture("case-small.json"), type: "application/json" } });
    expect(res.status).toBe(303);
    const preview = await actors.creator.text(res.headers.get("Location")!);
    expect(preview.body).toContain(esc("2 compétence(s), 3 sous-compétence(s), 3 niveau(x), 9 descripteur(s)"));
    const id = (await actors.creator.submit(`${res.headers.get("Location")}/confirm`, {})).headers.get("Location")!.replace("/frameworks/", "");
    const fw = await load(id);
    expect(fw).toMatchObject({ name: "Référentiel d'exemple : éthique et durabilité", sourceKind: "case", caseIdentifier: "9b1e0c1a-0000-4000-8000-000000000001" });
    expect(fw.competencies[0]!.caseUri).toBe("https://case.example.org/uri/9b1e0c1a-0000-4000-8000-000000000010");
    const page = await node.client().text(`/frameworks/${id}`);
    expect(page.body).toContain(esc("Agir de façon éthique et responsable"));
    expect(page.body).toContain("Tranche un dilemme &lt;b&gt;en équipe&lt;/b&gt; &amp; le justifie.");
  });

  for (const [what, file, message] of [
    ["a cycle", "case-cycle.json", "Cycle dans la hiérarchie isChildOf : Élément A → Élément B."],
    ["a dangling reference", "case-dangling.json", "Référence à un élément inconnu : 9b1e0c1a-0000-4000-8000-0000000009ff Élément fantôme"],
    ["invalid JSON", null, "JSON invalide"],
  ] as const) {
    it(`refuses ${what} with a clear message and stores nothing`, async () => {
      const before = { frameworks: await countRows(node, "frameworks"), imports: await countRows(node, "framework_imports") };
      const bytes = file ? fixture(file) : "{ \"CFDocument\": ";
      const res = await upload(actors.creator, "/issuers/ecole/frameworks/import/case", {}, { file: { name: "x.json", bytes, type: "application/json" } });
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).toContain(esc(message));
      expect(body).not.toContain("/confirm");
      expect(await countRows(node, "frameworks")).toBe(before.frameworks);
      expect(await countRows(node, "framework_imports")).toBe(before.imports);
    });
  }

  it("exports CSV with a BOM at stable URLs; re-importing the three files gives the same framework", async () => {
    const first = await importVia("csv", {
      framework: { name: "framework.csv", bytes: fixture("small-framework.csv") },
      levels: { name: "levels.csv", bytes: fixture("small-levels.csv") },
      situations: { name: "s.csv", bytes: fixture("small-situations.csv") },
    }, { name: "Aller" });
    const csv = await download(`/frameworks/${first}/export.csv`);
    expect(csv.res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.res.headers.get("Content-Disposition")).toBe('attachment; filename="framework.csv"');
    expect([...csv.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const levels = await download(`/frameworks/${first}/export.levels.csv`);
    const situations = await download(`/frameworks/${first}/export.situations.csv`);
    const second = await importVia("csv", {
      framework: { name: "framework.csv", bytes: csv.bytes }, levels: { name: "levels.csv", bytes: levels.bytes }, situations: { name: "s.csv", bytes: situations.bytes },
    }, { name: "Retour" });
    expect(shape(await load(second))).toEqual(shape(await load(first)));
    expect((await load(second)).levels.find((l) => l.code === "competent")!.required).toBe(false);
  });

  it("exports CASE JSON; re-importing it gives the same structure and keeps the CFItem identifiers and URIs", async () => {
    const first = await importVia("case", { file: { name: "ref.json", bytes: fixture("case-small.json") } }, {});
    const exported = await download(`/frameworks/${first}/export.case.json`);
    expect(exported.res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const pkg = JSON.parse(new TextDecoder().decode(exported.bytes));
    expect(pkg.CFDocument).toMatchObject({ identifier: "9b1e0c1a-0000-4000-8000-000000000001", creator: "École d'ingénieurs" });
    expect(pkg.CFAssociations.every((a: { associationType: string }) => a.associationType === "isChildOf")).toBe(true);
    // Stable: the same framework exports byte for byte the same package.
    expect((await download(`/frameworks/${first}/export.case.json`)).bytes).toEqual(exported.bytes);
    const second = await importVia("case", { file: { name: "back.json", bytes: exported.bytes } }, { caseName: "Retour CASE" });
    const [a, b] = [await load(first), await load(second)];
    expect(shape(b)).toEqual(shape(a));
    expect(b.competencies.flatMap((c) => [c.caseUri, ...c.subs.map((s) => s.caseIdentifier)])).toEqual(a.competencies.flatMap((c) => [c.caseUri, ...c.subs.map((s) => s.caseIdentifier)]));
  });

  it("a CSV framework exported as CASE re-imports with the same competencies, levels and descriptors", async () => {
    const first = await importVia("csv", { framework: { name: "framework.csv", bytes: fixture("small-framework.csv") } }, { name: "Vers CASE" });
    const pkg = await download(`/frameworks/${first}/export.case.json`);
    const second = await importVia("case", { file: { name: "x.json", bytes: pkg.bytes } }, {});
    // CASE has no place for evaluation situations; the level codes come back from the level names.
    expect(shape(await load(second), { lossy: true })).toEqual(shape(await load(first), { lossy: true }));
    expect((await load(second)).competencies[0]!.subs[0]!.caseUri).toBe(`${node.url}/frameworks/${first}#item-${(await load(first)).competencies[0]!.subs[0]!.id}`);
  });

  it("round-trips the shared Centrale CSVs (CSV → CSV and CSV → CASE → same structure)", async (ctx) => {
    if (skipIfNoShared(ctx, "data", "centrale-competencies", "framework.csv")) return;
    const dir = ["data", "centrale-competencies"];
    const first = await importVia("csv", {
      framework: { name: "framework.csv", bytes: readShared(...dir, "framework.csv") },
      levels: { name: "levels.csv", bytes: readShared(...dir, "levels.csv") },
      situations: { name: "s.csv", bytes: readShared(...dir, "evaluation-situations.csv") },
    }, { name: "Centrale" });
    const files = await Promise.all(["export.csv", "export.levels.csv", "export.situations.csv", "export.case.json"].map((f) => download(`/frameworks/${first}/${f}`)));
    const viaCsv = await importVia("csv", {
      framework: { name: "f.csv", bytes: files[0]!.bytes }, levels: { name: "l.csv", bytes: files[1]!.bytes }, situations: { name: "s.csv", bytes: files[2]!.bytes },
    }, { name: "Centrale bis" });
    const viaCase = await importVia("case", { file: { name: "c.json", bytes: files[3]!.bytes } }, {});
    expect(shape(await load(viaCsv))).toEqual(shape(await load(first)));
    expect(shape(await load(viaCase), { lossy: true })).toEqual(shape(await load(first), { lossy: true }));
    expect((await load(viaCase)).levels.map((l) => [l.code, l.required])).toEqual([["novice", true], ["intermediaire", true], ["competent", true], ["avance", false], ["expert", false]]);
  });

  it("answers 404 for the exports of an unknown framework", async () => {
    for (const f of ["export.csv", "export.case.json"]) expect((await node.client().get(`/frameworks/nope/${f}`)).status).toBe(404);
  });
});
