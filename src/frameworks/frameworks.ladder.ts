import type { AchievementContentInput } from "../achievements/achievements.schema.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import { cellAt, type CompetencyDraft, type FrameworkDraft, type LevelDef, type SubCompetencyDraft } from "./frameworks.schema.ts";

// The level ladder (issue 3): one Competency template per level of the scale, with that level's
// descriptors as criteria, alignments to the framework items and the scale as an OB 3.0
// ResultDescription of type RubricCriterionLevel (OB 3.0 §B.1.x ResultDescription, §1.7 here:
// ../shared/research/ob3.md). Pure: the service stores what this builds.

/** A sub-competency read back from storage. */
export type StoredSub = SubCompetencyDraft & { id: string };
/** A competency read back from storage. */
export type StoredCompetency = Omit<CompetencyDraft, "subs"> & { id: string; subs: StoredSub[] };
/** A framework read back from storage: every node has its row id. */
export type StoredFramework = Omit<FrameworkDraft, "competencies"> & { id: string; issuerId: string; competencies: StoredCompetency[] };

const clip = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max - 1).trimEnd() + "…");
// Names go inside **bold** Markdown: keep their own * _ ` [ ] literal.
const md = (s: string) => s.replace(/([\\`*_[\]])/g, "\\$1");
const isHttp = (v: string | null): v is string => !!v && /^https?:\/\/\S+$/i.test(v) && URL.canParse(v);

/** Stable, achievement-independent URL of a level of a framework's scale (RubricCriterionLevel id). */
export function levelUrl(urls: NodeUrls, frameworkId: string, levelCode: string): string {
  return `${urls.framework(frameworkId)}#level-${levelCode}`;
}

function criteriaLines(c: CompetencyDraft, level: LevelDef, colon: string, pending: string): string[] {
  return c.subs.map((s) => `- **${md(s.name)}**${colon} ${cellAt(s, level.code)?.descriptor || pending}`);
}

function situationLines(c: CompetencyDraft, level: LevelDef): string[] {
  const bySituation = new Map<string, string[]>();
  for (const s of c.subs) for (const a of cellAt(s, level.code)?.situations ?? []) bySituation.set(a, [...(bySituation.get(a) ?? []), s.name]);
  return [...bySituation].map(([a, subs]) => `- ${a} (${subs.join(", ")})`);
}

function texts(fw: StoredFramework, c: CompetencyDraft, level: LevelDef, below: LevelDef | undefined) {
  const n = fw.levels.length;
  const situations = situationLines(c, level);
  const fr = [
    `Pour obtenir ce badge, l'apprenant réalise des activités au cours desquelles il atteint le niveau ${level.name} :`,
    ...criteriaLines(c, level, " :", "descripteur à préciser"),
    ...(situations.length ? ["", "Situations d'évaluation :", ...situations] : []),
    ...(below ? ["", `Prérequis : le badge du niveau ${below.name}.`] : []),
  ].join("\n");
  const en = [
    `To earn this badge, the learner carries out activities in which they reach the ${level.name} level:`,
    ...criteriaLines(c, level, ":", "descriptor to be written"),
    ...(situations.length ? ["", "Evaluation situations:", ...situations] : []),
    ...(below ? ["", `Prerequisite: the ${below.name} level badge.`] : []),
  ].join("\n");
  // The template schema's limits (name 200, description 10 000, criteria 20 000): clip, never fail.
  return {
    frName: clip(`${clip(c.name, 170)} : niveau ${level.name.toLocaleLowerCase("fr")}`, 200),
    enName: clip(`${clip(c.name, 170)}: ${level.name} level`, 200),
    frDescription: clip(`Compétence « ${c.name} » du référentiel « ${fw.name} », niveau ${level.name} (${level.rank} sur ${n}${level.required ? "" : ", niveau facultatif"}).`, 10000),
    enDescription: clip(`Competency "${c.name}" of the framework "${fw.name}", ${level.name} level (${level.rank} of ${n}${level.required ? "" : ", optional level"}).`, 10000),
    fr: clip(fr, 20000), en: clip(en, 20000),
  };
}

type AlignmentInput = NonNullable<AchievementContentInput["alignment"]>[number];

function alignments(fw: StoredFramework, c: StoredCompetency, level: LevelDef, urls: NodeUrls): AlignmentInput[] {
  const fromCase = fw.sourceKind === "case";
  // From CASE, the CFItem URI is the item's identity (targetType CFItem); else our matrix anchor.
  const url = (n: { id: string; caseUri: string | null }) => (fromCase && isHttp(n.caseUri) ? n.caseUri : urls.frameworkItem(fw.id, n.id));
  const common = { targetFramework: clip(fw.name, 300), ...(fromCase ? { targetType: "CFItem" as const } : {}) };
  return [
    { targetName: clip(c.name, 300), targetUrl: url(c), targetCode: clip(c.code, 200), ...common },
    // At most 50 alignments per template: the competency and its first 49 sub-competencies.
    ...c.subs.slice(0, 49).map((s) => {
      const descriptor = cellAt(s, level.code)?.descriptor;
      return { targetName: clip(s.name, 300), targetUrl: url(s), targetCode: clip(`${c.code}/${s.code}`, 200), ...(descriptor ? { targetDescription: clip(descriptor, 5000) } : {}), ...common };
    }),
  ];
}

/** The content of the ladder template of one competency at one level. */
export function ladderContent(fw: StoredFramework, c: StoredCompetency, level: LevelDef, urls: NodeUrls): AchievementContentInput {
  const below = [...fw.levels].reverse().find((l) => l.rank < level.rank);
  const t = texts(fw, c, level, below);
  const n = fw.levels.length;
  return {
    name: t.frName,
    description: t.frDescription,
    criteria: { narrative: t.fr },
    tags: [clip(c.shortName || c.code, 60), clip(level.name, 60)],
    alignment: alignments(fw, c, level, urls),
    achievementType: "Competency",
    inLanguage: "fr",
    edition: { inLanguage: "en", name: t.enName, description: t.enDescription, criteriaNarrative: t.en },
    resultDescription: [{
      id: `${urls.framework(fw.id)}#result-${c.id}`,
      name: clip(`Niveau atteint : ${c.name}`, 300),
      resultType: "RubricCriterionLevel",
      rubricCriterionLevel: fw.levels.map((l) => ({
        id: levelUrl(urls, fw.id, l.code), name: l.name, level: l.code,
        description: `${l.rank}/${n}${l.required ? "" : " (facultatif / optional)"}`,
      })),
      requiredLevel: levelUrl(urls, fw.id, level.code),
    }],
    frameworkId: fw.id,
    competencyId: c.id,
    levelCode: level.code,
  };
}
