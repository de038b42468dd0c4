// The one-way dependency rule and the size caps of ../shared/design/style.md, checked on the source
// with the TypeScript compiler API (parsing only: no type-check, so this file stays fast).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

/**
 * Known offenders, to shrink and never grow: "<rule> <file>" (a failure prints both first). An
 * entry that no longer matches anything fails the test too, so fixed code leaves the list.
 */
const ALLOWED: ReadonlySet<string> = new Set<string>([
]);

interface Source { path: string; text: string } // path relative to the root, with "/"

type Check = (files: Source[]) => string[];

function walk(dir: string, ext: string): Source[] {
  const abs = join(root, dir);
  let names: string[];
  try { names = readdirSync(abs); } catch { return []; }
  return names.flatMap((name) => {
    const full = join(abs, name);
    const rel = relative(root, full).split(sep).join("/");
    if (statSync(full).isDirectory()) return name === "node_modules" ? [] : walk(rel, ext);
    return name.endsWith(ext) ? [{ path: rel, text: readFileSync(full, "utf8") }] : [];
  });
}

const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
const parsed = new Map<string, ts.SourceFile>();
function parse(f: Source): ts.SourceFile {
  const key = `${f.path}\0${f.text}`;
  let sf = parsed.get(key);
  if (!sf) parsed.set(key, (sf = ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)));
  return sf;
}
const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

/** The feature of a file: its first folder under src/ ("" for files right in src/). */
const featureOf = (path: string) => { const parts = path.split("/"); return parts.length > 2 ? parts[1]! : ""; };

interface ImportRef { spec: string; target: string; line: number; typeOnly: boolean }

/** Every static import/export-from and dynamic import() of a file; `target` is resolved for "./" paths. */
function importsOf(f: Source): ImportRef[] {
  const sf = parse(f);
  const out: ImportRef[] = [];
  const add = (lit: ts.Expression | undefined, typeOnly: boolean) => {
    if (!lit || !ts.isStringLiteralLike(lit)) return;
    const spec = lit.text;
    const target = spec.startsWith(".") ? posix.normalize(posix.join(posix.dirname(f.path), spec)) : spec;
    out.push({ spec, target, line: lineOf(sf, lit.getStart(sf)), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, !!node.importClause?.isTypeOnly);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression, true);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const isHono = (spec: string) => spec === "hono" || spec.startsWith("hono/") || spec.startsWith("@hono/");
const isFedify = (spec: string) => spec.startsWith("@fedify/");
const isKysely = (spec: string) => spec === "kysely" || spec.startsWith("kysely/");

/** Rules (a), (b), (c): which imports each role of file may not have. */
const checkLayers: Check = (files) => files.flatMap((f) => {
  // *.api.ts and *.http.ts serve HTTP too: they follow the rule of routes.
  const found = f.path.match(/\.(service|repository|routes|api|http)\.ts$/)?.[1];
  const role = found === "api" || found === "http" ? "routes" : found;
  if (!role || !f.path.startsWith("src/")) return [];
  return importsOf(f).flatMap((imp) => {
    const at = `${f.path}:${imp.line} imports "${imp.spec}"${imp.typeOnly ? " (type-only)" : ""}`;
    const otherRepository = imp.target.endsWith(".repository.ts") && featureOf(imp.target) !== featureOf(f.path);
    if (role === "service" && (isHono(imp.spec) || isFedify(imp.spec))) return [`service-imports-web ${at}`];
    if (role === "service" && otherRepository) return [`service-imports-other-repository ${at}`];
    if (role === "repository" && /\.(service|routes)\.ts$/.test(imp.target)) return [`repository-imports-upper-layer ${at}`];
    if (role === "repository" && (isHono(imp.spec) || isFedify(imp.spec))) return [`repository-imports-web ${at}`];
    if (role === "routes" && imp.target.endsWith(".repository.ts")) return [`routes-import-repository ${at}`];
    if (role === "routes" && isKysely(imp.spec)) return [`routes-import-kysely ${at}`];
    return [];
  });
});

/** Rule (d): `process.env` (or `process["env"]`, or `{ env } = process`) only under src/config/. */
const checkEnv: Check = (files) => files.filter((f) => f.path.startsWith("src/") && !f.path.startsWith("src/config/")).flatMap((f) => {
  const sf = parse(f);
  const found: string[] = [];
  const isProcess = (e: ts.Expression) => ts.isIdentifier(e) && e.text === "process";
  const visit = (node: ts.Node): void => {
    const reads =
      (ts.isPropertyAccessExpression(node) && isProcess(node.expression) && node.name.text === "env") ||
      (ts.isElementAccessExpression(node) && isProcess(node.expression) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === "env") ||
      (ts.isVariableDeclaration(node) && node.initializer && isProcess(node.initializer) && ts.isObjectBindingPattern(node.name) &&
        node.name.elements.some((el) => (el.propertyName ?? el.name).getText(sf) === "env"));
    if (reads) found.push(`process-env-outside-config ${f.path}:${lineOf(sf, node.getStart(sf))}`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
});

/** Rule (e): file length caps. */
const checkFileSizes: Check = (files) => files
  .filter((f) => lineCount(f.text) > MAX_FILE_LINES)
  .map((f) => `file-too-long ${f.path}: ${lineCount(f.text)} lines (cap ${MAX_FILE_LINES})`);

type FunctionLike = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ArrowFunction | ts.FunctionExpression
  | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

const isFunctionLike = (n: ts.Node): n is FunctionLike =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) ||
  ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);

function nameOf(fn: FunctionLike, sf: ts.SourceFile): string {
  if (fn.name) return fn.name.getText(sf);
  const p = fn.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name) return p.name.getText(sf);
  if (ts.isConstructorDeclaration(fn)) return "constructor";
  return "(anonymous)";
}

/**
 * Rule (f): a function's own lines ≤ 60. The lines of the functions nested in it are counted
 * for those functions, not again for it: the house shape is a factory (`createXService(deps)`)
 * returning small closures, and the factory as a whole may well pass 60 lines while each of its
 * parts stays small. What the cap is for (one unit of logic readable at once) is kept.
 */
const checkFunctionSizes: Check = (files) => files.filter((f) => f.path.startsWith("src/")).flatMap((f) => {
  const sf = parse(f);
  const found: string[] = [];
  const span = (n: ts.Node) => lineOf(sf, n.getEnd()) - lineOf(sf, n.getStart(sf)) + 1;
  const nestedLines = (body: ts.Node): number => {
    let lines = 0;
    const visit = (n: ts.Node): void => {
      if (isFunctionLike(n) && n.body) lines += span(n.body) - 1; // the line it starts on stays the parent's
      else ts.forEachChild(n, visit);
    };
    ts.forEachChild(body, visit);
    return lines;
  };
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) && node.body) {
      const own = span(node.body) - nestedLines(node.body);
      if (own > MAX_FUNCTION_LINES) {
        found.push(`function-too-long ${f.path}:${lineOf(sf, node.getStart(sf))} ${nameOf(node, sf)}: ${own} lines (cap ${MAX_FUNCTION_LINES})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
});

/** Rule (g): every exported function declaration carries a `/** … *\/` comment (on its first overload). */
const checkDocComments: Check = (files) => files.filter((f) => f.path.startsWith("src/")).flatMap((f) => {
  const sf = parse(f);
  const seen = new Set<string>();
  return sf.statements.flatMap((st) => {
    if (!ts.isFunctionDeclaration(st)) return [];
    const exported = ts.getCombinedModifierFlags(st) & ts.ModifierFlags.Export;
    const name = st.name?.text ?? "default";
    if (!exported || seen.has(name)) return [];
    seen.add(name);
    const comments = ts.getLeadingCommentRanges(f.text, st.getFullStart()) ?? [];
    const documented = comments.some((c) => f.text.startsWith("/**", c.pos));
    return documented ? [] : [`missing-doc-comment ${f.path}:${lineOf(sf, st.getStart(sf))} ${name}`];
  });
});

/** "rule file" of an offender line "rule file:line …". */
const allowKey = (offender: string) => offender.replace(/^(\S+ [^\s:]+).*$/, "$1");

/** Offenders of a check, minus the allowed ones, plus allowed ones that no longer occur. */
function report(found: string[], prefix: RegExp): string[] {
  const keys = new Set(found.map(allowKey));
  const stale = [...ALLOWED].filter((a) => prefix.test(a) && !keys.has(a)).map((a) => `stale allow-list entry (remove it): ${a}`);
  return [...found.filter((o) => !ALLOWED.has(allowKey(o))), ...stale];
}

function expectNone(offenders: string[], what: string): void {
  expect(offenders, `${what}:\n  ${offenders.join("\n  ")}\n`).toEqual([]);
}

describe("architecture (style.md)", () => {
  const src = walk("src", ".ts");

  it("finds the source (so the checks below cannot pass on an empty list)", () => {
    expect(src.length).toBeGreaterThan(20);
    expect(src.some((f) => f.path.endsWith(".service.ts"))).toBe(true);
  });

  it("keeps the one-way flow: routes → service → repository → db", () => {
    expectNone(report(checkLayers(src), /^(service|repository|routes)-/), "Layer rule broken (style.md, One-way flow)");
  });

  it("reads process.env only in src/config/", () => {
    expectNone(report(checkEnv(src), /^process-env/), "process.env read outside src/config/ (style.md: configuration is read once)");
  });

  it("keeps every .ts file of src/, test/, migrations/, bench/ and every views/ .eta file ≤ 400 lines", () => {
    const files = [...src, ...walk("test", ".ts"), ...walk("migrations", ".ts"), ...walk("bench", ".ts"), ...walk("views", ".eta")];
    expectNone(report(checkFileSizes(files), /^file-too-long/), `Files over ${MAX_FILE_LINES} lines`);
  });

  it("keeps every function in src/ ≤ 60 lines of its own", () => {
    expectNone(report(checkFunctionSizes(src), /^function-too-long/), `Functions over ${MAX_FUNCTION_LINES} lines`);
  });

  it("documents every exported function declaration in src/ with a /** … */ comment", () => {
    expectNone(report(checkDocComments(src), /^missing-doc-comment/), "Exported functions without a doc comment");
  });
});

describe("architecture checks catch what they should (synthetic sources)", () => {
  const file = (path: string, text: string): Source => ({ path, text });

  it("flags each forbidden import and accepts the allowed ones", () => {
    const found = checkLayers([
      file("src/awards/awards.service.ts", `import { Hono } from "hono";\nimport type { Context } from "hono/types";\nimport { x } from "@fedify/fedify";\nimport * as r from "../issuers/issuers.repository.ts";\nimport * as own from "./awards.repository.ts";\nexport { y } from "../shared/result.ts";`),
      file("src/awards/awards.repository.ts", `import { s } from "./awards.service.ts";\nconst m = await import("../issuers/issuers.routes.ts");\nimport { sql } from "kysely";`),
      file("src/awards/awards.routes.ts", `import type { Kysely } from "kysely";\nimport { find } from "./awards.repository.ts";\nimport { Hono } from "hono";\nimport { svc } from "./awards.service.ts";`),
      file("src/awards/awards.api.ts", `import type { Row } from "./awards.repository.ts";\nimport { svc } from "./awards.service.ts";`),
      file("src/awards/awards.http.ts", `import { sql } from "kysely";\nimport { Hono } from "hono";`),
    ]);
    expect(found).toEqual([
      `service-imports-web src/awards/awards.service.ts:1 imports "hono"`,
      `service-imports-web src/awards/awards.service.ts:2 imports "hono/types" (type-only)`,
      `service-imports-web src/awards/awards.service.ts:3 imports "@fedify/fedify"`,
      `service-imports-other-repository src/awards/awards.service.ts:4 imports "../issuers/issuers.repository.ts"`,
      `repository-imports-upper-layer src/awards/awards.repository.ts:1 imports "./awards.service.ts"`,
      `repository-imports-upper-layer src/awards/awards.repository.ts:2 imports "../issuers/issuers.routes.ts"`,
      `routes-import-kysely src/awards/awards.routes.ts:1 imports "kysely" (type-only)`,
      `routes-import-repository src/awards/awards.routes.ts:2 imports "./awards.repository.ts"`,
      `routes-import-repository src/awards/awards.api.ts:1 imports "./awards.repository.ts" (type-only)`,
      `routes-import-kysely src/awards/awards.http.ts:1 imports "kysely"`,
    ]);
  });

  it("flags process.env outside src/config/ in its three spellings", () => {
    const text = `const a = process.env.X;\nconst b = process["env"];\nconst { env } = process;\nconst c = other.env;`;
    expect(checkEnv([file("src/http/x.ts", text), file("src/config/load-config.ts", text)])).toEqual([
      "process-env-outside-config src/http/x.ts:1",
      "process-env-outside-config src/http/x.ts:2",
      "process-env-outside-config src/http/x.ts:3",
    ]);
  });

  it("flags long files and long functions, counting nested functions once", () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");
    expect(checkFileSizes([file("views/a.eta", "x\n".repeat(401)), file("src/b.ts", "x\n".repeat(400))]))
      .toEqual([`file-too-long views/a.eta: 401 lines (cap 400)`]);
    const text = [
      `export function ok() {\n${body(58)}\n}`, // 60 lines
      `export const long = async () => {\n${body(59)}\n};`, // 61 lines
      `export function factory() {\n  function inner() {\n${body(50)}\n  }\n  return { m() {\n${body(50)}\n  } };\n}`,
      `class K { method() {\n${body(70)}\n} }`,
    ].join("\n");
    expect(checkFunctionSizes([file("src/x/y.ts", text)]).map((o) => o.replace(/:\d+ /, ":N "))).toEqual([
      "function-too-long src/x/y.ts:N long: 61 lines (cap 60)",
      "function-too-long src/x/y.ts:N method: 72 lines (cap 60)",
    ]);
  });

  it("flags exported function declarations without a /** */ comment", () => {
    const text = `/** Documented. */\nexport function a() {}\n// a line comment is not a doc comment\nexport async function b() {}\nfunction c() {}\n/* nor is a block */\nexport default function () {}\nexport function d(x: string): void;\nexport function d(x: unknown) {}`;
    expect(checkDocComments([file("src/z.ts", text)])).toEqual([
      "missing-doc-comment src/z.ts:4 b",
      "missing-doc-comment src/z.ts:7 default",
      "missing-doc-comment src/z.ts:8 d",
    ]);
  });
});
