import { describe, expect, it } from "vitest";
import { nodeUrls } from "../../src/credentials/urls.ts";
import { buildFromCase } from "../../src/frameworks/frameworks.case.ts";
import { toCasePackage } from "../../src/frameworks/frameworks.export.ts";
import type { FrameworkDraft } from "../../src/frameworks/frameworks.schema.ts";
import { fixture } from "../helpers/frameworks.ts";

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const shape = (d: FrameworkDraft) => ({
  levels: d.levels,
  competencies: d.competencies.map((c) => ({ code: c.code, name: c.name, shortName: c.shortName, subs: c.subs.map((s) => ({ code: s.code, name: s.name, cells: s.cells })) })),
});

describe("CASE 1.0 import", () => {
  it("reads the fixture: depth 1 = competencies, depth 2 = sub-competencies, rubric levels and descriptors, URIs kept", () => {
    const { draft, report } = buildFromCase({ name: null, sourceUrl: null, file: fixture("case-small.json") });
    expect(report.errors).toEqual([]);
    expect(report.encodings).toEqual({ "case.json": "utf-8" });
    expect(draft!.name).toBe("Référentiel d'exemple : éthique et durabilité");
    expect(draft!.sourceUrl).toBe("https://www.example.org/referentiel.pdf");
    expect(draft!.levels).toEqual([
      { code: "novice", name: "Novice", rank: 1, required: true },
      { code: "intermediaire", name: "Intermédiaire", rank: 2, required: true },
      { code: "competent", name: "Compétent", rank: 3, required: true },
    ]);
    expect(draft!.competencies.map((c) => [c.code, c.shortName, c.subs.map((s) => s.code)])).toEqual([["ETH", "Éthique", ["ETH.1", "ETH.2"]], ["DUR", "Durabilité", ["DUR.1"]]]);
    const sub = draft!.competencies[0]!.subs[1]!;
    expect(sub.caseUri).toBe("https://case.example.org/uri/9b1e0c1a-0000-4000-8000-000000000012");
    expect(sub.caseIdentifier).toBe("9b1e0c1a-0000-4000-8000-000000000012");
    expect(sub.cells[2]).toEqual({ levelCode: "competent", descriptor: "Tranche un dilemme <b>en équipe</b> & le justifie.", situations: [] });
  });

  it("reports a cycle by naming its items, and builds nothing", () => {
    const { draft, report } = buildFromCase({ name: null, sourceUrl: null, file: fixture("case-cycle.json") });
    expect(draft).toBeNull();
    expect(report.errors).toEqual([{ file: "case.json", line: null, key: "frameworks.errors.caseCycle", params: { items: "Élément A → Élément B" } }]);
  });

  it("reports an association to an unknown identifier", () => {
    const { report } = buildFromCase({ name: null, sourceUrl: null, file: fixture("case-dangling.json") });
    expect(report.errors).toEqual([{ file: "case.json", line: null, key: "frameworks.errors.caseDangling", params: { identifier: "9b1e0c1a-0000-4000-8000-0000000009ff", title: "Élément fantôme" } }]);
  });

  it("explains invalid JSON and a package without CFDocument", () => {
    expect(buildFromCase({ name: null, sourceUrl: null, file: new TextEncoder().encode("{ not json") }).report.errors[0]!.key).toBe("frameworks.errors.caseJson");
    const noDoc = buildFromCase({ name: null, sourceUrl: null, file: json({ CFItems: [] }) }).report.errors;
    expect(noDoc.map((e) => [e.key, e.params?.path])).toEqual([["frameworks.errors.caseShape", "CFDocument"]]);
  });

  it("exports a CFPackage that re-imports to the same structure, with the same CASE identifiers", () => {
    const first = buildFromCase({ name: null, sourceUrl: null, file: fixture("case-small.json") }).draft!;
    let n = 0;
    const stored = { ...first, id: "fw-1", competencies: first.competencies.map((c) => ({ ...c, id: `c${n++}`, subs: c.subs.map((s) => ({ ...s, id: `s${n++}` })) })) };
    const pkg = toCasePackage(stored, { urls: nodeUrls("https://node.example"), creator: "École", updatedAt: "2026-02-01T00:00:00.000Z" });
    const again = buildFromCase({ name: null, sourceUrl: null, file: json(pkg) });
    expect(again.report.errors).toEqual([]);
    expect(shape(again.draft!)).toEqual(shape(first));
    expect(again.draft!.caseIdentifier).toBe(first.caseIdentifier);
    expect(again.draft!.competencies[1]!.subs[0]!.caseUri).toBe(first.competencies[1]!.subs[0]!.caseUri);
  });
});
