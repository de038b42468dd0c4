import type { FrameworkCellRow, FrameworkItemRow, FrameworkRow } from "../db/database.ts";
import { newId } from "../shared/tokens.ts";
import type { StoredFramework } from "./frameworks.ladder.ts";
import type { CellDraft, FrameworkDraft, LevelDef } from "./frameworks.schema.ts";

// Mapping between the framework tree and its three tables (frameworks, framework_items with
// parent_id null for competencies, framework_cells per (sub-competency, level)).

/** The rows that store a framework draft. */
export function draftRows(d: FrameworkDraft, meta: { issuerId: string; createdBy: string | null; now: string }) {
  const framework: FrameworkRow = {
    id: newId(), issuer_id: meta.issuerId, name: d.name, description: d.description, source_url: d.sourceUrl, source_kind: d.sourceKind,
    case_uri: d.caseUri, case_identifier: d.caseIdentifier, levels: JSON.stringify(d.levels), created_by: meta.createdBy, created_at: meta.now, updated_at: meta.now,
    archived_at: null,
  };
  const items: FrameworkItemRow[] = [];
  const cells: FrameworkCellRow[] = [];
  let position = 0;
  for (const c of d.competencies) {
    const competency: FrameworkItemRow = {
      id: newId(), framework_id: framework.id, parent_id: null, code: c.code, name: c.name, short_name: c.shortName,
      position: position++, case_uri: c.caseUri, case_identifier: c.caseIdentifier,
    };
    items.push(competency);
    for (const s of c.subs) {
      const sub: FrameworkItemRow = {
        id: newId(), framework_id: framework.id, parent_id: competency.id, code: s.code, name: s.name, short_name: null,
        position: position++, case_uri: s.caseUri, case_identifier: s.caseIdentifier,
      };
      items.push(sub);
      for (const cell of s.cells) {
        cells.push({ id: newId(), framework_id: framework.id, item_id: sub.id, level_code: cell.levelCode, descriptor: cell.descriptor, situations: JSON.stringify(cell.situations) });
      }
    }
  }
  return { framework, items, cells };
}

/** Rebuilds the framework tree from its rows (cells in the order of the level scale). */
export function treeOf(row: FrameworkRow, items: FrameworkItemRow[], cells: FrameworkCellRow[]): StoredFramework {
  const levels = (JSON.parse(row.levels) as LevelDef[]).sort((a, b) => a.rank - b.rank);
  const rank = new Map(levels.map((l) => [l.code, l.rank]));
  const cellsOf = new Map<string, CellDraft[]>();
  for (const c of cells) {
    cellsOf.set(c.item_id, [...(cellsOf.get(c.item_id) ?? []), { levelCode: c.level_code, descriptor: c.descriptor, situations: JSON.parse(c.situations) as string[] }]);
  }
  const childrenOf = new Map<string, FrameworkItemRow[]>();
  for (const i of items) if (i.parent_id) childrenOf.set(i.parent_id, [...(childrenOf.get(i.parent_id) ?? []), i]);
  const node = (i: FrameworkItemRow) => ({ id: i.id, code: i.code, name: i.name, caseUri: i.case_uri, caseIdentifier: i.case_identifier });
  const competencies = items.filter((i) => i.parent_id === null).map((c) => ({
    ...node(c), shortName: c.short_name,
    subs: (childrenOf.get(c.id) ?? []).map((s) => ({
      ...node(s), cells: (cellsOf.get(s.id) ?? []).sort((a, b) => (rank.get(a.levelCode) ?? 0) - (rank.get(b.levelCode) ?? 0)),
    })),
  }));
  return {
    id: row.id, issuerId: row.issuer_id, name: row.name, description: row.description, sourceUrl: row.source_url,
    sourceKind: row.source_kind === "case" ? "case" : "csv", caseUri: row.case_uri, caseIdentifier: row.case_identifier, levels, competencies,
  };
}
