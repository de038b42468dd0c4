import type { AwardItemRow } from "../db/database.ts";
import { problemsOf } from "./award-lists.checks.ts";
import { looksLikeFormula } from "./award-lists.schema.ts";
import { EPPN_TYPE } from "../sso/recipient-type.ts";

// The result report of a list as CSV: UTF-8 with BOM and CRLF (what Excel opens without asking).

/**
 * One CSV field (RFC 4180: quoted when it holds a separator, quote or line break). A cell that
 * would start a spreadsheet formula (= + - @, OWASP "CSV injection") gets a leading apostrophe,
 * so a name like `=HYPERLINK(…)` is shown as text, never run.
 */
export function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  const safe = looksLikeFormula(text) ? "'" + text : text;
  return /[",;\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The report: one line per row with its outcome, credential URL and problems (translated). */
export function reportCsv(items: AwardItemRow[], credentialUrl: (id: string) => string, t: (key: string, params?: Record<string, string | number>) => string): string {
  // `email` and `eppn` apart, as in the upload: the same string names a different identifier.
  // Beside an eppn, `email` is the address the award e-mail went to (as uploaded).
  const header = ["line", "email", "eppn", "name", "result", "evidence", "status", "credential", "problems", "override_reason"];
  const lines = items.map((i) => [
    i.row_number, i.recipient_type === EPPN_TYPE ? i.contact_email : i.recipient, i.recipient_type === EPPN_TYPE ? i.recipient : "", i.name, i.result, i.evidence_url, t(`awards.itemStatus.${i.status}`),
    i.credential_id ? credentialUrl(i.credential_id) : "",
    problemsOf(i).map((p) => (p.field ? `${p.field}: ` : "") + t(p.key, p.params)).join(" | "), i.override_reason,
  ]);
  return "\uFEFF" + [header, ...lines].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}
