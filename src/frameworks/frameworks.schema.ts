import { z } from "zod";
import { optionalText, optionalUrl, requiredText } from "../shared/validation.ts";

// A competency framework as the importers build it and the pages show it. The same shape is
// stored as the pending import's payload and rebuilt from the tables for a saved framework
// (then every node carries its row `id`).

/** One step of the level scale (novice → expert). */
export interface LevelDef {
  code: string;
  name: string;
  rank: number;
  /** False for the optional levels (Centrale: Avancé and Expert are beyond the diploma track). */
  required: boolean;
}

/** What a (sub-competency, level) cell says and where it is assessed. */
export interface CellDraft {
  levelCode: string;
  descriptor: string;
  situations: string[];
}

/** A sub-competency (criterion) of a competency. */
export interface SubCompetencyDraft {
  id?: string;
  code: string;
  name: string;
  caseUri: string | null;
  caseIdentifier: string | null;
  cells: CellDraft[];
}

/** A competency and its sub-competencies. */
export interface CompetencyDraft {
  id?: string;
  code: string;
  name: string;
  shortName: string | null;
  caseUri: string | null;
  caseIdentifier: string | null;
  subs: SubCompetencyDraft[];
}

/** A whole framework, ready to store (or rebuilt from storage). */
export interface FrameworkDraft {
  id?: string;
  name: string;
  description: string;
  sourceUrl: string | null;
  sourceKind: "csv" | "case";
  caseUri: string | null;
  caseIdentifier: string | null;
  levels: LevelDef[];
  competencies: CompetencyDraft[];
}

/** One problem found in an imported file: a message key with its parameters, and where. */
export interface ImportProblem {
  file: string;
  line: number | null;
  key: string;
  params?: Record<string, string | number>;
}

/** The preview report of an import. */
export interface ImportReport {
  /** Encoding detected per file: "utf-8", "utf-8-bom" or "windows-1252". */
  encodings: Record<string, string>;
  rows: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  counts: { competencies: number; subCompetencies: number; levels: number; descriptors: number; situations: number };
}

/** The default scale: three levels for the diploma track, two optional ones beyond it. */
export const DEFAULT_LEVELS: readonly LevelDef[] = [
  { code: "novice", name: "Novice", rank: 1, required: true },
  { code: "intermediaire", name: "Intermédiaire", rank: 2, required: true },
  { code: "competent", name: "Compétent", rank: 3, required: true },
  { code: "avance", name: "Avancé", rank: 4, required: false },
  { code: "expert", name: "Expert", rank: 5, required: false },
];

// Level codes end up in URL fragments (`#level-{code}`) and in the achievements table.
export const LEVEL_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;

// Import limits (issue 3, "Bad input"): beyond them the file is refused before any parsing work.
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 5000;
export const MAX_NAME = 300;
export const MAX_CODE = 200;
export const MAX_DESCRIPTOR = 5000;

/** The text fields of the import forms (files are read separately). */
export const importForm = z.object({
  name: optionalText(MAX_NAME),
  sourceUrl: optionalUrl,
});

export type ImportFormInput = z.output<typeof importForm>;

/** The details form of a stored framework (name, description, source URL). */
export const detailsForm = z.object({
  name: requiredText(MAX_NAME),
  description: optionalText(5000),
  sourceUrl: optionalUrl,
});

/** Summary counts of a framework draft. */
export function countDraft(d: FrameworkDraft): ImportReport["counts"] {
  const subs = d.competencies.flatMap((c) => c.subs);
  const cells = subs.flatMap((s) => s.cells);
  return {
    competencies: d.competencies.length, subCompetencies: subs.length, levels: d.levels.length,
    descriptors: cells.filter((c) => c.descriptor !== "").length, situations: cells.reduce((n, c) => n + c.situations.length, 0),
  };
}

/** The cell of a sub-competency at a level, if any. */
export function cellAt(sub: SubCompetencyDraft, levelCode: string): CellDraft | undefined {
  return sub.cells.find((c) => c.levelCode === levelCode);
}

/** A level code made from a level name ("Intermédiaire" → "intermediaire"). */
export function levelCodeFromName(name: string): string {
  const code = name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return code.slice(0, 40) || "level";
}
