import { z } from "zod";
import { decodeText } from "./frameworks.decode.ts";
import { readRubrics, readSituations } from "./frameworks.case-rubrics.ts";
import {
  MAX_CODE, MAX_IMPORT_ROWS, countDraft,
  type CompetencyDraft, type FrameworkDraft, type ImportProblem, type ImportReport,
} from "./frameworks.schema.ts";

// 1EdTech CASE 1.0 import (CFPackage): CFDocument, CFItems, CFAssociations "isChildOf"
// (origin = child, destination = parent; CASE 1.0 Information Model §4.3), and optionally
// CFRubrics → CFRubricCriteria (one per CFItem) → CFRubricCriterionLevels (quality, score,
// description) for the level scale and the descriptors, and evaluation situations
// (frameworks.case-vocab.ts, read in frameworks.case-rubrics.ts). Depth 1 items are competencies,
// depth 2 their sub-competencies; identifiers and URIs are kept for alignments (targetType CFItem).

export const CASE_FILE = "case.json";

const linkUri = z.object({ identifier: z.string().min(1), uri: z.string().optional(), title: z.string().optional() });
const cfDocument = z.object({
  identifier: z.string().min(1), uri: z.string().optional(), title: z.string().min(1),
  officialSourceURL: z.string().optional(), description: z.string().optional(),
});
const cfItem = z.object({
  identifier: z.string().min(1), uri: z.string().optional(), fullStatement: z.string().min(1),
  abbreviatedStatement: z.string().optional(), humanCodingScheme: z.string().optional(), CFItemType: z.string().optional(),
});
const cfAssociation = z.object({
  associationType: z.string(), originNodeURI: linkUri, destinationNodeURI: linkUri, sequenceNumber: z.number().optional(),
});
const cfLevel = z.object({ identifier: z.string().optional(), uri: z.string().optional(), quality: z.string().optional(), description: z.string().optional(), score: z.number().optional(), position: z.number().optional() });
const cfCriterion = z.object({ CFItemURI: linkUri.optional(), position: z.number().optional(), CFRubricCriterionLevels: z.array(cfLevel).default([]) });
const cfPackage = z.object({
  CFDocument: cfDocument,
  CFItems: z.array(cfItem).max(MAX_IMPORT_ROWS).default([]),
  CFAssociations: z.array(cfAssociation).max(MAX_IMPORT_ROWS * 4).default([]),
  CFRubrics: z.array(z.object({ CFRubricCriteria: z.array(cfCriterion).default([]) })).default([]),
});

type CfPackage = z.output<typeof cfPackage>;
type CfItem = z.output<typeof cfItem>;

/** The uploaded CASE JSON and the form's optional name and source URL. */
export interface CaseImportInput {
  name: string | null;
  sourceUrl: string | null;
  file?: Uint8Array | null;
}

const problem = (key: string, params?: Record<string, string | number>): ImportProblem => ({ file: CASE_FILE, line: null, key, params });
const isHttp = (v: string | undefined): v is string => !!v && /^https?:\/\/\S+$/i.test(v) && URL.canParse(v);

function parsePackage(bytes: Uint8Array, report: ImportReport): CfPackage | null {
  const decoded = decodeText(CASE_FILE, bytes);
  if (!decoded.ok) { report.errors.push(decoded.problem); return null; }
  report.encodings[CASE_FILE] = decoded.value.encoding;
  let json: unknown;
  try {
    json = JSON.parse(decoded.value.text);
  } catch (e) {
    report.errors.push(problem("frameworks.errors.caseJson", { detail: String((e as Error).message).slice(0, 200) }));
    return null;
  }
  // Some CASE servers answer GET /CFPackages/{id} with the package under a "CFPackage" key.
  if (json && typeof json === "object" && "CFPackage" in json) json = (json as { CFPackage: unknown }).CFPackage;
  const parsed = cfPackage.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues.slice(0, 10)) {
    report.errors.push(problem("frameworks.errors.caseShape", { path: issue.path.join(".") || "/", detail: issue.message }));
  }
  return null;
}

interface Tree {
  parentOf: Map<string, string>; // child item identifier → parent identifier (item or document)
  childrenOf: Map<string, string[]>;
}

/** Resolves isChildOf links: dangling references are errors, a second parent is a warning. */
function linkTree(pkg: CfPackage, items: Map<string, CfItem>, report: ImportReport): Tree {
  const docId = pkg.CFDocument.identifier;
  const byUri = new Map([...items.values()].filter((i) => i.uri).map((i) => [i.uri!, i.identifier]));
  if (pkg.CFDocument.uri) byUri.set(pkg.CFDocument.uri, docId);
  const resolve = (l: z.output<typeof linkUri>) => (items.has(l.identifier) || l.identifier === docId ? l.identifier : l.uri ? byUri.get(l.uri) : undefined);
  const links = pkg.CFAssociations.map((a, index) => ({ a, index })).filter(({ a }) => a.associationType === "isChildOf")
    .sort((x, y) => (x.a.sequenceNumber ?? Infinity) - (y.a.sequenceNumber ?? Infinity) || x.index - y.index);
  const tree: Tree = { parentOf: new Map(), childrenOf: new Map() };
  for (const { a } of links) {
    const child = resolve(a.originNodeURI), parent = resolve(a.destinationNodeURI);
    for (const [end, id] of [[a.originNodeURI, child], [a.destinationNodeURI, parent]] as const) {
      if (!id) report.errors.push(problem("frameworks.errors.caseDangling", { identifier: end.identifier, title: end.title ?? "" }));
    }
    if (!child || !parent) continue;
    if (child === docId) { report.errors.push(problem("frameworks.errors.caseDocumentChild")); continue; }
    if (tree.parentOf.has(child)) {
      if (tree.parentOf.get(child) !== parent) report.warnings.push(problem("frameworks.warnings.caseSecondParent", { title: items.get(child)!.fullStatement }));
      continue;
    }
    tree.parentOf.set(child, parent);
    tree.childrenOf.set(parent, [...(tree.childrenOf.get(parent) ?? []), child]);
  }
  return tree;
}

/** Reports each isChildOf cycle once (an item that is its own ancestor). */
function findCycles(tree: Tree, items: Map<string, CfItem>, report: ImportReport): boolean {
  const reported = new Set<string>();
  for (const start of tree.parentOf.keys()) {
    const path: string[] = [];
    let at: string | undefined = start;
    while (at && items.has(at) && !path.includes(at)) { path.push(at); at = tree.parentOf.get(at); }
    if (!at || !path.includes(at)) continue;
    const loop = path.slice(path.indexOf(at));
    if (loop.some((id) => reported.has(id))) continue;
    loop.forEach((id) => reported.add(id));
    report.errors.push(problem("frameworks.errors.caseCycle", { items: loop.map((id) => items.get(id)!.fullStatement).join(" → ") }));
  }
  return reported.size > 0;
}

function itemCode(item: CfItem): string {
  return (item.humanCodingScheme?.trim() || item.fullStatement.trim()).slice(0, MAX_CODE);
}

function buildCompetencies(docId: string, tree: Tree, items: Map<string, CfItem>, report: ImportReport): CompetencyDraft[] {
  const competencies = (tree.childrenOf.get(docId) ?? []).map((id): CompetencyDraft => {
    const c = items.get(id)!;
    const subs = (tree.childrenOf.get(id) ?? []).map((sid) => {
      const s = items.get(sid)!;
      return { code: itemCode(s), name: s.fullStatement.trim(), caseUri: s.uri ?? null, caseIdentifier: s.identifier, cells: [] };
    });
    return { code: itemCode(c), name: c.fullStatement.trim(), shortName: c.abbreviatedStatement?.trim() || null, caseUri: c.uri ?? null, caseIdentifier: c.identifier, subs };
  });
  if (!competencies.length) report.errors.push(problem("frameworks.errors.caseNoCompetency"));
  return competencies;
}

/** Builds a framework from a CASE 1.0 CFPackage; `draft` is null when the file cannot be used at all. */
export function buildFromCase(input: CaseImportInput): { draft: FrameworkDraft | null; report: ImportReport } {
  const report: ImportReport = { encodings: {}, rows: 0, errors: [], warnings: [], counts: { competencies: 0, subCompetencies: 0, levels: 0, descriptors: 0, situations: 0 } };
  if (!input.file?.byteLength) {
    report.errors.push(problem("frameworks.errors.caseFileRequired"));
    return { draft: null, report };
  }
  const pkg = parsePackage(input.file, report);
  if (!pkg) return { draft: null, report };
  report.rows = pkg.CFItems.length;
  const items = new Map<string, CfItem>();
  for (const item of pkg.CFItems) {
    if (items.has(item.identifier)) report.errors.push(problem("frameworks.errors.caseDuplicateIdentifier", { identifier: item.identifier }));
    items.set(item.identifier, item);
  }
  const tree = linkTree(pkg, items, report);
  if (findCycles(tree, items, report)) return { draft: null, report };
  const competencies = buildCompetencies(pkg.CFDocument.identifier, tree, items, report);
  const criteria = pkg.CFRubrics.flatMap((r) => r.CFRubricCriteria);
  const { levels, cellOf } = readRubrics(criteria, (id) => items.get(id)?.fullStatement, competencies, report, problem);
  const placed = new Set(competencies.flatMap((c) => [c.caseIdentifier!, ...c.subs.map((s) => s.caseIdentifier!)]));
  const situationItems = readSituations(pkg.CFAssociations, items, placed, cellOf);
  const ignored = items.size - placed.size - situationItems;
  if (ignored > 0) report.warnings.push(problem("frameworks.warnings.caseIgnored", { count: ignored }));
  const doc = pkg.CFDocument;
  const draft: FrameworkDraft = {
    name: input.name || doc.title.trim(), description: doc.description?.trim() ?? "",
    sourceUrl: input.sourceUrl ?? [doc.officialSourceURL, doc.uri].find(isHttp) ?? null,
    sourceKind: "case", caseUri: doc.uri ?? null, caseIdentifier: doc.identifier, levels, competencies,
  };
  report.counts = countDraft(draft);
  return { draft, report };
}
