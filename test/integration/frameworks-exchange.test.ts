import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FrameworkDraft } from "../../src/frameworks/frameworks.schema.ts";
import { countRows, esc, fixture, startFrameworkNode, upload, type FrameworkActors, type Upload } from "../helpers/frameworks.ts";
import type { TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// CASE 1.0 import, the exports and the round trips (CSV → CSV, CASE → CASE, CSV → CASE).

/** The structure of a framework without row ids (what a round trip must keep). */
const shape = (d: FrameworkDraft) => ({
  levels: d.levels.map((l) => ({ code: l.code, name: l.name, rank: l.rank, required: l.required })),
  competencies: d.competencies.map((c) => ({
    code: c.code, name: c.name, shortName: c.shortName,
    subs: c.subs.map((s) => ({ code: s.code, name: s.name, cells: s.cells.map((x) => ({ levelCode: x.levelCode, descriptor: x.descriptor, situations: x.situations })) })),
  })),
});
/** The structure, name and description: a CASE round trip keeps them all (a framework without source URL gets the package's). */
const full = (d: FrameworkDraft) => ({ name: d.name, description: d.description, ...shape(d) });

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

  it("exports CASE JSON; re-importing it gives the same framework and keeps the CFItem identifiers and URIs", async () => {
    const first = await importVia("case", { file: { name: "ref.json", bytes: fixture("case-small.json") } }, {});
    const exported = await download(`/frameworks/${first}/export.case.json`);
    expect(exported.res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const pkg = JSON.parse(new TextDecoder().decode(exported.bytes));
    expect(pkg.CFDocument).toMatchObject({ identifier: "9b1e0c1a-0000-4000-8000-000000000001", creator: "École d'ingénieurs" });
    expect(new Set(pkg.CFAssociations.map((a: { associationType: string }) => a.associationType))).toEqual(new Set(["isChildOf"]));
    // Stable: the same framework exports byte for byte the same package.
    expect((await download(`/frameworks/${first}/export.case.json`)).bytes).toEqual(exported.bytes);
    const res = await upload(actors.creator, "/issuers/ecole/frameworks/import/case", {}, { file: { name: "back.json", bytes: exported.bytes, type: "application/json" } });
    const preview = await actors.creator.text(res.headers.get("Location")!);
    expect(preview.body).not.toContain(esc("ne donne pas le code"));
    const second = (await actors.creator.submit(`${res.headers.get("Location")}/confirm`, {})).headers.get("Location")!.replace("/frameworks/", "");
    const [a, b] = [await load(first), await load(second)];
    expect(full(b)).toEqual(full(a));
    expect(b.competencies.flatMap((c) => [c.caseUri, ...c.subs.map((s) => s.caseIdentifier)])).toEqual(a.competencies.flatMap((c) => [c.caseUri, ...c.subs.map((s) => s.caseIdentifier)]));
  });

  it("a package without level codes (another tool's) says in the preview which levels were guessed", async () => {
    const res = await upload(actors.creator, "/issuers/ecole/frameworks/import/case", {}, { file: { name: "ref.json", bytes: fixture("case-small.json"), type: "application/json" } });
    const preview = await actors.creator.text(res.headers.get("Location")!);
    expect(preview.body).toContain(esc("Le paquet ne donne pas le code ou le caractère facultatif de ces niveaux : Novice (novice), Intermédiaire (intermediaire), Compétent (competent)."));
    const en = await (await actors.creator.get(res.headers.get("Location")!, { "Accept-Language": "en" })).text();
    expect(en).toContain(esc("The package does not give the code or the optional flag of these levels: Novice (novice)"));
  });

  it("CSV → CASE → same framework: custom level codes and ranks, optional flags, descriptors, evaluation situations", async () => {
    const first = await importVia("csv", {
      framework: { name: "framework.csv", bytes: fixture("custom-framework.csv") },
      levels: { name: "levels.csv", bytes: fixture("custom-levels.csv") },
      situations: { name: "evaluation-situations.csv", bytes: fixture("custom-situations.csv") },
    }, { name: "Vers CASE", sourceUrl: "https://referentiels.example.org/equipe" });
    const original = await load(first);
    // The fixture is what the round trip must keep: codes not made from names, an "Expert" level
    // that is required (the default scale says optional), a level without descriptor, ranks with gaps.
    expect(original.levels.map((l) => [l.code, l.name, l.rank, l.required])).toEqual([["l1", "Débutant", 1, true], ["l2", "Confirmé", 2, false], ["expert", "Expert", 5, true], ["l9", "Référent", 7, false]]);
    expect(original.competencies[1]!.subs[0]!.cells.find((c) => c.levelCode === "l9")).toEqual({ levelCode: "l9", descriptor: "", situations: ["Hackathon « données ouvertes »"] });
    const pkg = await download(`/frameworks/${first}/export.case.json`);
    const json = JSON.parse(new TextDecoder().decode(pkg.bytes));
    // Situations are CASE CFItems of a declared type, tied to the cells' rubric levels.
    expect(json.CFDefinitions.CFItemTypes.map((t: { title: string }) => t.title)).toEqual(["Evaluation situation"]);
    expect(json.CFItems.filter((i: { CFItemType: string }) => i.CFItemType === "Evaluation situation").map((i: { fullStatement: string }) => i.fullStatement))
      .toEqual(["Projet de groupe S1", "Stage ouvrier", "Atelier d'écoute active", "Hackathon « données ouvertes »"]);
    const second = await importVia("case", { file: { name: "x.json", bytes: pkg.bytes } }, {});
    const back = await load(second);
    expect(full(back)).toEqual(full(original));
    expect(back.sourceUrl).toBe("https://referentiels.example.org/equipe");
    expect(back.competencies[0]!.subs[0]!.caseUri).toBe(`${node.url}/frameworks/${first}#item-${original.competencies[0]!.subs[0]!.id}`);
    // And once more: CASE → CASE keeps it too.
    const third = await importVia("case", { file: { name: "y.json", bytes: (await download(`/frameworks/${second}/export.case.json`)).bytes } }, {});
    expect(full(await load(third))).toEqual(full(original));
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
    expect(full(await load(viaCase))).toEqual(full(await load(first)));
    expect((await load(viaCase)).levels.map((l) => [l.code, l.required])).toEqual([["novice", true], ["intermediaire", true], ["competent", true], ["avance", false], ["expert", false]]);
  });

  it("answers 404 for the exports of an unknown framework", async () => {
    for (const f of ["export.csv", "export.case.json"]) expect((await node.client().get(`/frameworks/nope/${f}`)).status).toBe(404);
  });
});
