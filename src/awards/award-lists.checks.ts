import type { Achievement } from "../achievements/achievements.service.ts";
import type { AchievementRow, AwardItemRow } from "../db/database.ts";
import { EPPN_TYPE, recipientKey, type TypedRecipient } from "../sso/recipient-type.ts";
import { acceptedLevels, checkRow, hasError, type CheckedRow, type RowInput, type RowProblem } from "./award-lists.schema.ts";

// The checks of a whole list, which need to know who holds what: duplicates inside the list,
// recipients who already hold the badge, and levels acquired in order (prerequisites).

/** What the checks read from the other features. */
export interface CheckLookups {
  /** Recipients (among some) holding a template, not revoked: their `recipientKey`s. */
  holders(achievementId: string, recipients: TypedRecipient[]): Promise<Set<string>>;
  /** The templates a template requires (the level below). */
  prerequisites(achievementId: string): Promise<AchievementRow[]>;
}

export const PREREQUISITE_KEY = "awards.row.prerequisite";
export const HOLDER_KEY = "awards.row.holder";

/** Checks every row of a list; `overridden` rows (by line) have their prerequisite waived. */
export async function checkList(inputs: RowInput[], a: Achievement, lookups: CheckLookups, overridden: Set<number> = new Set()): Promise<CheckedRow[]> {
  const levels = acceptedLevels(a.content);
  const rows = inputs.map((input) => checkRow(input, levels));
  // Recipients are compared on type and value, as the backpack matches them: an eppn and an
  // e-mail address written alike (jdupont@univ.fr) are two identities, proven differently.
  const keyOf = (row: CheckedRow) => recipientKey({ type: row.recipientType, value: row.recipient });
  const firstLine = new Map<string, number>();
  const recipients: TypedRecipient[] = [];
  for (const row of rows) {
    if (row.problems.some((p) => p.field === row.recipientField && !p.warning)) continue;
    const seen = firstLine.get(keyOf(row));
    if (seen !== undefined) row.problems.push({ key: "awards.row.duplicate", field: row.recipientField, params: { line: seen } });
    else {
      firstLine.set(keyOf(row), row.line);
      recipients.push({ type: row.recipientType, value: row.recipient });
    }
  }
  const holders = await lookups.holders(a.row.id, recipients);
  const prerequisites = await lookups.prerequisites(a.row.id);
  const missing = new Map<string, string[]>();
  for (const p of prerequisites) {
    const held = await lookups.holders(p.id, recipients);
    for (const key of recipients.map(recipientKey)) if (!held.has(key)) missing.set(key, [...(missing.get(key) ?? []), p.name]);
  }
  for (const row of rows) {
    if (firstLine.get(keyOf(row)) !== row.line) continue;
    if (holders.has(keyOf(row))) row.problems.push({ key: HOLDER_KEY, field: row.recipientField });
    const names = missing.get(keyOf(row));
    if (names && !overridden.has(row.line)) row.problems.push({ key: PREREQUISITE_KEY, field: row.recipientField, params: { names: names.join(", ") } });
  }
  return rows;
}

/** The stored outcome of a checked row. */
export function outcomeOf(row: CheckedRow): { status: "valid" | "error"; errors: string | null } {
  return { status: hasError(row.problems) ? "error" : "valid", errors: row.problems.length ? JSON.stringify(row.problems) : null };
}

/** The problems stored on a row. */
export function problemsOf(item: Pick<AwardItemRow, "errors">): RowProblem[] {
  return item.errors ? (JSON.parse(item.errors) as RowProblem[]) : [];
}

/** True when the only blocking problem of a row is a missing prerequisite (an admin may waive it). */
export function onlyPrerequisiteMissing(item: Pick<AwardItemRow, "errors">): boolean {
  const blocking = problemsOf(item).filter((p) => !p.warning);
  return blocking.length > 0 && blocking.every((p) => p.key === PREREQUISITE_KEY);
}

/** A stored row as input again (to check it anew before submitting). */
export function inputOf(item: AwardItemRow): RowInput {
  const recipient = item.recipient_type === EPPN_TYPE ? { email: item.contact_email ?? "", eppn: item.recipient } : { email: item.recipient };
  return { line: item.row_number, ...recipient, name: item.name, evidence: item.evidence_url, narrative: item.narrative, result: item.result };
}
