import type { FieldErrors } from "../shared/result.ts";
import type { AchievementContent } from "./achievements.schema.ts";

// The HTML form is flat (one input per field, alignment rows as repeated inputs); the content is
// the OB-shaped object validated by achievementContent. These two functions translate between them.

type Fields = Record<string, string | string[] | undefined>;

const ALIGNMENT_KEYS = ["targetName", "targetUrl", "targetFramework", "targetCode", "targetType", "targetDescription"] as const;

function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
}

function many(v: string | string[] | undefined): string[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

// French users type decimal commas ("2,5 ECTS"); anything not numeric goes to the schema as text and fails there.
function numberOrText(raw: string): number | string | undefined {
  if (raw === "") return undefined;
  const n = Number(raw.replace(",", "."));
  return Number.isFinite(n) ? n : raw;
}

function alignmentRows(f: Fields): Record<string, string | undefined>[] {
  const columns = ALIGNMENT_KEYS.map((k) => many(f[`alignment_${k}`]));
  const count = Math.max(0, ...columns.map((c) => c.length));
  const rows: Record<string, string | undefined>[] = [];
  for (let i = 0; i < count; i++) {
    const row = Object.fromEntries(ALIGNMENT_KEYS.map((k, j) => [k, columns[j]![i]?.trim() || undefined]));
    if (Object.values(row).some(Boolean)) rows.push(row);
  }
  return rows;
}

/** The language of the form's second edition for a main language: French when the main one is English, else English. */
export function editionLanguageOf(mainLanguage: string): "fr" | "en" {
  return mainLanguage === "en" ? "fr" : "en";
}

/** Turns the template form into content input; `base` keeps what the form does not show (ladder links). */
export function formToContent(f: Fields, base: Partial<AchievementContent> = {}): Record<string, unknown> {
  const enName = one(f.enName), enDescription = one(f.enDescription), enCriteria = one(f.enCriteriaNarrative);
  const inLanguage = one(f.inLanguage) || "fr";
  const imageId = one(f.removeImage) ? undefined : one(f.imageId) || base.imageId || undefined;
  return {
    ...base,
    name: one(f.name),
    description: one(f.description),
    criteria: { narrative: one(f.criteriaNarrative), id: one(f.criteriaUrl) },
    tags: one(f.tags).split(/[,;\n]/).map((t) => t.trim()).filter(Boolean),
    alignment: alignmentRows(f),
    achievementType: one(f.achievementType) || "Badge",
    creditsAvailable: numberOrText(one(f.creditsAvailable)),
    fieldOfStudy: one(f.fieldOfStudy),
    humanCode: one(f.humanCode),
    specialization: one(f.specialization),
    validForDays: numberOrText(one(f.validForDays)),
    inLanguage,
    // The second edition is in the other language: English beside French, French beside English.
    edition: enName || enDescription || enCriteria ? { inLanguage: editionLanguageOf(inLanguage), name: enName, description: enDescription, criteriaNarrative: enCriteria } : undefined,
    imageId,
  };
}

/** The form's values for an existing template (edit page). */
export function contentToForm(c: AchievementContent): Record<string, unknown> {
  return {
    name: c.name, description: c.description, criteriaNarrative: c.criteria.narrative ?? "", criteriaUrl: c.criteria.id ?? "",
    tags: c.tags.join(", "), achievementType: c.achievementType, creditsAvailable: c.creditsAvailable ?? "",
    fieldOfStudy: c.fieldOfStudy ?? "", humanCode: c.humanCode ?? "", specialization: c.specialization ?? "",
    validForDays: c.validForDays ?? "", inLanguage: c.inLanguage, enName: c.edition?.name ?? "",
    enDescription: c.edition?.description ?? "", enCriteriaNarrative: c.edition?.criteriaNarrative ?? "",
    imageId: c.imageId ?? "", alignment: c.alignment,
  };
}

const FIELD_NAMES: Record<string, string> = {
  "criteria.narrative": "criteriaNarrative", "criteria.id": "criteriaUrl", "edition.name": "enName",
  "edition.description": "enDescription", "edition.criteriaNarrative": "enCriteriaNarrative", "edition.inLanguage": "inLanguage",
};

/** Maps content error paths (criteria.narrative, tags.3) to the form's field names. */
export function contentErrorsToForm(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const field = FIELD_NAMES[path] ?? (path.startsWith("tags") ? "tags" : path);
    out[field] ??= message;
  }
  return out;
}
