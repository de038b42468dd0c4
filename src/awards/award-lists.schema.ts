import { z } from "zod";
import type { AchievementContent } from "../achievements/achievements.schema.ts";
import { emailField, optionalUrl } from "../shared/validation.ts";
import { EPPN_TYPE, eppnOf, type RecipientType } from "../sso/recipient-type.ts";

// Award lists: what one row of a list holds, the limits of an upload, and the checks a row can
// pass on its own (the checks that need the database — duplicates, holders, prerequisites —
// are in award-lists.checks.ts).

/** Largest CSV upload. */
export const MAX_CSV_BYTES = 2 * 1024 * 1024;
/** Most rows in one list (CSV, paste or API). */
export const MAX_ROWS = 10_000;
/** API lists up to this size are issued during the request; larger ones run as a job. */
export const SYNC_API_MAX = 50;
/** Rows signed and stored together by the issuing job. */
export const ISSUE_BATCH = 100;

export const MAX = { email: 254, eppn: 254, name: 200, evidence: 2000, narrative: 4000, result: 100, reason: 1000 } as const;

export type ListSource = "single" | "paste" | "csv" | "api";
export type ListStatus = "draft" | "submitted" | "returned" | "approved" | "issuing" | "issued" | "failed";
export type ItemStatus = "valid" | "error" | "issued" | "skipped";

/** The columns of a CSV award list (header required, any order; `email` or `eppn` or both). */
export const CSV_COLUMNS = ["email", "eppn", "name", "evidence", "narrative", "result"] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** One recipient as typed, pasted, uploaded or posted, before any check. */
export interface RowInput {
  line: number; // CSV line, position in a paste, or API index + 1
  email: string; // an e-mail address, or "eppn:<eppn>"
  eppn?: string | null; // a federation identifier (CSV column / API field): the recipient; `email` is then where the award e-mail goes
  name?: string | null;
  evidence?: string | null;
  narrative?: string | null;
  result?: string | null;
}

/** A problem found on a row; `warning`s do not stop the row from being issued. */
export interface RowProblem {
  key: string; // i18n key under awards.row.*
  field?: CsvColumn;
  params?: Record<string, string | number>;
  warning?: boolean;
}

/** A row after its own checks: normalised values and problems. */
export interface CheckedRow {
  line: number;
  recipient: string;
  recipientType: RecipientType;
  /** The column the recipient came from (where its problems are shown). */
  recipientField: "email" | "eppn";
  /** An eppn recipient's e-mail address for the award notification (the `email` beside it), else null. */
  contactEmail: string | null;
  name: string | null;
  evidence: string | null;
  narrative: string | null;
  result: string | null;
  problems: RowProblem[];
}

/** Problems that stop a list from being read at all (nothing is stored). */
export interface InputProblem {
  key: string;
  params?: Record<string, string | number>;
  /** The form field the problem is about (shown next to it), when there is one. */
  field?: "contact";
}

// OWASP "CSV injection": a cell starting with one of these is run as a formula by spreadsheets
// when the data is exported again. We keep the text as typed, flag it, and escape it on export.
const FORMULA_START = /^[=+\-@\t\r]/;

/** True when a cell would start a spreadsheet formula. */
export function looksLikeFormula(value: string): boolean {
  return FORMULA_START.test(value);
}

const clean = (v: string | null | undefined) => {
  const s = (v ?? "").normalize("NFC").trim();
  return s === "" ? null : s;
};

/** The level names/ids a template accepts as `result` (none: any text is kept as a value). */
export function acceptedLevels(content: AchievementContent): Array<{ id: string; name: string }> {
  return content.resultDescription?.[0]?.rubricCriterionLevel?.map((l) => ({ id: l.id, name: l.name })) ?? [];
}

// Same matching as the credentials service: a level name (any case) or the end of its id.
function matchesLevel(levels: Array<{ id: string; name: string }>, raw: string): boolean {
  const wanted = raw.toLowerCase();
  return levels.some((l) => l.name.toLowerCase() === wanted || l.id.toLowerCase().endsWith(wanted));
}

type Recipient = Pick<CheckedRow, "recipient" | "recipientType" | "recipientField" | "contactEmail">;

// An e-mail address as a row gives it: normalised, or the text as typed with its problem.
function emailOf(text: string | null, problems: RowProblem[]): string | null {
  const email = emailField.safeParse(text ?? "");
  if (!text) problems.push({ key: "awards.row.emailMissing", field: "email" });
  else if (!email.success && text.length <= MAX.email) problems.push({ key: "awards.row.email", field: "email" });
  return email.success ? email.data : text;
}

// The recipient of a row: an eppn (its own column, or "eppn:" in the e-mail one) or an e-mail
// address. An eppn recipient with an address beside it (CSV, API) is still the eppn: the
// credential is bound to the identity the institution proves at login, and the award e-mail
// goes to the address (a "contact" address), telling the learner to sign in with it.
function recipientOf(raw: { email: string | null; eppn: string | null }, problems: RowProblem[]): Recipient {
  const prefixed = raw.email && /^eppn:/i.test(raw.email) ? raw.email.slice(5) : null;
  const eppnText = raw.eppn ?? prefixed;
  if (eppnText === null) return { recipient: emailOf(raw.email, problems) ?? "", recipientType: "emailAddress", recipientField: "email", contactEmail: null };
  const field = raw.eppn ? "eppn" : "email";
  const eppn = eppnOf(eppnText);
  const contact = raw.eppn && raw.email ? emailOf(raw.email, problems) : null;
  const contactOk = contact !== null && !problems.some((p) => p.field === "email" && !p.warning);
  if (!eppn && eppnText.length <= MAX.eppn) problems.push({ key: "awards.row.eppn", field });
  else if (eppn && contactOk) problems.push({ key: "awards.row.eppnContact", field, params: { email: contact }, warning: true });
  else if (eppn && !contact) problems.push({ key: "awards.row.eppnNoMail", field, warning: true });
  return { recipient: eppn ?? eppnText.trim(), recipientType: EPPN_TYPE, recipientField: field, contactEmail: contact };
}

/** Checks one row on its own: recipient (e-mail or eppn), URL, lengths, level, formulas. */
export function checkRow(input: RowInput, levels: Array<{ id: string; name: string }>): CheckedRow {
  const problems: RowProblem[] = [];
  const raw = {
    email: clean(input.email), eppn: clean(input.eppn), name: clean(input.name), evidence: clean(input.evidence), narrative: clean(input.narrative), result: clean(input.result),
  };
  for (const field of CSV_COLUMNS) {
    const v = raw[field];
    if (v && v.length > MAX[field]) problems.push({ key: "awards.row.tooLong", field, params: { max: MAX[field] } });
    else if (v && looksLikeFormula(v) && field !== "email" && field !== "eppn" && field !== "evidence") problems.push({ key: "awards.row.formula", field, warning: true });
  }
  const recipient = recipientOf(raw, problems);
  const evidence = optionalUrl.safeParse(raw.evidence ?? "");
  if (raw.evidence && !evidence.success && raw.evidence.length <= MAX.evidence) problems.push({ key: "awards.row.evidence", field: "evidence" });
  if (raw.result && levels.length && !matchesLevel(levels, raw.result)) {
    problems.push({ key: "awards.row.level", field: "result", params: { levels: levels.map((l) => l.name).join(", ") } });
  }
  return {
    line: input.line, ...recipient, name: raw.name, evidence: raw.evidence,
    narrative: raw.narrative, result: raw.result, problems,
  };
}

/** True when a row has a problem that is not a warning. */
export const hasError = (problems: RowProblem[]) => problems.some((p) => !p.warning);

/** The API body of `POST /api/v1/achievements/{id}/awards`. */
export const apiAwardBody = z.strictObject({
  recipients: z.array(z.strictObject({
    // One of the two (checked with the row): an e-mail address, or an eppn (federation identifier).
    email: z.string().max(1000, "errors.tooLong").nullish().transform((v) => v ?? ""),
    eppn: z.string().max(1000, "errors.tooLong").nullish(),
    name: z.string().max(1000, "errors.tooLong").nullish(),
    evidence: z.string().max(5000, "errors.tooLong").nullish(),
    narrative: z.string().max(10_000, "errors.tooLong").nullish(),
    result: z.string().max(1000, "errors.tooLong").nullish(),
  }), { error: "awards.api.recipients" }).min(1, "awards.api.recipients").max(MAX_ROWS, "awards.api.tooMany"),
  notify: z.boolean().default(true),
});

/** The template award settings form. */
export const settingsForm = z.object({
  juryRequired: z.boolean(),
  mailSubject: z.string().trim().max(200, "errors.tooLong").transform((v) => v || null),
  mailMessage: z.string().trim().max(5000, "errors.tooLong").transform((v) => v || null),
});
export type SettingsInput = z.output<typeof settingsForm>;
