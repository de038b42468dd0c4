import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Achievement } from "../achievements/achievements.service.ts";
import { demoActor } from "../audit/audit.service.ts";
import type { Services } from "../app.ts";
import type { IssuerRow } from "../db/database.ts";

const dir = join(import.meta.dirname, "centrale");
const read = (file: string) => new Uint8Array(readFileSync(join(dir, file)));

interface ExampleBadge {
  achievement: {
    name: string; description: string; tags: string[]; criteria_narrative: string; competency_code: string; level_code: string;
    alignment: Array<{ targetName: string; targetUrl: string; targetDescription?: string }>;
  };
}

// The example badge names its competency and level (competency_code, level_code): it is attached to
// them as the ladder's template of that level is — framework, competency and level, the alignment
// to the competency, the rubric, and the same prerequisite (the level below) — beside its own
// alignment, in the same matrix cell.
async function linkedAsLadder(services: Services, ladder: Achievement[], example: ExampleBadge["achievement"], competencyCode: string) {
  const same = ladder.find((t) => t.row.level_code === example.level_code);
  if (!same || example.competency_code !== competencyCode) throw new Error(`demo example badge: no ladder template for ${example.competency_code}/${example.level_code}`);
  const { frameworkId, competencyId, levelCode, resultDescription } = same.content;
  const toCompetency = same.content.alignment.filter((a) => a.targetCode === competencyCode);
  const requires = (await services.achievements.prerequisites(same.row.id)).map((r) => r.id);
  return { content: { frameworkId, competencyId, levelCode, resultDescription, alignment: [...example.alignment, ...toCompetency] }, requires };
}

/** The Centrale framework, the innovation ladder generated from it (published, with designed images), and the example badge. */
export async function seedDemoTemplates(services: Services, issuer: IssuerRow): Promise<{ templates: number }> {
  const imported = await services.frameworks.importCsv(demoActor, issuer, {
    name: "Référentiel de compétences de l'ingénieur centralien",
    sourceUrl: "https://www.centrale-mediterranee.fr/sites/default/files/2023-03/Referentiel_Comp%C3%A9tences_Presentation.pdf",
    framework: read("framework.csv"), levels: read("levels.csv"), situations: read("evaluation-situations.csv"),
  });
  if (!imported.ok) throw new Error(`demo framework refused: ${JSON.stringify(imported.error.errors)}`);
  const framework = (await services.frameworks.load(imported.value.id))!;
  const innovation = framework.competencies.find((c) => c.code === "innovation")!;
  const ladder = await services.frameworks.generateLadder(demoActor, issuer, framework.id, innovation.id);
  if (!ladder.ok) throw new Error("demo ladder could not be generated");
  let count = 0;
  for (const [rank, template] of ladder.value.created.entries()) {
    const image = await services.images.design(demoActor, issuer, { shape: "shield", background: "#1d3f91", foreground: "#ffffff", icon: "lightbulb", text: "Innovation", level: rank + 1, levels: ladder.value.created.length });
    if (image.ok) await services.achievements.edit(demoActor, template.row.id, { ...template.content, imageId: image.value.id });
    await services.achievements.publish(demoActor, template.row.id);
    count++;
  }
  const example = (JSON.parse(readFileSync(join(dir, "example-badge.json"), "utf8")) as ExampleBadge).achievement;
  const linked = await linkedAsLadder(services, ladder.value.created, example, innovation.code);
  const image = await services.images.design(demoActor, issuer, { shape: "circle", background: "#0f6b3a", foreground: "#ffffff", icon: "star", text: "Centrale", level: 2, levels: 5 });
  const defined = await services.achievements.define(demoActor, issuer, {
    name: example.name, description: example.description, criteria: { narrative: example.criteria_narrative }, tags: example.tags,
    achievementType: "Competency", inLanguage: "fr", imageId: image.ok ? image.value.id : undefined, ...linked.content,
  }, { publish: true, requires: linked.requires });
  if (!defined.ok) throw new Error(`demo example badge refused: ${JSON.stringify(defined.error)}`);
  return { templates: count + 1 };
}
