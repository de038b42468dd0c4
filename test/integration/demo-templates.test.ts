import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AchievementRow } from "../../src/db/database.ts";
import { runFirstStart } from "../../src/setup/first-start.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// Issue 3, demo data: the demo issuer gets the Centrale framework, the innovation ladder, and the
// example badge of example-badge.json (competency "innovation", level "intermediaire") attached to
// that framework, competency and level like the ladder's templates.

describe("demo data: framework, innovation ladder and the example badge", () => {
  let node: TestNode;
  let frameworkId: string;
  let innovationId: string;
  let templates: AchievementRow[];
  const EXAMPLE = "Créer de la valeur par l'innovation : niveau intermédiaire";
  const LADDER = (level: string) => `Créer de la valeur par l'innovation scientifique et technique : niveau ${level}`;
  const named = (name: string) => templates.find((t) => t.name === name)!;

  beforeAll(async () => {
    node = await startTestNode({ demo: true });
    const report = await runFirstStart(node.config, node.services);
    expect(report.demo).not.toBeNull();
    const issuer = (await node.services.issuers.findBySlug("centrale-marseille-demo"))!;
    const [framework] = await node.services.frameworks.list(issuer.id);
    frameworkId = framework!.id;
    innovationId = (await node.services.frameworks.load(frameworkId))!.competencies.find((c) => c.code === "innovation")!.id;
    templates = (await node.services.achievements.search({ perPage: 100 }, { issuerIds: [issuer.id] })).rows;
  });
  afterAll(async () => { await node?.close(); });

  it("attaches the example badge to the framework, the innovation competency and the intermediate level", async () => {
    expect(templates).toHaveLength(6);
    const example = named(EXAMPLE);
    expect([example.status, example.framework_id, example.competency_id, example.level_code, example.level_rank]).toEqual(["published", frameworkId, innovationId, "intermediaire", 2]);
    const content = (await node.services.achievements.load(example.id))!.content;
    // Its own alignment (the framework's document) stays, and it is aligned with the competency as the ladder's are.
    expect(content.alignment.map((a) => a.targetName)).toEqual(["Référentiel de compétences de l'ingénieur centralien", "Créer de la valeur par l'innovation scientifique et technique"]);
    expect(content.alignment[1]).toMatchObject({ targetCode: "innovation", targetUrl: `${node.url}/frameworks/${frameworkId}#item-${innovationId}` });
    expect(content.resultDescription?.[0]?.requiredLevel).toBe(`${node.url}/frameworks/${frameworkId}#level-intermediaire`);
  });

  it("the matrix shows it in the innovation × Intermédiaire cell, beside the ladder's template", async () => {
    const html = await (await node.client().request(`/frameworks/${frameworkId}`)).text();
    const section = html.slice(html.indexOf(`<section class="competency" id="item-${innovationId}"`));
    const row = section.slice(section.indexOf('<tr class="templates">'), section.indexOf("</tr>", section.indexOf('<tr class="templates">')));
    const cells = row.split("<td>").slice(1);
    expect(cells).toHaveLength(5);
    const linked = (cell: string) => [...cell.matchAll(/<a href="\/achievements\/([^"]+)">/g)].map((m) => m[1]);
    expect(linked(cells[1]!).sort()).toEqual([named(EXAMPLE).id, named(LADDER("intermédiaire")).id].sort());
    expect(linked(cells[0]!)).toEqual([named(LADDER("novice")).id]);
    expect(linked(cells[2]!)).toEqual([named(LADDER("compétent")).id]);
  });

  it("the catalogue finds it by framework, competency and level", async () => {
    const ids = async (qs: string) => [...(await (await node.client().request(`/catalogue?${qs}`)).text()).matchAll(/<h2><a href="\/achievements\/([^"]+)">/g)].map((m) => m[1]);
    expect(await ids(`framework=${frameworkId}`)).toContain(named(EXAMPLE).id);
    expect((await ids(`framework=${frameworkId}&competency=${innovationId}&level=intermediaire`)).sort()).toEqual([named(EXAMPLE).id, named(LADDER("intermédiaire")).id].sort());
  });

  it("requires the novice level like the ladder's intermediate level; the ladder's chain is unchanged", async () => {
    const requires = async (name: string) => (await node.services.achievements.prerequisites(named(name).id)).map((r) => r.name);
    expect(await requires(EXAMPLE)).toEqual([LADDER("novice")]);
    expect(await requires(LADDER("novice"))).toEqual([]);
    expect(await requires(LADDER("intermédiaire"))).toEqual([LADDER("novice")]);
    expect(await requires(LADDER("compétent"))).toEqual([LADDER("intermédiaire")]);
    expect(await requires(LADDER("avancé"))).toEqual([LADDER("compétent")]);
    expect(await requires(LADDER("expert"))).toEqual([LADDER("avancé")]);
  });
});
