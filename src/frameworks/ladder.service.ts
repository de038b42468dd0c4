import type { Achievement, AchievementsService, Validated } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AchievementRow, Db, IssuerRow } from "../db/database.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { ladderContent, type StoredCompetency, type StoredFramework } from "./frameworks.ladder.ts";

/** What one ladder run did. */
export interface LadderResult {
  competencyId: string;
  competencyName: string;
  created: Achievement[];
  /** Level codes that already had a template (left as they were). */
  kept: string[];
  /** Existing templates that had no prerequisite and now require the level below. */
  linked: string[];
}

interface LadderDeps {
  db: Db;
  audit: AuditService;
  achievements: AchievementsService;
  urls: NodeUrls;
  load: (id: string) => Promise<StoredFramework | null>;
  templatesOf: (fw: StoredFramework, statuses: string[]) => Promise<AchievementRow[]>;
}

/** One level of a ladder run: keep an existing template (linking it to the level below if it has no prerequisite) or create one. */
type Step = { level: string; have: AchievementRow; link: boolean } | { level: string; create: Validated };

/**
 * The level ladder: for each level of the scale, in rank order, the competency's template at
 * that level — the existing one (draft or published) or a new draft — requiring the one below.
 * All levels are generated, the optional ones included (their description says "facultatif").
 * All or nothing: every new template is checked first, then all are stored in one transaction
 * (which alone is used inside: SQLite has one connection).
 */
export function createLadder(deps: LadderDeps) {
  const { achievements } = deps;
  // Runs for one competency are serialised in this process, so a double click makes one ladder.
  const running = new Map<string, Promise<unknown>>();

  async function plan(issuer: IssuerRow, fw: StoredFramework, competency: StoredCompetency): Promise<Result<Step[], FieldErrors>> {
    const existing = (await deps.templatesOf(fw, ["draft", "published"])).filter((r) => r.competency_id === competency.id);
    const steps: Step[] = [];
    for (const level of fw.levels) {
      const have = existing.find((r) => r.level_code === level.code);
      if (have) {
        steps.push({ level: level.code, have, link: steps.length > 0 && !(await achievements.prerequisites(have.id)).length });
        continue;
      }
      const valid = await achievements.validate(issuer.id, ladderContent(fw, competency, level, deps.urls));
      if (!valid.ok) return valid;
      steps.push({ level: level.code, create: valid.value });
    }
    return ok(steps);
  }

  async function store(tx: Db, actor: Actor, issuer: IssuerRow, steps: Step[], result: LadderResult): Promise<void> {
    let below: string | null = null;
    for (const step of steps) {
      if ("have" in step) {
        result.kept.push(step.level);
        if (step.link && below) {
          await achievements.setPrerequisitesIn(tx, actor, step.have, [below]);
          result.linked.push(step.have.id);
        }
        below = step.have.id;
        continue;
      }
      const made = await achievements.defineIn(tx, actor, issuer, step.create, { requires: below ? [below] : [] });
      result.created.push(made);
      below = made.row.id;
    }
  }

  async function run(actor: Actor, issuer: IssuerRow, frameworkId: string, competencyId: string): Promise<Result<LadderResult, "not-found" | FieldErrors>> {
    const fw = await deps.load(frameworkId);
    const competency = fw?.issuerId === issuer.id ? fw.competencies.find((c) => c.id === competencyId) : undefined;
    if (!fw || !competency) return err("not-found");
    const steps = await plan(issuer, fw, competency);
    if (!steps.ok) return steps;
    return deps.db.transaction().execute(async (tx) => {
      const result: LadderResult = { competencyId, competencyName: competency.name, created: [], kept: [], linked: [] };
      await store(tx, actor, issuer, steps.value, result);
      await deps.audit.record(actor, {
        action: "framework.ladder", objectType: "framework", objectId: fw.id, issuerId: issuer.id,
        details: { competency: competency.code, created: result.created.map((a) => a.row.id), kept: result.kept, linked: result.linked },
      }, tx);
      return ok(result);
    });
  }

  return (actor: Actor, issuer: IssuerRow, frameworkId: string, competencyId: string): Promise<Result<LadderResult, "not-found" | FieldErrors>> => {
    const previous = running.get(competencyId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => run(actor, issuer, frameworkId, competencyId));
    running.set(competencyId, next);
    void next.finally(() => { if (running.get(competencyId) === next) running.delete(competencyId); }).catch(() => undefined);
    return next;
  };
}
