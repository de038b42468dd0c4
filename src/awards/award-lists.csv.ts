import { parse } from "csv-parse/sync";
import { err, ok, type Result } from "../shared/result.ts";
import { CSV_COLUMNS, MAX_CSV_BYTES, MAX_ROWS, type CsvColumn, type InputProblem, type RowInput } from "./award-lists.schema.ts";

// Reading recipients: a CSV upload (bytes → text in the encoding we recognise → rows by column
// name) or a pasted list of addresses. One clear problem for the whole input, or rows.

export type Encoding = "utf-8" | "utf-8-bom" | "windows-1252";

/** How a CSV file was read, shown on the preview. */
export interface CsvDetail {
  encoding: Encoding;
  delimiter: "," | ";";
}

// Column names people actually write (French Excel sheets, exports of other tools).
const ALIASES: Record<string, CsvColumn> = {
  email: "email", "e-mail": "email", mail: "email", courriel: "email", "adresse e-mail": "email", "adresse email": "email",
  eppn: "eppn", edupersonprincipalname: "eppn", "identifiant de fédération": "eppn", "federation id": "eppn",
  name: "name", nom: "name", "nom complet": "name",
  evidence: "evidence", "evidence url": "evidence", evidence_url: "evidence", preuve: "evidence",
  narrative: "narrative", commentaire: "narrative", description: "narrative",
  result: "result", level: "result", niveau: "result", résultat: "result", resultat: "result",
};

/**
 * Decodes a file as UTF-8 (with or without BOM), else as Windows-1252: the two encodings Excel
 * writes "CSV" in on French systems. UTF-16 and binary files are refused rather than misread.
 */
export function decodeCsv(bytes: Uint8Array): Result<{ text: string; encoding: Encoding }, InputProblem> {
  if (bytes.byteLength > MAX_CSV_BYTES) return err({ key: "awards.input.tooBig", params: { max: "2 Mo" } });
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return err({ key: "awards.input.utf16" });
  if (bytes.includes(0)) return err({ key: "awards.input.binary" });
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    // TextDecoder drops a leading BOM by default (ignoreBOM: false).
    return ok({ text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: bom ? "utf-8-bom" : "utf-8" });
  } catch {
    return ok({ text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" });
  }
}

// French Excel saves "CSV (séparateur : point-virgule)": `;` when the header uses it and no comma.
function delimiterOf(text: string): "," | ";" {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return header.includes(";") && !header.includes(",") ? ";" : ",";
}

/** Maps the header to our columns; one problem naming what is expected and what was found. */
function readHeader(header: string[]): Result<Array<CsvColumn | null>, InputProblem> {
  const names = header.map((h) => h.trim().toLowerCase());
  const mapped = names.map((n) => (n === "" ? null : ALIASES[n] ?? null));
  const unknown = names.filter((n, i) => n !== "" && mapped[i] === null);
  const twice = mapped.filter((m, i) => m && mapped.indexOf(m) !== i);
  if (!(mapped.includes("email") || mapped.includes("eppn")) || unknown.length || twice.length) {
    return err({ key: "awards.input.columns", params: { expected: CSV_COLUMNS.join(", "), found: names.filter(Boolean).join(", ") || "—" } });
  }
  return ok(mapped);
}

// "10 000": the same digits in both languages (SI digit grouping).
const ROWS_LIMIT = String(MAX_ROWS).replace(/\B(?=(\d{3})+$)/g, " ");

type Records = Array<{ record: string[]; info: { lines: number } }>;

function parseRecords(text: string, delimiter: string): Result<Records, InputProblem> {
  try {
    // `to` stops reading just past the limit, so a 100 000-row file costs no more than 10 001 rows;
    // relax_quotes keeps a hand-typed `=HYPERLINK("…")` (a quote inside an unquoted cell) as text.
    return ok(parse(text, {
      delimiter, info: true, skip_empty_lines: true, skip_records_with_empty_values: true, relax_column_count: true, relax_quotes: true, to: MAX_ROWS + 2,
    }) as unknown as Records);
  } catch (e) {
    const line = (e as { lines?: unknown }).lines;
    return err({ key: "awards.input.malformed", params: { line: typeof line === "number" ? line : "?", detail: String((e as Error).message).slice(0, 200) } });
  }
}

/** Reads a CSV upload into rows (CSV line numbers kept for the preview). */
export function readCsv(bytes: Uint8Array): Result<{ rows: RowInput[]; detail: CsvDetail }, InputProblem> {
  const decoded = decodeCsv(bytes);
  if (!decoded.ok) return decoded;
  const delimiter = delimiterOf(decoded.value.text);
  const records = parseRecords(decoded.value.text, delimiter);
  if (!records.ok) return records;
  if (records.value.length === 0) return err({ key: "awards.input.empty" });
  if (records.value.length > MAX_ROWS + 1) return err({ key: "awards.input.tooManyRows", params: { max: ROWS_LIMIT } });
  const header = readHeader(records.value[0]!.record);
  if (!header.ok) return header;
  const rows = records.value.slice(1).map(({ record, info }) => {
    const row: RowInput = { line: 0, email: "" };
    header.value.forEach((col, i) => { if (col) row[col] = record[i] ?? ""; });
    // info.lines is the line a record ends on; a quoted field may span several lines.
    row.line = info.lines - record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    return row;
  });
  if (rows.length === 0) return err({ key: "awards.input.empty" });
  return ok({ rows, detail: { encoding: decoded.value.encoding, delimiter } });
}

/** Reads pasted addresses (or "eppn:" identifiers): one per line, or separated by commas, semicolons or spaces. */
export function readPasted(text: string): Result<RowInput[], InputProblem> {
  const tokens = text.replace(/\beppn:\s+/gi, "eppn:").split(/[\s,;]+/).map((s) => s.replace(/^<(.*)>$/, "$1")).filter((s) => s !== "");
  if (tokens.length === 0) return err({ key: "awards.input.empty" });
  if (tokens.length > MAX_ROWS) return err({ key: "awards.input.tooManyRows", params: { max: ROWS_LIMIT } });
  return ok(tokens.map((email, i) => ({ line: i + 1, email })));
}
