import { stringify } from "csv-stringify/sync";
import type { AuditEventRow } from "../db/database.ts";

// The audit trail as CSV: UTF-8 with BOM and CRLF (what Excel opens without asking). Quoting is
// csv-stringify's (RFC 4180); `escape_formulas` puts an apostrophe before a cell that starts
// with = + - @ (OWASP "CSV injection"), so a label like `=HYPERLINK(…)` is shown, never run.

/** The CSV columns, in order. */
export const AUDIT_CSV_COLUMNS = ["at", "actor", "actor_id", "action", "object_type", "object_id", "issuer", "issuer_name", "ip", "details"] as const;

/** The byte-order mark that starts the file. */
export const CSV_BOM = "\uFEFF";

/** How the export names an issuer space (slug and name), when it still exists. */
export type IssuerNamer = (id: string) => { slug: string; name: string } | undefined;

/** CSV lines for these events (the header line first when asked). */
export function auditCsvLines(rows: AuditEventRow[], issuerOf: IssuerNamer, withHeader: boolean): string {
  const records = rows.map((e) => {
    const issuer = e.issuer_id ? issuerOf(e.issuer_id) : undefined;
    return [
      e.at, e.actor_label, e.actor_id ?? "", e.action, e.object_type, e.object_id ?? "",
      issuer?.slug ?? e.issuer_id ?? "", issuer?.name ?? "", e.ip ?? "", e.details ?? "",
    ];
  });
  return stringify(withHeader ? [[...AUDIT_CSV_COLUMNS], ...records] : records, { record_delimiter: "windows", escape_formulas: true, quoted_match: /^\s|\s$/ });
}
