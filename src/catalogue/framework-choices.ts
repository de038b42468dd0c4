import type { FrameworkRow } from "../db/database.ts";
import type { FrameworkChoice, FrameworkLister } from "./catalogue.service.ts";

/** What the catalogue needs from the frameworks feature (its service fits structurally). */
export interface FrameworkSource {
  list(issuerId: string): Promise<FrameworkRow[]>;
  /** The competencies (top level) of some frameworks, per framework id, in order. */
  competencies(frameworkIds: string[]): Promise<Map<string, FrameworkChoice["competencies"]>>;
}

// Past this many issuers the node-wide page offers no framework list (it would be long and slow
// to build); framework, competency and level still filter when given in the URL.
const MAX_ISSUERS = 50;

/** Frameworks of some issuers as catalogue choices: names, level scales and competencies. */
export function frameworkLister(source: FrameworkSource): FrameworkLister {
  return async (issuerIds) => {
    if (issuerIds.length > MAX_ISSUERS) return [];
    const rows = (await Promise.all(issuerIds.map((id) => source.list(id)))).flat();
    const competencies = rows.length ? await source.competencies(rows.map((r) => r.id)) : new Map<string, FrameworkChoice["competencies"]>();
    return rows.map((r) => {
      const levels = (JSON.parse(r.levels) as { code: string; name: string; rank?: number }[]).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
      return { id: r.id, name: r.name, levels: levels.map((l) => ({ code: l.code, name: l.name })), competencies: competencies.get(r.id) ?? [] };
    });
  };
}
