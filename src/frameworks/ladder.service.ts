import type { Achievement, AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AchievementRow, IssuerRow } from "../db/database.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import { ladderContent, type StoredFramework } from "./frameworks.ladder.ts";

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
  audit: AuditService;
  achievements: AchievementsService;
  urls: NodeUrls;
  load: (id: string) => Promise<StoredFramework | null>;
  templatesOf: (fw: StoredFramework, statuses: string[]) => Promise<AchievementRow[]>;
}

/**
 * The level ladder: for each level of the scale, in rank order, the competency's template at
 * that level — the existing one (draft or published) or a new draft — requiring the one below.
 * All levels are generated, the optional ones included (their description says "facultatif").
 */
export function createLadder(deps: LadderDeps) {
  const { achievements } = deps;
  // Runs for one competency are serialised in this process, so a double click makes one ladder.
  const running = new Map<string, Promise<unknown>>();

  async function run(actor: Actor, issuer: IssuerRow, frameworkId: string, competencyId: string): Promise<Result<LadderResult, "not-found" | FieldErrors>> {
    const fw = await deps.load(frameworkId);
    const competency = fw?.issuerId === issuer.id ? fw.competencies.find((c) => c.id === competencyId) : undefined;
    if (!fw || !competency) return err("not-found");
    const existing = (await deps.templatesOf(fw, ["draft", "published"])).filter((r) => r.competency_id === competencyId);
    const result: LadderResult = { competencyId, competencyName: competency.name, created: [], kept: [], linked: [] };
    let below: string | null = null;
    for (const level of fw.levels) {
      const have = existing.find((r) => r.level_code === level.code);
      if (have) {
        result.kept.push(level.code);
        if (below && !(await achievements.prerequisites(have.id)).length) {
          await achievements.setPrerequisites(actor, have.id, [below]);
          result.linked.push(have.id);
        }
        below = have.id;
        continue;
      }
      const made = await achievements.define(actor, issuer, ladderContent(fw, competency, level, deps.urls), { requires: below ? [below] : [] });
      if (!made.ok) return made;
      result.created.push(made.value);
      below = made.value.row.id;
    }
    await deps.audit.record(actor, {
      action: "framework.ladder", objectType: "framework", objectId: fw.id, issuerId: issuer.id,
      details: { competency: competency.code, created: result.created.map((a) => a.row.id), kept: result.kept, linked: result.linked },
    });
    return ok(result);
  }

  return (actor: Actor, issuer: IssuerRow, frameworkId: string, competencyId: string): Promise<Result<LadderResult, "not-found" | FieldErrors>> => {
    const previous = running.get(competencyId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => run(actor, issuer, frameworkId, competencyId));
    running.set(competencyId, next);
    void next.finally(() => { if (running.get(competencyId) === next) running.delete(competencyId); }).catch(() => undefined);
    return next;
  };
}
