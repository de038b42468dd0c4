import { describe, expect, it } from "vitest";
import { buildFromCsv, FRAMEWORK_COLUMNS } from "../../src/frameworks/frameworks.csv.ts";
import { decodeText, readCsv } from "../../src/frameworks/frameworks.decode.ts";
import { stableUuid, toCsvFiles } from "../../src/frameworks/frameworks.export.ts";
import { levelCodeFromName } from "../../src/frameworks/frameworks.schema.ts";
import { fixture, toWindows1252 } from "../helpers/frameworks.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const HEADER = FRAMEWORK_COLUMNS.join(",");

describe("decoding uploads", () => {
  it("reads UTF-8, UTF-8 with BOM and Windows-1252, and says which", () => {
    const text = "Intermédiaire, Compétent, Œuvre — 5 €";
    const plain = decodeText("f.csv", utf8(text));
    const bom = decodeText("f.csv", Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(text)]));
    const ansi = decodeText("f.csv", toWindows1252(text));
    expect(plain).toEqual({ ok: true, value: { text, encoding: "utf-8" } });
    expect(bom).toEqual({ ok: true, value: { text, encoding: "utf-8-bom" } });
    expect(ansi).toEqual({ ok: true, value: { text, encoding: "windows-1252" } });
  });

  it("refuses UTF-16, binary and oversized files with a reason", () => {
    expect(decodeText("f.csv", Uint8Array.from([0xff, 0xfe, 0x61, 0x00]))).toMatchObject({ ok: false, problem: { key: "frameworks.errors.utf16" } });
    expect(decodeText("f.csv", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).toMatchObject({ ok: false, problem: { key: "frameworks.errors.binary" } });
    expect(decodeText("f.csv", new Uint8Array(2 * 1024 * 1024 + 1).fill(0x61))).toMatchObject({ ok: false, problem: { key: "frameworks.errors.tooBig" } });
  });
});

describe("reading CSV", () => {
  it("gives each row the line it starts on, even after a quoted multi-line field", () => {
    const r = readCsv("f.csv", `a,b\n1,"deux\nlignes"\n\n3,4\n`, ["a", "b"]);
    expect(r).toEqual({ ok: true, value: [{ line: 2, values: { a: "1", b: "deux\nlignes" } }, { line: 5, values: { a: "3", b: "4" } }] });
  });

  it("accepts the semicolon of French Excel and columns in any order, case or spacing", () => {
    const r = readCsv("f.csv", ` B ;A\r\nx;y\r\n`, ["a", "b"]);
    expect(r).toEqual({ ok: true, value: [{ line: 2, values: { a: "y", b: "x" } }] });
  });

  it("names every expected column when the header is wrong", () => {
    const r = readCsv("f.csv", "a,c\n1,2\n", ["a", "b"]);
    expect(r).toEqual({ ok: false, problem: { file: "f.csv", line: 1, key: "frameworks.errors.columns", params: { expected: "a, b", found: "a, c" } } });
  });

  it("reports an unclosed quote with its line", () => {
    const r = readCsv("f.csv", `a,b\n1,2\n3,"open\n`, ["a", "b"]);
    expect(r).toMatchObject({ ok: false, problem: { key: "frameworks.errors.malformed", line: 3 } });
  });

  it("refuses a row with more fields than the header", () => {
    const r = readCsv("f.csv", `a,b\n1,2\n3,4,5\n`, ["a", "b"]);
    expect(r).toMatchObject({ ok: false, problem: { key: "frameworks.errors.tooManyFields", line: 3 } });
  });
});

describe("building a framework from CSV", () => {
  it("reads the fixture: competencies in order, default scale, situations in their cells", () => {
    const { draft, report } = buildFromCsv({ name: "Test", sourceUrl: null, framework: fixture("small-framework.csv"), situations: fixture("small-situations.csv") });
    expect(report.errors).toEqual([]);
    expect(report.counts).toEqual({ competencies: 2, subCompetencies: 3, levels: 5, descriptors: 8, situations: 3 });
    expect(draft!.competencies.map((c) => [c.code, c.shortName, c.subs.map((s) => s.code)])).toEqual([
      ["communication", "Communication", ["ÉCRIRE", "PRÉSENTER"]], ["numerique", "Numérique", ["DONNÉES"]],
    ]);
    const presenter = draft!.competencies[0]!.subs[1]!;
    expect(presenter.cells.find((c) => c.levelCode === "intermediaire")).toEqual({ levelCode: "intermediaire", descriptor: "Répond aux questions d'un jury.", situations: ["Soutenance de stage"] });
  });

  it("lists every bad row with its line: duplicate, unknown level, empty code", () => {
    const { report } = buildFromCsv({ name: "Test", sourceUrl: null, framework: fixture("bad-rows.csv") });
    expect(report.errors.map((e) => [e.line, e.key])).toEqual([
      [3, "frameworks.errors.duplicateRow"], [4, "frameworks.errors.unknownLevel"], [5, "frameworks.errors.emptyCompetencyCode"],
    ]);
    expect(report.errors[0]!.params).toMatchObject({ line: 2 });
    expect(report.errors[1]!.params).toEqual({ code: "maitre", known: "novice, intermediaire, competent, avance, expert" });
  });

  it("refuses a situation for an unknown competency, and bad level rows", () => {
    const { report } = buildFromCsv({
      name: "Test", sourceUrl: null, framework: fixture("small-framework.csv"), situations: fixture("bad-situations.csv"),
      levels: utf8("level_code,level_name,rank,required_for_diploma_track\nnovice,Novice,1,yes\nintermediaire,Intermédiaire,1,peut-être\nbad code,X,2,no\n"),
    });
    expect(report.errors.map((e) => [e.file, e.line, e.key])).toEqual([
      ["levels.csv", 3, "frameworks.errors.levelRequired"],
      ["levels.csv", 4, "frameworks.errors.levelCode"],
      ...[4, 5, 6, 7, 9, 10].map((line) => ["framework.csv", line, "frameworks.errors.unknownLevel"]),
      ["evaluation-situations.csv", 3, "frameworks.errors.situationCompetency"],
    ]);
  });

  it("exports what it read, and the export reads back the same (formulas protected, quotes kept)", () => {
    const tricky = `${HEADER}\nx,"Nom, avec ""guillemets""",X,=SOMME(A1),novice,"+33 ligne\nsuite"\n`;
    const first = buildFromCsv({ name: "T", sourceUrl: null, framework: utf8(tricky) });
    expect(first.report.errors).toEqual([]);
    const files = toCsvFiles(first.draft!);
    expect(files.framework.startsWith("\uFEFFcompetency_code,")).toBe(true);
    expect(files.framework).toContain(",'=SOMME(A1),"); // the spreadsheet formula guard
    const again = buildFromCsv({ name: "T", sourceUrl: null, framework: utf8(files.framework), levels: utf8(files.levels), situations: utf8(files.situations) });
    expect(again.report.encodings["framework.csv"]).toBe("utf-8-bom");
    expect(again.draft!.competencies).toEqual(first.draft!.competencies);
    expect(again.draft!.levels).toEqual(first.draft!.levels);
  });
});

describe("small helpers", () => {
  it("makes level codes from names and stable UUIDs from names", () => {
    expect(["Novice", "Intermédiaire", "Compétent", "Avancé", "Expert"].map(levelCodeFromName)).toEqual(["novice", "intermediaire", "competent", "avance", "expert"]);
    expect(stableUuid("a", "b")).toBe(stableUuid("a", "b"));
    expect(stableUuid("a", "b")).not.toBe(stableUuid("ab"));
    expect(stableUuid("x")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
