// The wire format of a shared competency framework: the same AS2 `Document` wrapper as templates,
// whose `content` is the framework's CASE 1.0 CFPackage (plain JSON, hence `mediaType:
// application/json`: that is how the inbox tells it from a template) and whose `url` links to the
// package on the sender's node. CASE has no place for evaluation situations: they ride along as the
// framework's three CSV files (our import format) in `attachment`, each a `text/csv` Document.
// These are the receiver's checks, as pure functions.
import { buildFromCase } from "../frameworks/frameworks.case.ts";
import { buildFromCsv } from "../frameworks/frameworks.csv.ts";
import type { FrameworkDraft } from "../frameworks/frameworks.schema.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { IncomingDocument } from "./template-payload.ts";

/** The media type of the CASE package carried in `content`. */
export const FRAMEWORK_MEDIA_TYPE = "application/json";

/**
 * Largest CASE package accepted inside a Document. The whole signed activity must also pass the
 * inbox's 256 KiB limit; the Centrale framework (5 competencies, 15 sub-competencies, 5 levels)
 * is about 70 KiB.
 */
export const MAX_FRAMEWORK_BYTES = 200 * 1024;

/** The media type of the CSV attachments. */
export const FRAMEWORK_CSV_MEDIA_TYPE = "text/csv";

/** Largest CSV attachments accepted, all three together (situations are optional: beyond, they are left out). */
export const MAX_FRAMEWORK_CSV_BYTES = 100 * 1024;

/** A CSV file attached to a framework Document. */
export interface IncomingAttachment {
  name: string | null;
  mediaType: string | null;
  content: string | null;
}

/** Why an incoming framework was dropped (logged, and recorded with the activity). */
export type FrameworkDropReason =
  | "not-partner" | "media-type" | "too-large" | "invalid-json" | "origin" | "attribution" | "not-case" | "owner" | "stale";

/** A checked framework, ready to store. */
export interface CheckedFramework {
  apId: string;
  packageUrl: string;
  name: string;
  description: string;
  sourceUrl: string | null;
  changedAt: string;
  tree: FrameworkDraft;
  caseJson: string;
}

const originOf = (url: unknown) => {
  try { return typeof url === "string" ? new URL(url).origin : null; } catch { return null; }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parseObject(content: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(content);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Checks a Document sent by `senderId` (already authenticated by its HTTP signature): a CASE
 * package in `content`, the Document and the package URL on the sender's origin, the Document
 * attributed to the sender (FEP-fe34), and a package our own CASE importer reads without error.
 * The CFDocument's own `uri` may point elsewhere (a framework imported from a CASE server keeps it).
 */
export function checkFramework(senderId: string, doc: IncomingDocument & { attachments?: IncomingAttachment[] }): Result<CheckedFramework, FrameworkDropReason> {
  if (doc.mediaType !== FRAMEWORK_MEDIA_TYPE || typeof doc.content !== "string") return err("media-type");
  const bytes = new TextEncoder().encode(doc.content);
  if (bytes.byteLength > MAX_FRAMEWORK_BYTES) return err("too-large");
  const pkg = parseObject(doc.content);
  if (!pkg) return err("invalid-json");
  const cfDocument = isObject(pkg.CFDocument) ? pkg.CFDocument : {};
  const packageUrl = isObject(cfDocument.CFPackageURI) ? cfDocument.CFPackageURI.uri : undefined;
  const origin = originOf(senderId);
  if (!doc.id || !origin || originOf(doc.id) !== origin || originOf(packageUrl) !== origin) return err("origin");
  if (doc.attributedTo !== senderId) return err("attribution");
  const changedAt = cfDocument.lastChangeDateTime;
  if (typeof changedAt !== "string" || Number.isNaN(Date.parse(changedAt))) return err("not-case");
  const built = buildFromCase({ name: null, sourceUrl: null, file: bytes });
  if (!built.draft || built.report.errors.length) return err("not-case");
  const tree = withSituations(built.draft, doc.attachments ?? []);
  return ok({
    apId: doc.id, packageUrl: packageUrl as string, name: tree.name.slice(0, 300), description: tree.description.slice(0, 5000),
    sourceUrl: tree.sourceUrl && /^https?:\/\//.test(tree.sourceUrl) ? tree.sourceUrl : null,
    changedAt: new Date(changedAt).toISOString(), tree, caseJson: doc.content,
  });
}

// The evaluation situations of the attached CSV files, put into the cells of the CASE tree
// (matched by competency code, sub-competency name and level). CSV files that our importer
// refuses, or that are too large, leave the tree without situations rather than drop it.
function withSituations(tree: FrameworkDraft, attachments: IncomingAttachment[]): FrameworkDraft {
  const file = (name: string) => attachments.find((a) => a.name === name && a.mediaType === FRAMEWORK_CSV_MEDIA_TYPE && typeof a.content === "string")?.content ?? null;
  const files = { framework: file("framework.csv"), levels: file("levels.csv"), situations: file("situations.csv") };
  if (!files.framework || !files.situations) return tree;
  const size = Object.values(files).reduce((n, f) => n + (f ? new TextEncoder().encode(f).byteLength : 0), 0);
  if (size > MAX_FRAMEWORK_CSV_BYTES) return tree;
  const bytes = (f: string | null) => (f ? new TextEncoder().encode(f) : null);
  const csv = buildFromCsv({ name: tree.name, sourceUrl: null, framework: bytes(files.framework), levels: bytes(files.levels), situations: bytes(files.situations) });
  if (!csv.draft || csv.report.errors.length) return tree;
  const levels = new Set(tree.levels.map((l) => l.code));
  const competencies = tree.competencies.map((c) => {
    const fromCsv = csv.draft!.competencies.find((x) => x.code === c.code);
    return {
      ...c,
      subs: c.subs.map((s) => {
        const csvSub = fromCsv?.subs.find((x) => x.name === s.name);
        if (!csvSub) return s;
        const cells = s.cells.map((cell) => ({ ...cell, situations: csvSub.cells.find((x) => x.levelCode === cell.levelCode)?.situations ?? cell.situations }));
        const missing = csvSub.cells.filter((x) => x.situations.length && levels.has(x.levelCode) && !cells.some((cell) => cell.levelCode === x.levelCode));
        return { ...s, cells: [...cells, ...missing.map((x) => ({ levelCode: x.levelCode, descriptor: "", situations: x.situations }))] };
      }),
    };
  });
  return { ...tree, competencies };
}
