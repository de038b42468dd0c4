import { parse } from "csv-parse/sync";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, type ImportProblem } from "./frameworks.schema.ts";

// Reading uploaded files: bytes → text (with the encoding we recognised) → CSV rows keyed by
// column name, with the line each row starts on, or one clear problem for the whole file.

export type Encoding = "utf-8" | "utf-8-bom" | "windows-1252";

/** Text of an uploaded file and the encoding it was read with. */
export interface DecodedText {
  text: string;
  encoding: Encoding;
}

/** One CSV data row: its first line in the file and its values by column. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

type Fail = { ok: false; problem: ImportProblem };

/**
 * Decodes a file as UTF-8 (with or without BOM), else as Windows-1252: the two encodings Excel
 * writes "CSV" in on French systems. UTF-16 and binary files are refused rather than misread.
 */
export function decodeText(file: string, bytes: Uint8Array): { ok: true; value: DecodedText } | Fail {
  if (bytes.byteLength > MAX_IMPORT_BYTES) return fail(file, "frameworks.errors.tooBig");
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return fail(file, "frameworks.errors.utf16");
  if (bytes.includes(0)) return fail(file, "frameworks.errors.binary");
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    // TextDecoder drops a leading BOM by default (ignoreBOM: false).
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return { ok: true, value: { text, encoding: bom ? "utf-8-bom" : "utf-8" } };
  } catch {
    return { ok: true, value: { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" } };
  }
}

function fail(file: string, key: string, params?: Record<string, string | number>, line: number | null = null): Fail {
  return { ok: false, problem: { file, line, key, params } };
}

// French Excel saves "CSV (séparateur : point-virgule)": accept `;` when the header uses it.
function delimiterOf(text: string): string {
  const header = text.slice(0, text.search(/\r?\n|$/));
  return header.includes(";") && !header.includes(",") ? ";" : ",";
}

// Our exports protect cells from spreadsheet formula injection with a leading apostrophe
// (OWASP "CSV injection"); reading strips it back so an export re-imports unchanged.
function unprotect(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** The header problem: one message naming every expected column. */
function checkHeader(file: string, header: string[], expected: readonly string[]): Fail | null {
  const named = header.filter((h) => h !== "");
  const missing = expected.filter((c) => !named.includes(c));
  const unknown = named.filter((h) => !expected.includes(h));
  const duplicated = named.filter((h, i) => named.indexOf(h) !== i);
  if (!missing.length && !unknown.length && !duplicated.length) return null;
  return fail(file, "frameworks.errors.columns", { expected: expected.join(", "), found: named.join(", ") || "—" }, 1);
}

/** Parses CSV text whose header must name exactly `expected` (any order; case and spaces ignored). */
export function readCsv(file: string, text: string, expected: readonly string[]): { ok: true; value: CsvRow[] } | Fail {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter: delimiterOf(text), info: true, skip_empty_lines: true, skip_records_with_empty_values: true,
      relax_column_count: true, to: MAX_IMPORT_ROWS + 2,
    }) as unknown as typeof records;
  } catch (e) {
    const line = typeof (e as { lines?: unknown }).lines === "number" ? (e as { lines: number }).lines : null;
    return fail(file, "frameworks.errors.malformed", { detail: String((e as Error).message).slice(0, 200) }, line);
  }
  if (!records.length) return fail(file, "frameworks.errors.empty");
  if (records.length > MAX_IMPORT_ROWS + 1) return fail(file, "frameworks.errors.tooManyRows", { max: MAX_IMPORT_ROWS });
  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  const bad = checkHeader(file, header, expected);
  if (bad) return bad;
  const rows = records.slice(1).map(({ record, info }) => {
    const values: Record<string, string> = {};
    header.forEach((name, i) => { if (name) values[name] = unprotect((record[i] ?? "").trim()); });
    // info.lines is the line a record ends on; a quoted field may span several lines.
    const extra = record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    return { line: info.lines - extra, values, overflow: record.slice(header.length).some((v) => v.trim() !== "") };
  });
  const ragged = rows.find((r) => r.overflow);
  if (ragged) return fail(file, "frameworks.errors.tooManyFields", { expected: expected.length }, ragged.line);
  return { ok: true, value: rows.map(({ line, values }) => ({ line, values })) };
}

/** Reads a CSV upload: decode, then parse. */
export function readCsvFile(file: string, bytes: Uint8Array, expected: readonly string[]): { ok: true; value: { rows: CsvRow[]; encoding: Encoding } } | Fail {
  const decoded = decodeText(file, bytes);
  if (!decoded.ok) return decoded;
  const parsed = readCsv(file, decoded.value.text, expected);
  return parsed.ok ? { ok: true, value: { rows: parsed.value, encoding: decoded.value.encoding } } : parsed;
}
