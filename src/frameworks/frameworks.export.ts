import { createHash } from "node:crypto";
import type { NodeUrls } from "../credentials/urls.ts";
import { SITUATION_ASSOCIATION, SITUATION_GROUPING, SITUATION_ITEM_TYPE, requiredMark } from "./frameworks.case-vocab.ts";
import { FRAMEWORK_COLUMNS, LEVEL_COLUMNS, SITUATION_COLUMNS } from "./frameworks.csv.ts";
import { cellAt, type FrameworkDraft } from "./frameworks.schema.ts";

// Exports: the three CSV files of the import (UTF-8 with BOM, CRLF: what Excel opens without
// asking) and a CASE 1.0 CFPackage. Both re-import to the same framework: levels (codes, names,
// ranks, optional flag), competencies, sub-competencies, descriptors and evaluation situations
// (how CASE carries the last ones: frameworks.case-vocab.ts).

// RFC 4180 writing: quote a field holding a comma, quote, semicolon or line break; double quotes.
// A leading = + - @ (spreadsheet formula) gets an apostrophe, which the importer strips again.
function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? "'" + value : value;
  return /[",;\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(columns: readonly string[], rows: string[][]): string {
  return "\uFEFF" + [columns as string[], ...rows].map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

/** framework.csv, levels.csv and evaluation-situations.csv of a framework. */
export function toCsvFiles(fw: FrameworkDraft): { framework: string; levels: string; situations: string } {
  const framework: string[][] = [];
  const situations: string[][] = [];
  for (const c of fw.competencies) {
    for (const level of fw.levels) {
      for (const s of c.subs) {
        const cell = cellAt(s, level.code);
        if (!cell) continue;
        framework.push([c.code, c.name, c.shortName ?? "", s.name, level.code, cell.descriptor]);
        for (const activity of cell.situations) situations.push([c.code, s.name, level.code, activity]);
      }
    }
  }
  const levels = fw.levels.map((l) => [l.code, l.name, String(l.rank), l.required ? "yes" : "no"]);
  return { framework: csv(FRAMEWORK_COLUMNS, framework), levels: csv(LEVEL_COLUMNS, levels), situations: csv(SITUATION_COLUMNS, situations) };
}

/** A UUID derived from names (RFC 9562 §5.5 layout, SHA-1): the same framework exports the same identifiers. */
export function stableUuid(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("\u0000")).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** What a CASE export needs beside the framework (which must come from storage: it has ids). */
export interface CaseExportFacts {
  urls: NodeUrls;
  creator: string;
  updatedAt: string;
}

interface Link { title: string; identifier: string; uri: string }

/** The framework as a CASE 1.0 CFPackage (CFDocument, CFItems, CFAssociations, CFDefinitions, CFRubrics). */
export function toCasePackage(fw: FrameworkDraft & { id: string }, facts: CaseExportFacts): Record<string, unknown> {
  const { urls, updatedAt } = facts;
  const base = urls.framework(fw.id);
  const doc: Link = { title: fw.name, identifier: fw.caseIdentifier ?? fw.id, uri: fw.caseUri ?? base };
  const common = { lastChangeDateTime: updatedAt, CFDocumentURI: doc };
  const link = (n: { id?: string; name: string; caseIdentifier: string | null; caseUri: string | null }): Link =>
    ({ title: n.name, identifier: n.caseIdentifier ?? n.id!, uri: n.caseUri ?? urls.frameworkItem(fw.id, n.id!) });
  const items: Record<string, unknown>[] = [];
  const associations: Record<string, unknown>[] = [];
  const associate = (child: Link, parent: Link, sequenceNumber: number) => {
    const identifier = stableUuid(fw.id, "isChildOf", child.identifier, parent.identifier);
    associations.push({ identifier, uri: `${base}#association-${identifier}`, associationType: "isChildOf", sequenceNumber, originNodeURI: child, destinationNodeURI: parent, ...common });
  };
  fw.competencies.forEach((c, ci) => {
    const cl = link(c);
    items.push({ identifier: cl.identifier, uri: cl.uri, fullStatement: c.name, abbreviatedStatement: c.shortName ?? undefined, humanCodingScheme: c.code, CFItemType: "Competency", ...common });
    associate(cl, doc, ci + 1);
    c.subs.forEach((s, si) => {
      const sl = link(s);
      items.push({ identifier: sl.identifier, uri: sl.uri, fullStatement: s.name, humanCodingScheme: s.code, CFItemType: "Criterion", ...common });
      associate(sl, cl, si + 1);
    });
  });
  const situations = situationsOf(fw, { base, common });
  return {
    CFDocument: {
      identifier: doc.identifier, uri: doc.uri, creator: facts.creator, title: fw.name, description: fw.description || undefined,
      officialSourceURL: fw.sourceUrl ?? undefined, language: "fr", lastChangeDateTime: updatedAt,
      CFPackageURI: { ...doc, uri: `${base}/export.case.json` },
    },
    CFItems: [...items, ...situations.items],
    CFAssociations: [...associations, ...situations.associations],
    CFDefinitions: situations.definitions,
    CFRubrics: [scaleRubric(fw, updatedAt, base), ...fw.competencies.map((c) => rubricOf(fw, c, link, updatedAt, base))],
  };
}

// The whole level scale as a criterion tied to no item, so that levels without descriptors (and
// their order) survive a CASE round trip; the importer reads it as the scale only.
function scaleRubric(fw: FrameworkDraft & { id: string }, updatedAt: string, base: string) {
  const rubricId = stableUuid(fw.id, "scale");
  const criterionId = stableUuid(fw.id, "scale", "criterion");
  return {
    identifier: rubricId, uri: `${base}#scale-${rubricId}`, title: fw.name, description: "Level scale", lastChangeDateTime: updatedAt,
    CFRubricCriteria: [{
      identifier: criterionId, uri: `${base}#criterion-${criterionId}`, description: "Level scale", position: 0, rubricId, lastChangeDateTime: updatedAt,
      CFRubricCriterionLevels: fw.levels.map((l) => ({
        identifier: stableUuid(fw.id, "scale", l.code), uri: `${base}#level-${l.code}`, quality: l.name, score: l.rank, position: l.rank,
        description: requiredMark(l.required), rubricCriterionId: criterionId, lastChangeDateTime: updatedAt,
      })),
    }],
  };
}

function rubricOf(fw: FrameworkDraft & { id: string }, c: FrameworkDraft["competencies"][number], link: (n: FrameworkDraft["competencies"][number]["subs"][number]) => Link, updatedAt: string, base: string) {
  const rubricId = stableUuid(fw.id, "rubric", c.id!);
  return {
    identifier: rubricId, uri: `${base}#rubric-${rubricId}`, title: c.name, lastChangeDateTime: updatedAt,
    CFRubricCriteria: c.subs.map((s, si) => {
      const criterionId = stableUuid(fw.id, "criterion", s.id!);
      return {
        identifier: criterionId, uri: `${base}#criterion-${criterionId}`, CFItemURI: link(s), position: si + 1, rubricId, lastChangeDateTime: updatedAt,
        CFRubricCriterionLevels: fw.levels.flatMap((l) => {
          const cell = cellAt(s, l.code);
          if (!cell) return [];
          const levelId = cellLevelId(fw.id, s.id!, l.code);
          return [{ identifier: levelId, uri: `${base}#criterion-level-${levelId}`, quality: l.name, score: l.rank, position: l.rank, description: cell.descriptor, rubricCriterionId: criterionId, lastChangeDateTime: updatedAt }];
        }),
      };
    }),
  };
}

const cellLevelId = (frameworkId: string, subId: string, levelCode: string) => stableUuid(frameworkId, "level", subId, levelCode);

// The evaluation situations: one CFItem per distinct activity (CFItemType "Evaluation situation"),
// linked by isRelatedTo to the CFRubricCriterionLevel of each cell it assesses.
function situationsOf(fw: FrameworkDraft & { id: string }, at: { base: string; common: Record<string, unknown> }) {
  const { base, common } = at;
  const type: Link = { title: SITUATION_ITEM_TYPE, identifier: stableUuid(fw.id, "item-type", "situation"), uri: "" };
  type.uri = `${base}#item-type-${type.identifier}`;
  const grouping: Link = { title: SITUATION_GROUPING, identifier: stableUuid(fw.id, "grouping", "situations"), uri: "" };
  grouping.uri = `${base}#grouping-${grouping.identifier}`;
  const items = new Map<string, Record<string, unknown> & { identifier: string; uri: string }>();
  const associations: Record<string, unknown>[] = [];
  for (const c of fw.competencies) {
    for (const s of c.subs) {
      for (const l of fw.levels) {
        const cell = cellAt(s, l.code);
        const levelId = cellLevelId(fw.id, s.id!, l.code);
        const target: Link = { title: `${s.name} — ${l.name}`, identifier: levelId, uri: `${base}#criterion-level-${levelId}` };
        cell?.situations.forEach((activity, k) => {
          const identifier = stableUuid(fw.id, "situation", activity);
          const item = items.get(identifier) ?? { identifier, uri: `${base}#situation-${identifier}`, fullStatement: activity, CFItemType: SITUATION_ITEM_TYPE, CFItemTypeURI: type, ...common };
          items.set(identifier, item);
          const id = stableUuid(fw.id, SITUATION_ASSOCIATION, identifier, levelId);
          associations.push({
            identifier: id, uri: `${base}#association-${id}`, associationType: SITUATION_ASSOCIATION, sequenceNumber: k + 1, CFAssociationGroupingURI: grouping,
            originNodeURI: { title: activity, identifier, uri: item.uri }, destinationNodeURI: target, ...common,
          });
        });
      }
    }
  }
  const updated = { lastChangeDateTime: common.lastChangeDateTime };
  const definitions = {
    CFItemTypes: [{ ...type, description: "An activity, course or internship that assesses a cell (sub-competency × level).", hierarchyCode: "situation", typeCode: "situation", ...updated }],
    CFAssociationGroupings: [{ ...grouping, description: "Links an evaluation situation to the rubric level (sub-competency × level) it assesses.", ...updated }],
  };
  return { items: [...items.values()], associations, definitions };
}
