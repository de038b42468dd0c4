import type { Achievement, AchievementsService } from "../achievements/achievements.service.ts";
import type { AwardListRow, Db } from "../db/database.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { onlyPrerequisiteMissing, problemsOf } from "./award-lists.checks.ts";
import type { CsvDetail } from "./award-lists.csv.ts";
import { countsOf } from "./award-lists.issuing.ts";
import * as repo from "./award-lists.repository.ts";
import type { AwardSettings } from "./award-lists.settings.ts";

export type TemplateError = "not-found" | "not-published" | "archived";

const PAGE = 100;

export interface AwardListViewsDeps {
  db: Db;
  jobs: Pick<JobQueue, "find">;
  achievements: Pick<AchievementsService, "load">;
  settings: (achievementId: string) => Promise<AwardSettings>;
}

/** The read side of award lists: what the pages, the API and the workflow look up. */
export function createAwardListViews(deps: AwardListViewsDeps) {
  const { db } = deps;

  /** An issuer's list, or null. */
  async function listOf(issuerId: string, listId: string): Promise<AwardListRow | null> {
    const list = await repo.findList(db, listId);
    return list && list.issuer_id === issuerId ? list : null;
  }

  /** Where a list stands: counts, its job, and whether issuing is still under way. */
  async function progress(issuerId: string, listId: string) {
    const list = await listOf(issuerId, listId);
    if (!list) return null;
    const [counts, job] = await Promise.all([countsOf(db, list.id), list.job_id ? deps.jobs.find(list.job_id) : undefined]);
    const failed = list.status === "failed" || job?.status === "failed";
    const running = !failed && (list.status === "approved" || list.status === "issuing");
    return { list, counts, job: job ?? null, failed, running, done: counts.issued + counts.skipped, total: list.valid };
  }

  return {
    listOf, progress,

    /** The template to award, if this issuer may award it now. */
    async templateFor(issuerId: string, achievementId: string): Promise<Result<Achievement, TemplateError>> {
      const a = await deps.achievements.load(achievementId);
      if (!a || a.row.issuer_id !== issuerId) return err("not-found");
      if (a.row.status === "archived") return err("archived");
      if (a.row.status !== "published") return err("not-published");
      return ok(a);
    },

    /** Everything the list page shows: the template, progress, one page of rows (problems only when asked). */
    async view(issuerId: string, listId: string, page: number, problemsOnly: boolean) {
      const state = await progress(issuerId, listId);
      if (!state) return null;
      const a = await deps.achievements.load(state.list.achievement_id);
      const items = await repo.listItemsPage(db, listId, { statuses: problemsOnly ? ["error", "skipped"] : undefined, limit: PAGE, offset: (Math.max(page, 1) - 1) * PAGE });
      const detail = state.list.source_detail ? (JSON.parse(state.list.source_detail) as CsvDetail) : null;
      const juryRequired = (await deps.settings(state.list.achievement_id)).juryRequired;
      const rows = items.map((i) => ({ ...i, problems: problemsOf(i), overridable: i.status === "error" && onlyPrerequisiteMissing(i) }));
      return { ...state, achievement: a, juryRequired, items: rows, detail, page: Math.max(page, 1), pageSize: PAGE };
    },

    /** An issuer's lists, newest first. */
    lists: (issuerId: string) => repo.listListsOfIssuer(db, issuerId),
    allItems: (listId: string) => repo.listItems(db, listId),
    counts: (listId: string) => countsOf(db, listId),
    job: (jobId: string | null) => (jobId ? deps.jobs.find(jobId) : Promise.resolve(undefined)),
    findByJob: (jobId: string) => repo.findListByJob(db, jobId),
    findByKey: (key: string) => repo.findListByKey(db, key),
  };
}
