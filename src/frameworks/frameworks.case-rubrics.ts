import { SITUATION_ASSOCIATION, SITUATION_ITEM_TYPE, levelCodeFromUri, readRequiredMark } from "./frameworks.case-vocab.ts";
import {
  DEFAULT_LEVELS, MAX_NAME, levelCodeFromName,
  type CellDraft, type CompetencyDraft, type ImportProblem, type ImportReport, type LevelDef,
} from "./frameworks.schema.ts";

// Reading the level scale, the descriptors and the evaluation situations of a CASE 1.0 package
// (the conventions are in frameworks.case-vocab.ts). Packages from other tools, which lack our
// scale criterion or situation items, fall back to level codes made from the level names and to
// the default scale's optional flags; the preview then says which levels were guessed.

/** A CASE link (LinkURI / LinkGenURI): identifier, URI, title. */
export interface CaseLink { identifier: string; uri?: string; title?: string }
/** A CFRubricCriterionLevel, as far as we read it. */
export interface CaseLevel { identifier?: string; uri?: string; quality?: string; description?: string; score?: number; position?: number }
/** A CFRubricCriterion, as far as we read it. */
export interface CaseCriterion { CFItemURI?: CaseLink; CFRubricCriterionLevels: CaseLevel[] }
/** A CFAssociation, as far as we read it. */
export interface CaseAssociation { associationType: string; originNodeURI: CaseLink; destinationNodeURI: CaseLink; sequenceNumber?: number }
/** A CFItem, as far as the situations need it. */
export interface CaseItem { identifier: string; fullStatement: string; CFItemType?: string }

interface ScaleEntry { code: string; name: string; order: number; required: boolean | null; explicitCode: boolean }

type Problem = (key: string, params?: Record<string, string | number>) => ImportProblem;

class Scale {
  entries: ScaleEntry[] = [];

  /** A level of the scale criterion: its code comes from its URI when we wrote it. */
  declare(l: CaseLevel, index: number): void {
    const name = l.quality?.trim();
    if (!name) return;
    const fromUri = levelCodeFromUri(l.uri);
    const code = fromUri ?? levelCodeFromName(name);
    if (this.entries.some((e) => e.code === code)) return;
    this.entries.push({ code, name, order: l.score ?? l.position ?? index, required: readRequiredMark(l.description), explicitCode: fromUri !== null });
  }

  /** The code of a cell's level: the scale level of that name (and score, when names repeat), else one made from the name. */
  codeOf(l: CaseLevel, index: number): string | null {
    const name = l.quality?.trim();
    if (!name) return null;
    const named = this.entries.filter((e) => e.name === name);
    const found = named.find((e) => e.order === (l.score ?? l.position)) ?? named[0] ?? this.entries.find((e) => e.code === levelCodeFromName(name));
    if (found) return found.code;
    const code = levelCodeFromName(name);
    this.entries.push({ code, name, order: l.score ?? l.position ?? index, required: null, explicitCode: false });
    return code;
  }

  levels(report: ImportReport, problem: Problem): LevelDef[] {
    if (!this.entries.length) {
      report.warnings.push(problem("frameworks.warnings.caseDefaultScale"));
      return DEFAULT_LEVELS.map((l) => ({ ...l }));
    }
    const sorted = this.entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.order - b.e.order || a.i - b.i).map(({ e }) => e);
    // Our exports (every level's code given) carry the ranks as scores: keep them if they can be ranks
    // (distinct integers ≥ 1); other tools' scores (points, 0-based) give ranks 1, 2, 3…
    const keepRanks = sorted.every((e, i) => e.explicitCode && Number.isInteger(e.order) && e.order >= 1 && (i === 0 || e.order > sorted[i - 1]!.order));
    const guessed = sorted.filter((e) => !e.explicitCode || e.required === null);
    if (guessed.length) report.warnings.push(problem("frameworks.warnings.caseLevelsGuessed", { levels: guessed.map((e) => `${e.name} (${e.code})`).join(", ") }));
    return sorted.map((e, i) => ({
      code: e.code, name: e.name, rank: keepRanks ? e.order : i + 1,
      required: e.required ?? DEFAULT_LEVELS.find((d) => d.code === e.code)?.required ?? true,
    }));
  }
}

/** What the rubrics gave: the scale, and the cell of each per-cell CFRubricCriterionLevel (by identifier and by URI). */
export interface RubricsRead {
  levels: LevelDef[];
  cellOf: Map<string, CellDraft>;
}

/**
 * Reads the CFRubricCriteria: those tied to no CFItem declare the scale, those tied to a
 * sub-competency give its descriptors. A criterion on another item is ignored (warning), one on
 * an unknown item is an error.
 */
export function readRubrics(criteria: CaseCriterion[], knownItem: (identifier: string) => string | undefined, competencies: CompetencyDraft[], report: ImportReport, problem: Problem): RubricsRead {
  const subs = new Map(competencies.flatMap((c) => c.subs).map((s) => [s.caseIdentifier!, s]));
  const scale = new Scale();
  const cellOf = new Map<string, CellDraft>();
  for (const criterion of criteria) if (!criterion.CFItemURI) criterion.CFRubricCriterionLevels.forEach((l, i) => scale.declare(l, i));
  for (const criterion of criteria) {
    const ref = criterion.CFItemURI;
    if (!ref) continue;
    const sub = subs.get(ref.identifier);
    const title = knownItem(ref.identifier);
    if (!sub && title !== undefined) { report.warnings.push(problem("frameworks.warnings.caseCriterionIgnored", { title })); continue; }
    if (!sub) { report.errors.push(problem("frameworks.errors.caseDangling", { identifier: ref.identifier, title: ref.title ?? "" })); continue; }
    criterion.CFRubricCriterionLevels.forEach((l, i) => {
      const code = scale.codeOf(l, i);
      if (!code) return;
      let cell = sub.cells.find((c) => c.levelCode === code);
      if (!cell) sub.cells.push((cell = { levelCode: code, descriptor: l.description?.trim() ?? "", situations: [] }));
      for (const key of [l.identifier, l.uri]) if (key) cellOf.set(key, cell);
    });
  }
  return { levels: scale.levels(report, problem), cellOf };
}

/**
 * Puts the evaluation situations into their cells: CFItems of our situation type, not in the
 * tree, linked by isRelatedTo to a cell's CFRubricCriterionLevel. Returns how many such items were used.
 */
export function readSituations(associations: CaseAssociation[], items: Map<string, CaseItem>, placed: Set<string>, cellOf: Map<string, CellDraft>): number {
  const used = new Set<string>();
  const links = associations.map((a, index) => ({ a, index }))
    .filter(({ a }) => a.associationType === SITUATION_ASSOCIATION)
    .sort((x, y) => (x.a.sequenceNumber ?? Infinity) - (y.a.sequenceNumber ?? Infinity) || x.index - y.index);
  for (const { a } of links) {
    const item = items.get(a.originNodeURI.identifier);
    if (!item || item.CFItemType !== SITUATION_ITEM_TYPE || placed.has(item.identifier)) continue;
    const cell = cellOf.get(a.destinationNodeURI.identifier) ?? (a.destinationNodeURI.uri ? cellOf.get(a.destinationNodeURI.uri) : undefined);
    if (!cell) continue;
    used.add(item.identifier);
    const activity = item.fullStatement.trim().slice(0, MAX_NAME);
    if (activity && !cell.situations.includes(activity)) cell.situations.push(activity);
  }
  return used.size;
}
