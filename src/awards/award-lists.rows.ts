import type { Actor } from "../audit/audit.service.ts";
import type { AwardListRow } from "../db/database.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import { emailField } from "../shared/validation.ts";
import { HOLDER_KEY, outcomeOf } from "./award-lists.checks.ts";
import { readCsv, readPasted, type CsvDetail } from "./award-lists.csv.ts";
import type { CheckedRow, InputProblem, ListSource, RowInput } from "./award-lists.schema.ts";

// Building the rows of a list: from what the form sent to rows to check, and from checked rows
// to what the tables store.

/** What the prepare form sends: one recipient, a paste, or a CSV file. */
export interface PrepareInput {
  achievementId: string;
  source: "single" | "paste" | "csv";
  /** The single form; `contact`: where the award e-mail goes when the recipient is an eppn. */
  single?: Omit<RowInput, "line" | "eppn"> & { contact?: string };
  paste?: string;
  csv?: Uint8Array | null;
  notify: boolean;
  /** The hidden token of the form: posting the same form twice gives the same list. */
  formToken?: string | null;
}

/** The rows of a prepare form, or the one problem that stops it. */
export function readInput(input: Pick<PrepareInput, "source" | "single" | "paste" | "csv">): Result<{ rows: RowInput[]; detail: CsvDetail | null }, InputProblem> {
  if (input.source === "csv") {
    if (!input.csv?.byteLength) return err({ key: "awards.input.noFile" });
    const read = readCsv(input.csv);
    return read.ok ? ok({ rows: read.value.rows, detail: read.value.detail }) : read;
  }
  if (input.source === "paste") {
    const read = readPasted(input.paste ?? "");
    return read.ok ? ok({ rows: read.value, detail: null }) : read;
  }
  const single = singleRow(input.single ?? { email: "" });
  return single.ok ? ok({ rows: [single.value], detail: null }) : single;
}

// The single form: "eppn:<identifier>" as recipient with a contact address beside it is read like
// a CSV row with both columns (the eppn is the recipient, the address gets the award e-mail). A bad
// contact address stops the form (nothing stored); beside an e-mail recipient the field is not used.
function singleRow(single: NonNullable<PrepareInput["single"]>): Result<RowInput, InputProblem> {
  const { contact, ...row } = single;
  const text = (contact ?? "").normalize("NFC").trim();
  const eppn = /^\s*eppn:/i.test(row.email) ? row.email.trim().slice(5).trim() : "";
  if (!text || !eppn) return ok({ line: 1, ...row });
  const email = emailField.safeParse(text);
  if (!email.success) return err({ key: "awards.input.contact", field: "contact" });
  return ok({ line: 1, ...row, email: email.data, eppn });
}

/** award_items rows of checked rows; `status` may decide a row's status (e.g. "skipped"). */
export function itemRows(listId: string, rows: CheckedRow[], status?: (r: CheckedRow) => string) {
  return rows.map((r) => {
    const outcome = outcomeOf(r);
    return {
      id: newId(), list_id: listId, row_number: r.line, recipient: r.recipient, recipient_type: r.recipientType, contact_email: r.contactEmail, name: r.name,
      evidence_url: r.evidence, narrative: r.narrative, result: r.result, status: status?.(r) ?? outcome.status, errors: outcome.errors,
      override_reason: null, credential_id: null,
    };
  });
}

/** A new list row (a draft unless `extra` says otherwise). */
export function newList(actor: Actor, now: string, issuerId: string, achievementId: string, source: ListSource, extra: Partial<AwardListRow>): AwardListRow {
  return {
    id: newId(), issuer_id: issuerId, achievement_id: achievementId, status: "draft", source, notify: 1, idempotency_key: null,
    created_by: actor.userId, created_label: actor.label, submitted_at: null, reviewed_by: null, reviewed_at: null, review_comment: null,
    job_id: null, total: 0, valid: 0, issued: 0, created_at: now, updated_at: now, source_detail: null, ...extra,
  };
}

/** True when a row's only blocking problem is that its recipient already holds the badge. */
export function onlyHolder(r: CheckedRow): boolean {
  const blocking = r.problems.filter((p) => !p.warning);
  return blocking.length > 0 && blocking.every((p) => p.key === HOLDER_KEY);
}
