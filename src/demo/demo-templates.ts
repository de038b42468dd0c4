import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliActor } from "../audit/audit.service.ts";
import type { Services } from "../app.ts";
import type { IssuerRow } from "../db/database.ts";

const dir = join(import.meta.dirname, "centrale");
const read = (file: string) => new Uint8Array(readFileSync(join(dir, file)));

interface ExampleBadge {
  achievement: { name: string; description: string; tags: string[]; criteria_narrative: string; alignment: Array<{ targetName: string; targetUrl: string; targetDescription?: string }> };
}

/** The Centrale framework, the innovation ladder generated from it (published, with designed images), and the example badge. */
export async function seedDemoTemplates(services: Services, issuer: IssuerRow): Promise<{ templates: number }> {
  const imported = await services.frameworks.importCsv(cliActor, issuer, {
    name: "Référentiel de compétences de l'ingénieur centralien",
    sourceUrl: "https://www.centrale-mediterranee.fr/sites/default/files/2023-03/Referentiel_Comp%C3%A9tences_Presentation.pdf",
    framework: read("framework.csv"), levels: read("levels.csv"), situations: read("evaluation-situations.csv"),
  });
  if (!imported.ok) throw new Error(`demo framework refused: ${JSON.stringify(imported.error.errors)}`);
  const framework = (await services.frameworks.load(imported.value.id))!;
  const innovation = framework.competencies.find((c) => c.code === "innovation")!;
  const ladder = await services.frameworks.generateLadder(cliActor, issuer, framework.id, innovation.id);
  if (!ladder.ok) throw new Error("demo ladder could not be generated");
  let count = 0;
  for (const [rank, template] of ladder.value.created.entries()) {
    const image = await services.images.design(cliActor, issuer, { shape: "shield", background: "#1d3f91", foreground: "#ffffff", icon: "lightbulb", text: "Innovation", level: rank + 1, levels: ladder.value.created.length });
    if (image.ok) await services.achievements.edit(cliActor, template.row.id, { ...template.content, imageId: image.value.id });
    await services.achievements.publish(cliActor, template.row.id);
    count++;
  }
  const example = (JSON.parse(readFileSync(join(dir, "example-badge.json"), "utf8")) as ExampleBadge).achievement;
  const image = await services.images.design(cliActor, issuer, { shape: "circle", background: "#0f6b3a", foreground: "#ffffff", icon: "star", text: "Centrale", level: 2, levels: 5 });
  const defined = await services.achievements.define(cliActor, issuer, {
    name: example.name, description: example.description, criteria: { narrative: example.criteria_narrative }, tags: example.tags,
    alignment: example.alignment, achievementType: "Competency", inLanguage: "fr", imageId: image.ok ? image.value.id : undefined,
  }, { publish: true });
  if (!defined.ok) throw new Error(`demo example badge refused: ${JSON.stringify(defined.error)}`);
  return { templates: count + 1 };
}
