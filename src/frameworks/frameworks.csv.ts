import { readCsvFile, type CsvRow } from "./frameworks.decode.ts";
import {
  DEFAULT_LEVELS, LEVEL_CODE, MAX_CODE, MAX_DESCRIPTOR, MAX_NAME, countDraft,
  type CompetencyDraft, type FrameworkDraft, type ImportProblem, type ImportReport, type LevelDef, type SubCompetencyDraft,
} from "./frameworks.schema.ts";

// The CSV import: the three files of ../shared/data/centrale-competencies (README there).
// Every problem is collected with its file and line so the preview can list them all at once.

export const FRAMEWORK_COLUMNS = ["competency_code", "competency_name", "competency_short_name", "sub_competency", "level_code", "descriptor"] as const;
export const LEVEL_COLUMNS = ["level_code", "level_name", "rank", "required_for_diploma_track"] as const;
export const SITUATION_COLUMNS = ["competency_code", "sub_competency", "level_code", "activity"] as const;

export const FILES = { framework: "framework.csv", levels: "levels.csv", situations: "evaluation-situations.csv" } as const;

/** The uploaded files (framework.csv is required) and the form's name and source URL. */
export interface CsvImportInput {
  name: string | null;
  sourceUrl: string | null;
  framework?: Uint8Array | null;
  levels?: Uint8Array | null;
  situations?: Uint8Array | null;
}

const YES = new Set(["yes", "oui", "true", "1", "y", "o", "x", ""]);
const NO = new Set(["no", "non", "false", "0", "n"]);

class Problems {
  errors: ImportProblem[] = [];
  file: string;
  constructor(file: string) {
    this.file = file;
  }
  error(line: number | null, key: string, params?: Record<string, string | number>) {
    this.errors.push({ file: this.file, line, key, params });
  }
}

function tooLong(p: Problems, row: CsvRow, limits: Record<string, number>): boolean {
  const over = Object.entries(limits).find(([col, max]) => (row.values[col] ?? "").length > max);
  if (over) p.error(row.line, "frameworks.errors.tooLong", { column: over[0], max: over[1] });
  return !!over;
}

/** Reads levels.csv into a scale sorted by rank. */
function readLevels(rows: CsvRow[], p: Problems): LevelDef[] {
  const levels: LevelDef[] = [];
  for (const row of rows) {
    const v = row.values;
    const code = v.level_code!, name = v.level_name!, rank = v.rank!, req = v.required_for_diploma_track!.toLowerCase();
    if (!LEVEL_CODE.test(code)) { p.error(row.line, "frameworks.errors.levelCode", { code }); continue; }
    if (!name) { p.error(row.line, "frameworks.errors.emptyLevelName", { code }); continue; }
    if (tooLong(p, row, { level_name: MAX_NAME })) continue;
    if (!/^\d{1,3}$/.test(rank) || Number(rank) < 1) { p.error(row.line, "frameworks.errors.levelRank", { rank }); continue; }
    if (!YES.has(req) && !NO.has(req)) { p.error(row.line, "frameworks.errors.levelRequired", { value: v.required_for_diploma_track! }); continue; }
    if (levels.some((l) => l.code === code)) { p.error(row.line, "frameworks.errors.duplicateLevel", { code }); continue; }
    if (levels.some((l) => l.rank === Number(rank))) { p.error(row.line, "frameworks.errors.duplicateRank", { rank }); continue; }
    levels.push({ code, name, rank: Number(rank), required: !NO.has(req) });
  }
  if (!rows.length) p.error(null, "frameworks.errors.noRows");
  return levels.sort((a, b) => a.rank - b.rank);
}

function findOrAddCompetency(list: CompetencyDraft[], row: CsvRow, firstLine: Map<string, number>, p: Problems): CompetencyDraft | null {
  const v = row.values;
  const found = list.find((c) => c.code === v.competency_code);
  if (found) {
    if (found.name !== v.competency_name) {
      p.error(row.line, "frameworks.errors.competencyNameMismatch", { code: found.code, line: firstLine.get(found.code) ?? "?" });
      return null;
    }
    found.shortName ??= v.competency_short_name || null;
    return found;
  }
  const created: CompetencyDraft = { code: v.competency_code!, name: v.competency_name!, shortName: v.competency_short_name || null, caseUri: null, caseIdentifier: null, subs: [] };
  firstLine.set(created.code, row.line);
  list.push(created);
  return created;
}

function findOrAddSub(c: CompetencyDraft, name: string): SubCompetencyDraft {
  const found = c.subs.find((s) => s.code === name);
  if (found) return found;
  const created: SubCompetencyDraft = { code: name, name, caseUri: null, caseIdentifier: null, cells: [] };
  c.subs.push(created);
  return created;
}

function checkFrameworkRow(row: CsvRow, levels: LevelDef[], p: Problems): boolean {
  const v = row.values;
  if (!v.competency_code) { p.error(row.line, "frameworks.errors.emptyCompetencyCode"); return false; }
  if (!v.competency_name) { p.error(row.line, "frameworks.errors.emptyCompetencyName", { code: v.competency_code }); return false; }
  if (!v.sub_competency) { p.error(row.line, "frameworks.errors.emptySubCompetency", { code: v.competency_code }); return false; }
  if (!levels.some((l) => l.code === v.level_code)) {
    p.error(row.line, "frameworks.errors.unknownLevel", { code: v.level_code || "—", known: levels.map((l) => l.code).join(", ") });
    return false;
  }
  return !tooLong(p, row, { competency_code: MAX_CODE, competency_name: MAX_NAME, competency_short_name: MAX_NAME, sub_competency: MAX_CODE, descriptor: MAX_DESCRIPTOR });
}

/** Reads framework.csv: competencies → sub-competencies → one descriptor per level. */
function readFramework(rows: CsvRow[], levels: LevelDef[], p: Problems): CompetencyDraft[] {
  const competencies: CompetencyDraft[] = [];
  const seen = new Map<string, number>();
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    if (!checkFrameworkRow(row, levels, p)) continue;
    const v = row.values;
    const key = JSON.stringify([v.competency_code, v.sub_competency, v.level_code]);
    if (seen.has(key)) {
      p.error(row.line, "frameworks.errors.duplicateRow", { competency: v.competency_code!, sub: v.sub_competency!, level: v.level_code!, line: seen.get(key)! });
      continue;
    }
    seen.set(key, row.line);
    const competency = findOrAddCompetency(competencies, row, firstLine, p);
    if (!competency) continue;
    findOrAddSub(competency, v.sub_competency!).cells.push({ levelCode: v.level_code!, descriptor: v.descriptor!, situations: [] });
  }
  if (!rows.length) p.error(null, "frameworks.errors.noRows");
  return competencies;
}

/** Adds evaluation-situations.csv to the cells; a situation must name a known competency, sub-competency and level. */
function readSituations(rows: CsvRow[], competencies: CompetencyDraft[], levels: LevelDef[], p: Problems): void {
  for (const row of rows) {
    const v = row.values;
    const competency = competencies.find((c) => c.code === v.competency_code);
    if (!competency) { p.error(row.line, "frameworks.errors.situationCompetency", { code: v.competency_code || "—" }); continue; }
    const sub = competency.subs.find((s) => s.code === v.sub_competency);
    if (!sub) { p.error(row.line, "frameworks.errors.situationSub", { code: competency.code, sub: v.sub_competency || "—" }); continue; }
    if (!levels.some((l) => l.code === v.level_code)) {
      p.error(row.line, "frameworks.errors.unknownLevel", { code: v.level_code || "—", known: levels.map((l) => l.code).join(", ") });
      continue;
    }
    if (!v.activity) { p.error(row.line, "frameworks.errors.emptyActivity"); continue; }
    if (tooLong(p, row, { activity: MAX_NAME })) continue;
    let cell = sub.cells.find((c) => c.levelCode === v.level_code);
    if (!cell) sub.cells.push((cell = { levelCode: v.level_code!, descriptor: "", situations: [] }));
    if (!cell.situations.includes(v.activity)) cell.situations.push(v.activity);
  }
}

/** Builds a framework from the CSV uploads; `draft` is null when a file could not be read at all. */
export function buildFromCsv(input: CsvImportInput): { draft: FrameworkDraft | null; report: ImportReport } {
  const report: ImportReport = { encodings: {}, rows: 0, errors: [], warnings: [], counts: { competencies: 0, subCompetencies: 0, levels: 0, descriptors: 0, situations: 0 } };
  const read = (file: string, bytes: Uint8Array, columns: readonly string[]) => {
    const r = readCsvFile(file, bytes, columns);
    if (!r.ok) { report.errors.push(r.problem); return null; }
    report.encodings[file] = r.value.encoding;
    report.rows += r.value.rows.length;
    return r.value.rows;
  };
  if (!input.framework?.byteLength) {
    report.errors.push({ file: FILES.framework, line: null, key: "frameworks.errors.frameworkFileRequired" });
    return { draft: null, report };
  }
  const levelRows = input.levels?.byteLength ? read(FILES.levels, input.levels, LEVEL_COLUMNS) : undefined;
  const frameworkRows = read(FILES.framework, input.framework, FRAMEWORK_COLUMNS);
  const situationRows = input.situations?.byteLength ? read(FILES.situations, input.situations, SITUATION_COLUMNS) : undefined;
  if (levelRows === null || frameworkRows === null || situationRows === null) return { draft: null, report };

  const problems = [new Problems(FILES.levels), new Problems(FILES.framework), new Problems(FILES.situations)] as const;
  const levels = levelRows ? readLevels(levelRows, problems[0]) : DEFAULT_LEVELS.map((l) => ({ ...l }));
  const competencies = readFramework(frameworkRows, levels, problems[1]);
  if (situationRows) readSituations(situationRows, competencies, levels, problems[2]);
  report.errors.push(...problems.flatMap((p) => p.errors));
  const name = input.name ?? "";
  if (!name) report.errors.push({ file: "", line: null, key: "frameworks.errors.nameRequired" });
  const draft: FrameworkDraft = { name, description: "", sourceUrl: input.sourceUrl, sourceKind: "csv", caseUri: null, caseIdentifier: null, levels, competencies };
  report.counts = countDraft(draft);
  return { draft, report };
}
