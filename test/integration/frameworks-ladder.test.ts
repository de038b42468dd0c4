import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { createFrameworksService } from "../../src/frameworks/frameworks.service.ts";
import { countRows, esc, fixture, frameworkActors } from "../helpers/frameworks.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

// The level ladder, the matrix's template cells, and the references templates make to frameworks.

describe("level ladder and matrix templates", () => {
  let node: TestNode;
  let actors: Awaited<ReturnType<typeof frameworkActors>>;
  let small: string; // the fixture framework (CSV)
  let fromCase: string; // the CASE fixture framework

  beforeAll(async () => {
    node = await startTestNode();
    actors = await frameworkActors(node);
    const fw = node.services.frameworks;
    const csv = await fw.importCsv(systemActor, actors.issuer, { name: "Petit référentiel", sourceUrl: null, framework: fixture("small-framework.csv"), situations: fixture("small-situations.csv") });
    const cs = await fw.importCase(systemActor, actors.issuer, { name: null, sourceUrl: null, file: fixture("case-small.json") });
    if (!csv.ok || !cs.ok) throw new Error("fixtures did not import");
    small = csv.value.id;
    fromCase = cs.value.id;
  });
  afterAll(async () => { await node?.close(); });

  const load = async (id: string) => (await node.services.frameworks.load(id))!;
  const ladderOf = async (frameworkId: string, competencyId: string) => {
    const found = await node.services.achievements.search({ frameworkId, competencyId, perPage: 100 }, { statuses: ["draft", "published"] });
    const full = await Promise.all(found.rows.map((r) => node.services.achievements.load(r.id)));
    return full.map((a) => a!).sort((a, b) => a.row.level_rank! - b.row.level_rank!);
  };

  it("generates the 5-level innovation ladder of the shared Centrale framework: descriptors as criteria, alignments, rubric, prerequisites", async (ctx) => {
    if (skipIfNoShared(ctx, "data", "centrale-competencies", "framework.csv")) return;
    const dir = ["data", "centrale-competencies"];
    const imported = await node.services.frameworks.importCsv(systemActor, actors.issuer, {
      name: "Référentiel de compétences de l'ingénieur centralien", sourceUrl: null,
      framework: readShared(...dir, "framework.csv"), levels: readShared(...dir, "levels.csv"), situations: readShared(...dir, "evaluation-situations.csv"),
    });
    if (!imported.ok) throw new Error(JSON.stringify(imported.error.errors));
    const fw = await load(imported.value.id);
    const innovation = fw.competencies.find((c) => c.code === "innovation")!;
    const res = await actors.creator.submit(`/frameworks/${fw.id}/competencies/${innovation.id}/ladder`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/frameworks/${fw.id}#item-${innovation.id}`);

    const ladder = await ladderOf(fw.id, innovation.id);
    // All five levels: three required for the diploma track + two optional (said in the description).
    expect(ladder.map((a) => [a.row.level_code, a.row.level_rank, a.row.status, a.content.achievementType])).toEqual([
      ["novice", 1, "draft", "Competency"], ["intermediaire", 2, "draft", "Competency"], ["competent", 3, "draft", "Competency"],
      ["avance", 4, "draft", "Competency"], ["expert", 5, "draft", "Competency"],
    ]);
    const inter = ladder[1]!.content;
    expect(inter.name).toBe("Créer de la valeur par l'innovation scientifique et technique : niveau intermédiaire");
    expect(inter.edition).toMatchObject({ inLanguage: "en", name: "Créer de la valeur par l'innovation scientifique et technique: Intermédiaire level" });
    for (const d of ["Sélectionne et applique la méthode de créativité adaptée à une situation ou à un projet donnés.", "Confronte ses idées à des experts ou des données scientifiques et techniques."]) {
      expect(inter.criteria.narrative).toContain(`: ${d}`);
    }
    expect(ladder[0]!.content.criteria.narrative).toContain("- Training Idéation (FAIRE ÉMERGER, OSER)");
    expect(ladder[4]!.content.description).toContain("niveau facultatif");
    expect(inter.tags).toEqual(["Innovation", "Intermédiaire"]);
    const fwUrl = `${node.url}/frameworks/${fw.id}`;
    expect(inter.alignment.map((a) => [a.targetName, a.targetCode, a.targetUrl, a.targetFramework])).toEqual([
      [innovation.name, "innovation", `${fwUrl}#item-${innovation.id}`, fw.name],
      ...innovation.subs.map((s) => [s.name, `innovation/${s.code}`, `${fwUrl}#item-${s.id}`, fw.name]),
    ]);
    expect(inter.resultDescription![0]).toMatchObject({ resultType: "RubricCriterionLevel", requiredLevel: `${fwUrl}#level-intermediaire` });
    expect(inter.resultDescription![0]!.rubricCriterionLevel!.map((l) => l.id)).toEqual(fw.levels.map((l) => `${fwUrl}#level-${l.code}`));
    expect(inter).toMatchObject({ frameworkId: fw.id, competencyId: innovation.id, levelCode: "intermediaire" });

    for (let i = 0; i < ladder.length; i++) {
      const requires = (await node.services.achievements.prerequisites(ladder[i]!.row.id)).map((r) => r.id);
      expect(requires).toEqual(i === 0 ? [] : [ladder[i - 1]!.row.id]);
    }

    const before = await countRows(node, "achievements");
    expect((await actors.creator.submit(`/frameworks/${fw.id}/competencies/${innovation.id}/ladder`, {})).status).toBe(303);
    expect(await countRows(node, "achievements")).toBe(before);
    const events = await node.services.audit.listForObject("framework", fw.id);
    expect(events.filter((e) => e.action === "framework.ladder")).toHaveLength(2);
  });

  it("the matrix shows each cell's template with its holders; drafts only to the issuer's staff", async () => {
    const fw = await load(small);
    const communication = fw.competencies[0]!;
    const generated = await node.services.frameworks.generateLadder(systemActor, actors.issuer, small, communication.id);
    expect(generated.ok && generated.value.created.map((a) => a.row.level_code)).toEqual(["novice", "intermediaire", "competent", "avance", "expert"]);
    const name = "Communiquer avec des publics variés : niveau novice";
    const staff = await actors.viewer.text(`/frameworks/${small}`);
    expect(staff.body).toContain(esc(name));
    expect(staff.body).toContain('<span class="chip">brouillon</span><br><small>0 titulaire(s)</small>');
    expect(staff.body).not.toContain("/ladder"); // a viewer has no ladder button
    expect((await actors.creator.text(`/frameworks/${small}`)).body).toContain(`action="/frameworks/${small}/competencies/${communication.id}/ladder"`);
    const publicPage = await node.client().text(`/frameworks/${small}`);
    expect(publicPage.body).not.toContain(esc(name));
    expect(publicPage.body).toContain("Aucun modèle");

    const novice = generated.ok ? generated.value.created[0]!.row.id : "";
    const counted = createFrameworksService({
      db: node.database.db, clock: node.services.clock, audit: node.services.audit, achievements: node.services.achievements, origin: node.url,
      countHolders: async (ids) => new Map(ids.map((id) => [id, id === novice ? 7 : 0])),
    });
    const matrix = (await counted.matrix(small, { staff: true }))!;
    expect(matrix.templates.get(`${communication.id}|novice`)).toEqual([{ id: novice, name, status: "draft", holders: 7 }]);
  });

  it("keeps existing templates: a second run creates nothing, a later one only fills the gaps and links them", async () => {
    const fw = await load(small);
    const numerique = fw.competencies[1]!;
    const { achievements } = node.services;
    const mine = await achievements.define(systemActor, actors.issuer, {
      name: "Mon badge numérique intermédiaire", description: "Fait main.", criteria: { narrative: "Critères maison." },
      frameworkId: small, competencyId: numerique.id, levelCode: "intermediaire",
    });
    expect(mine.ok).toBe(true);
    const run = await node.services.frameworks.generateLadder(systemActor, actors.issuer, small, numerique.id);
    if (!run.ok) throw new Error(JSON.stringify(run.error));
    expect(run.value.created.map((a) => a.row.level_code)).toEqual(["novice", "competent", "avance", "expert"]);
    expect(run.value.kept).toEqual(["intermediaire"]);
    const ladder = await ladderOf(small, numerique.id);
    expect(ladder.map((a) => a.content.name)[1]).toBe("Mon badge numérique intermédiaire");
    expect((await achievements.prerequisites(ladder[1]!.row.id)).map((r) => r.id)).toEqual([ladder[0]!.row.id]);
    expect((await achievements.prerequisites(ladder[2]!.row.id)).map((r) => r.id)).toEqual([ladder[1]!.row.id]);
    const again = await node.services.frameworks.generateLadder(systemActor, actors.issuer, small, numerique.id);
    expect(again.ok && again.value.created).toEqual([]);
    expect(ladder[0]!.content.criteria.narrative).toContain("- **DONNÉES** : Range et nomme ses fichiers de façon cohérente.");
    // A level without descriptor says so rather than leaving the criterion blank.
    expect(ladder[3]!.content.criteria.narrative).toContain("- **DONNÉES** : descripteur à préciser");
  });

  it("is all or nothing: a failure while storing level 3 leaves no template, no link, no audit; running again then works", async () => {
    const imported = await node.services.frameworks.importCsv(systemActor, actors.issuer, { name: "Échelle en échec", sourceUrl: null, framework: fixture("small-framework.csv") });
    if (!imported.ok) throw new Error("fixture did not import");
    const fw = await load(imported.value.id);
    const c = fw.competencies[0]!;
    const real = node.services.achievements;
    let stored = 0;
    const failing = {
      ...real,
      defineIn: async (...args: Parameters<typeof real.defineIn>) => {
        if (args[3].content.levelCode === "competent") throw new Error("injected failure on level 3");
        stored++;
        return real.defineIn(...args);
      },
    };
    const deps = { db: node.database.db, clock: node.services.clock, audit: node.services.audit, origin: node.url };
    const before = { achievements: await countRows(node, "achievements"), events: (await node.services.audit.listForObject("framework", fw.id)).length };
    await expect(createFrameworksService({ ...deps, achievements: failing }).generateLadder(systemActor, actors.issuer, fw.id, c.id)).rejects.toThrow("injected failure on level 3");
    expect(stored).toBe(2); // levels 1 and 2 were written inside the transaction, then rolled back
    expect(await countRows(node, "achievements")).toBe(before.achievements);
    expect(await ladderOf(fw.id, c.id)).toEqual([]);
    expect((await node.services.audit.listForObject("framework", fw.id)).length).toBe(before.events);

    // A template that fails its checks at level 3 stops the run before anything is written.
    const refused = { ...real, validate: async (issuerId: string, input: unknown) => ((input as { levelCode?: string }).levelCode === "competent" ? { ok: false as const, error: { name: "achievements.errors.nameRequired" } } : real.validate(issuerId, input)) };
    expect(await createFrameworksService({ ...deps, achievements: refused }).generateLadder(systemActor, actors.issuer, fw.id, c.id)).toEqual({ ok: false, error: { name: "achievements.errors.nameRequired" } });
    expect(await countRows(node, "achievements")).toBe(before.achievements);

    const again = await node.services.frameworks.generateLadder(systemActor, actors.issuer, fw.id, c.id);
    expect(again.ok && again.value.created.map((a) => a.row.level_code)).toEqual(["novice", "intermediaire", "competent", "avance", "expert"]);
    const ladder = await ladderOf(fw.id, c.id);
    expect(ladder).toHaveLength(5);
    for (let i = 1; i < ladder.length; i++) expect((await real.prerequisites(ladder[i]!.row.id)).map((r) => r.id)).toEqual([ladder[i - 1]!.row.id]);
  });

  it("from CASE: alignments point to the CFItem URIs with targetType CFItem, on a 3-level scale", async () => {
    const fw = await load(fromCase);
    const eth = fw.competencies[0]!;
    expect((await actors.creator.submit(`/frameworks/${fromCase}/competencies/${eth.id}/ladder`, {})).status).toBe(303);
    const ladder = await ladderOf(fromCase, eth.id);
    expect(ladder.map((a) => a.row.level_code)).toEqual(["novice", "intermediaire", "competent"]);
    expect(ladder[2]!.content.alignment.map((a) => [a.targetType, a.targetUrl, a.targetCode])).toEqual([
      ["CFItem", "https://case.example.org/uri/9b1e0c1a-0000-4000-8000-000000000010", "ETH"],
      ["CFItem", "https://case.example.org/uri/9b1e0c1a-0000-4000-8000-000000000011", "ETH/ETH.1"],
      ["CFItem", "https://case.example.org/uri/9b1e0c1a-0000-4000-8000-000000000012", "ETH/ETH.2"],
    ]);
    expect(ladder[2]!.content.criteria.narrative).toContain("Tranche un dilemme <b>en équipe</b> & le justifie.");
  });

  it("only the issuer's creators generate: viewer 403, other issuer's creator 403, anonymous 401, unknown competency 404", async () => {
    const fw = await load(fromCase);
    const dur = fw.competencies[1]!;
    const before = await countRows(node, "achievements");
    expect((await actors.viewer.submit(`/frameworks/${fromCase}/competencies/${dur.id}/ladder`, {})).status).toBe(403);
    expect((await actors.otherCreator.submit(`/frameworks/${fromCase}/competencies/${dur.id}/ladder`, {})).status).toBe(403);
    expect((await actors.anonymous.submit(`/frameworks/${fromCase}/competencies/${dur.id}/ladder`, {})).status).toBe(401);
    expect((await actors.creator.submit(`/frameworks/${fromCase}/competencies/${fw.competencies[0]!.subs[0]!.id}/ladder`, {})).status).toBe(404);
    expect((await actors.creator.submit(`/frameworks/${small}/competencies/${dur.id}/ladder`, {})).status).toBe(404);
    expect(await countRows(node, "achievements")).toBe(before);
  });

  it("templates may only reference their own issuer's framework, competency and level (the rank is stored)", async () => {
    const fw = await load(small);
    const c = fw.competencies[0]!;
    const base = { name: "Réf", description: "D", criteria: { narrative: "C" } };
    const { achievements } = node.services;
    expect(await achievements.define(systemActor, actors.other, { ...base, frameworkId: small })).toEqual({ ok: false, error: { frameworkId: "frameworks.errors.refFramework" } });
    expect(await achievements.define(systemActor, actors.issuer, { ...base, frameworkId: small, competencyId: c.subs[0]!.id })).toEqual({ ok: false, error: { competencyId: "frameworks.errors.refCompetency" } });
    expect(await achievements.define(systemActor, actors.issuer, { ...base, frameworkId: small, levelCode: "maitre" })).toEqual({ ok: false, error: { levelCode: "frameworks.errors.refLevel" } });
    expect(await achievements.define(systemActor, actors.issuer, { ...base, competencyId: c.id })).toEqual({ ok: false, error: { frameworkId: "frameworks.errors.refFrameworkMissing" } });
    const ok = await achievements.define(systemActor, actors.issuer, { ...base, frameworkId: small, competencyId: c.id, levelCode: "competent" });
    expect(ok.ok && ok.value.row.level_rank).toBe(3);
    expect(await node.services.frameworks.levelRank(small, "avance")).toBe(4);
    expect(await node.services.frameworks.levelRank(small, "maitre")).toBeNull();
  });
});
