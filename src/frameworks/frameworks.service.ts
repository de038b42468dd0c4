import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { AchievementContent } from "../achievements/achievements.schema.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import { nodeUrls } from "../credentials/urls.ts";
import type { AchievementRow, Db, FrameworkRow, IssuerRow } from "../db/database.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import { buildFromCase, type CaseImportInput } from "./frameworks.case.ts";
import { createFrameworkChanges } from "./frameworks.changes.ts";
import { buildFromCsv, type CsvImportInput } from "./frameworks.csv.ts";
import { toCasePackage, toCsvFiles } from "./frameworks.export.ts";
import { createLadder, type LadderResult } from "./ladder.service.ts";
import type { StoredFramework } from "./frameworks.ladder.ts";
import * as repo from "./frameworks.repository.ts";
import type { FrameworkDraft, ImportReport, LevelDef } from "./frameworks.schema.ts";
import { draftRows, treeOf } from "./frameworks.store.ts";

/** A previewed import waiting for confirmation. */
export interface PendingImport {
  id: string;
  kind: "csv" | "case";
  draft: FrameworkDraft;
  report: ImportReport;
  createdAt: string;
  confirmedAt: string | null;
  frameworkId: string | null;
}

/** A change of a framework that partners hear about: Create, Update or Delete to the issuer's followers. */
export interface FrameworkChange {
  frameworkId: string;
  issuerId: string;
  kind: "create" | "update" | "delete";
  changedAt: string;
}

/** Told of each framework change inside the change's transaction (the federation feature sends it). */
export interface FrameworkPublisher {
  changed(tx: Db, change: FrameworkChange): Promise<void>;
}

/** How many learners hold each template (the issuing feature provides it). */
export type CountHolders = (achievementIds: string[]) => Promise<Map<string, number>>;

export interface FrameworksDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  achievements: AchievementsService;
  origin: string;
  // Default: nobody holds anything. The awarding feature passes its counter (distinct learners
  // with an active credential, per achievement id).
  countHolders?: CountHolders;
  /** Read at call time: the federation feature is built after this one. */
  publisher?: () => FrameworkPublisher | undefined;
}

/** A template shown in a matrix cell. */
export interface CellTemplate {
  id: string;
  name: string;
  status: string;
  holders: number;
}

/** The matrix page: the framework and, per (competency, level), its templates. */
export interface Matrix {
  framework: StoredFramework;
  row: FrameworkRow;
  templates: Map<string, CellTemplate[]>; // key: `${competencyId}|${levelCode}`
}

export type ConfirmError = "not-found" | "has-errors";

const MAX_SHOWN_PROBLEMS = 200;
const PENDING_HOURS = 24;

// A huge bad file would otherwise put thousands of lines in the preview and the database.
function capped(report: ImportReport): ImportReport {
  const more = report.errors.length - MAX_SHOWN_PROBLEMS;
  if (more <= 0) return report;
  return { ...report, errors: [...report.errors.slice(0, MAX_SHOWN_PROBLEMS), { file: "", line: null, key: "frameworks.errors.more", params: { count: more } }] };
}

async function competenciesOf(db: Db, frameworkIds: string[]): Promise<Map<string, { id: string; name: string; code: string }[]>> {
  const out = new Map<string, { id: string; name: string; code: string }[]>(frameworkIds.map((id) => [id, []]));
  for (let i = 0; i < frameworkIds.length; i += 500) {
    for (const r of await repo.listCompetencies(db, frameworkIds.slice(i, i + 500))) out.get(r.framework_id)?.push({ id: r.id, name: r.name, code: r.code });
  }
  return out;
}

/** Competency frameworks: CSV and CASE import with preview, export, matrix, level ladder. */
export function createFrameworksService(deps: FrameworksDeps) {
  const { db, clock, audit, achievements } = deps;
  const urls = nodeUrls(deps.origin);
  const countHolders: CountHolders = deps.countHolders ?? (async (ids) => new Map(ids.map((id) => [id, 0])));

  async function load(id: string): Promise<StoredFramework | null> {
    const row = await repo.findFramework(db, id);
    if (!row) return null;
    const [items, cells] = await Promise.all([repo.listItems(db, id), repo.listCells(db, id)]);
    return treeOf(row, items, cells);
  }

  async function preview(actor: Actor, issuer: IssuerRow, kind: "csv" | "case", built: { draft: FrameworkDraft | null; report: ImportReport }): Promise<Result<PendingImport, ImportReport>> {
    const report = capped(built.report);
    if (!built.draft || report.errors.length) return err(report);
    const pending: PendingImport = { id: newId(), kind, draft: built.draft, report, createdAt: isoNow(clock), confirmedAt: null, frameworkId: null };
    await repo.deleteStaleImports(db, issuer.id, isoIn(clock, -PENDING_HOURS * 3600_000));
    await repo.insertImport(db, {
      id: pending.id, issuer_id: issuer.id, kind, payload: JSON.stringify(pending.draft), report: JSON.stringify(report),
      created_by: actor.userId, created_at: pending.createdAt, confirmed_at: null, framework_id: null,
    });
    return ok(pending);
  }

  async function findPending(issuerId: string, importId: string): Promise<PendingImport | null> {
    const row = await repo.findImport(db, issuerId, importId);
    if (!row) return null;
    return {
      id: row.id, kind: row.kind === "case" ? "case" : "csv", draft: JSON.parse(row.payload) as FrameworkDraft, report: JSON.parse(row.report) as ImportReport,
      createdAt: row.created_at, confirmedAt: row.confirmed_at, frameworkId: row.framework_id,
    };
  }

  async function confirm(actor: Actor, issuer: IssuerRow, importId: string): Promise<Result<FrameworkRow, ConfirmError>> {
    const pending = await findPending(issuer.id, importId);
    if (!pending) return err("not-found");
    if (pending.frameworkId) {
      const done = await repo.findFramework(db, pending.frameworkId);
      return done ? ok(done) : err("not-found");
    }
    if (pending.report.errors.length) return err("has-errors");
    const rows = draftRows(pending.draft, { issuerId: issuer.id, createdBy: actor.userId, now: isoNow(clock) });
    const stored = await db.transaction().execute(async (tx) => {
      // Two clicks on "confirm" race here: only the first one marks the import and stores.
      if (!(await repo.markImportConfirmed(tx, pending.id, rows.framework.id, rows.framework.created_at))) return false;
      await repo.insertFramework(tx, rows.framework);
      await repo.insertItems(tx, rows.items);
      await repo.insertCells(tx, rows.cells);
      await audit.record(actor, {
        action: "framework.import", objectType: "framework", objectId: rows.framework.id, issuerId: issuer.id,
        details: { name: rows.framework.name, kind: pending.kind, ...pending.report.counts },
      }, tx);
      await deps.publisher?.()?.changed(tx, { frameworkId: rows.framework.id, issuerId: issuer.id, kind: "create", changedAt: rows.framework.updated_at });
      return true;
    });
    if (!stored) return confirm(actor, issuer, importId);
    return ok((await repo.findFramework(db, rows.framework.id))!);
  }

  async function importNow(actor: Actor, issuer: IssuerRow, previewed: Result<PendingImport, ImportReport>): Promise<Result<FrameworkRow, ImportReport>> {
    if (!previewed.ok) return previewed;
    const done = await confirm(actor, issuer, previewed.value.id);
    if (!done.ok) throw new Error(`import ${previewed.value.id} could not be confirmed: ${done.error}`);
    return done;
  }

  async function templatesOf(fw: StoredFramework, statuses: string[]): Promise<AchievementRow[]> {
    const out: AchievementRow[] = [];
    for (let page = 1; ; page++) {
      const r = await achievements.search({ frameworkId: fw.id, page, perPage: 100 }, { issuerIds: [fw.issuerId], statuses });
      out.push(...r.rows);
      if (page >= r.pages) return out;
    }
  }

  const ladder = createLadder({ db, audit, achievements, urls, load, templatesOf });

  return {
    load,
    find: (id: string) => repo.findFramework(db, id),
    list: (issuerId: string) => repo.listFrameworks(db, issuerId),
    /** The competencies of some frameworks (catalogue filter), per framework id, in the framework's order. */
    competencies: (frameworkIds: string[]) => competenciesOf(db, frameworkIds),
    pendingImport: findPending,

    /** Reads CSV uploads; a clean result is kept as a pending import (nothing else changes). */
    previewCsv: (actor: Actor, issuer: IssuerRow, input: CsvImportInput) => preview(actor, issuer, "csv", buildFromCsv(input)),
    /** Reads a CASE 1.0 CFPackage; a clean result is kept as a pending import (nothing else changes). */
    previewCase: (actor: Actor, issuer: IssuerRow, input: CaseImportInput) => preview(actor, issuer, "case", buildFromCase(input)),
    /** Stores a previewed import as a framework (one transaction, audited); confirming twice gives the same framework. */
    confirmImport: confirm,
    /** Preview and confirm in one step (demo data, command line). */
    importCsv: async (actor: Actor, issuer: IssuerRow, input: CsvImportInput) => importNow(actor, issuer, await preview(actor, issuer, "csv", buildFromCsv(input))),
    /** Preview and confirm a CASE package in one step. */
    importCase: async (actor: Actor, issuer: IssuerRow, input: CaseImportInput) => importNow(actor, issuer, await preview(actor, issuer, "case", buildFromCase(input))),

    ...createFrameworkChanges(deps),

    /** The matrix: the framework and its templates per (competency, level); drafts only for staff. */
    async matrix(id: string, opts: { staff: boolean }): Promise<Matrix | null> {
      const [framework, row] = await Promise.all([load(id), repo.findFramework(db, id)]);
      if (!framework || !row) return null;
      const rows = await templatesOf(framework, opts.staff ? ["draft", "published"] : ["published"]);
      const holders = await countHolders(rows.map((r) => r.id));
      const templates = new Map<string, CellTemplate[]>();
      for (const r of rows) {
        const key = `${r.competency_id}|${r.level_code}`;
        templates.set(key, [...(templates.get(key) ?? []), { id: r.id, name: r.name, status: r.status, holders: holders.get(r.id) ?? 0 }]);
      }
      return { framework, row, templates };
    },

    /** framework.csv, levels.csv and evaluation-situations.csv (UTF-8 with BOM). */
    async exportCsv(id: string) {
      const fw = await load(id);
      return fw ? toCsvFiles(fw) : null;
    },

    /** The CASE 1.0 CFPackage of a framework; `creator` is the issuer's name. */
    async exportCase(id: string, creator: string) {
      const [fw, row] = await Promise.all([load(id), repo.findFramework(db, id)]);
      return fw && row ? toCasePackage(fw, { urls, creator, updatedAt: row.updated_at }) : null;
    },

    /** The rank of a level in a framework's scale, or null. */
    async levelRank(frameworkId: string, levelCode: string): Promise<number | null> {
      const row = await repo.findFramework(db, frameworkId);
      return row ? ((JSON.parse(row.levels) as LevelDef[]).find((l) => l.code === levelCode)?.rank ?? null) : null;
    },

    /** The achievements service's ReferenceCheck: framework and competency must be the issuer's; gives the level rank. */
    async checkReferences(issuerId: string, content: AchievementContent): Promise<Result<{ levelRank: number | null }, FieldErrors>> {
      const { frameworkId, competencyId, levelCode } = content;
      if (!frameworkId) return competencyId || levelCode ? err({ frameworkId: "frameworks.errors.refFrameworkMissing" }) : ok({ levelRank: null });
      const row = await repo.findFramework(db, frameworkId);
      if (!row || row.issuer_id !== issuerId) return err({ frameworkId: "frameworks.errors.refFramework" });
      if (competencyId) {
        const item = await repo.findItem(db, frameworkId, competencyId);
        if (!item || item.parent_id !== null) return err({ competencyId: "frameworks.errors.refCompetency" });
      }
      if (!levelCode) return ok({ levelRank: null });
      const level = (JSON.parse(row.levels) as LevelDef[]).find((l) => l.code === levelCode);
      return level ? ok({ levelRank: level.rank }) : err({ levelCode: "frameworks.errors.refLevel" });
    },

    /** Generates the level ladder of a competency (one draft per missing level, chained by prerequisites). */
    generateLadder: (actor: Actor, issuer: IssuerRow, frameworkId: string, competencyId: string): Promise<Result<LadderResult, "not-found" | FieldErrors>> =>
      ladder(actor, issuer, frameworkId, competencyId),
  };
}

export type FrameworksService = ReturnType<typeof createFrameworksService>;
