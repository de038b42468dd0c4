import type { Achievement } from "../achievements/achievements.service.ts";
import type { AchievementRow, AwardItemRow } from "../db/database.ts";
import { EPPN_TYPE } from "../sso/recipient-type.ts";
import { acceptedLevels, checkRow, hasError, type CheckedRow, type RowInput, type RowProblem } from "./award-lists.schema.ts";

// The checks of a whole list, which need to know who holds what: duplicates inside the list,
// recipients who already hold the badge, and levels acquired in order (prerequisites).

/** What the checks read from the other features. */
export interface CheckLookups {
  /** Recipients (among some) holding a template, not revoked. */
  holders(achievementId: string, recipients: string[]): Promise<Set<string>>;
  /** The templates a template requires (the level below). */
  prerequisites(achievementId: string): Promise<AchievementRow[]>;
}

export const PREREQUISITE_KEY = "awards.row.prerequisite";
export const HOLDER_KEY = "awards.row.holder";

/** Checks every row of a list; `overridden` rows (by line) have their prerequisite waived. */
export async function checkList(inputs: RowInput[], a: Achievement, lookups: CheckLookups, overridden: Set<number> = new Set()): Promise<CheckedRow[]> {
  const levels = acceptedLevels(a.content);
  const rows = inputs.map((input) => checkRow(input, levels));
  const firstLine = new Map<string, number>();
  // Recipients are compared by value, whatever their type: an eppn and an e-mail address that
  // are the same string (both under the institution's domain) are taken to be the same person,
  // as the backpack does when it shows a person the badges of all their identifiers.
  for (const row of rows) {
    if (row.problems.some((p) => p.field === row.recipientField && !p.warning)) continue;
    const seen = firstLine.get(row.recipient);
    if (seen !== undefined) row.problems.push({ key: "awards.row.duplicate", field: row.recipientField, params: { line: seen } });
    else firstLine.set(row.recipient, row.line);
  }
  const recipients = [...firstLine.keys()];
  const holders = await lookups.holders(a.row.id, recipients);
  const prerequisites = await lookups.prerequisites(a.row.id);
  const missing = new Map<string, string[]>();
  for (const p of prerequisites) {
    const held = await lookups.holders(p.id, recipients);
    for (const r of recipients) if (!held.has(r)) missing.set(r, [...(missing.get(r) ?? []), p.name]);
  }
  for (const row of rows) {
    if (!firstLine.has(row.recipient) || firstLine.get(row.recipient) !== row.line) continue;
    if (holders.has(row.recipient)) row.problems.push({ key: HOLDER_KEY, field: row.recipientField });
    const names = missing.get(row.recipient);
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
  const recipient = item.recipient_type === EPPN_TYPE ? { email: "", eppn: item.recipient } : { email: item.recipient };
  return { line: item.row_number, ...recipient, name: item.name, evidence: item.evidence_url, narrative: item.narrative, result: item.result };
}
