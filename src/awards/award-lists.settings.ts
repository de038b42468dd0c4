import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import * as repo from "./award-lists.repository.ts";
import type { SettingsInput } from "./award-lists.schema.ts";

/** Template award settings, with their defaults (a jury validates). */
export interface AwardSettings {
  juryRequired: boolean;
  mailSubject: string | null;
  mailMessage: string | null;
}

/** Per-template award settings: "no jury", and the award e-mail's subject and message. */
export function createAwardSettings(deps: { db: Db; clock: Clock; audit: AuditService; achievements: Pick<AchievementsService, "load"> }) {
  const { db } = deps;

  /** The award settings of a template (defaults when never saved); pass `tx` when inside a transaction. */
  async function settings(achievementId: string, tx: Db = db): Promise<AwardSettings> {
    const row = await repo.findSettings(tx, achievementId);
    return { juryRequired: row ? row.jury_required === 1 : true, mailSubject: row?.mail_subject ?? null, mailMessage: row?.mail_message ?? null };
  }

  return {
    settings,

    /** A template of this issuer with its award settings, for the settings form. */
    async settingsFor(issuerId: string, achievementId: string) {
      const a = await deps.achievements.load(achievementId);
      return a && a.row.issuer_id === issuerId ? { achievement: a, settings: await settings(achievementId) } : null;
    },

    /** Saves a template's award settings (issuer admins). */
    async saveSettings(actor: Actor, issuer: IssuerRow, achievementId: string, input: SettingsInput): Promise<Result<AwardSettings, "not-found">> {
      const a = await deps.achievements.load(achievementId);
      if (!a || a.row.issuer_id !== issuer.id) return err("not-found");
      await db.transaction().execute(async (tx) => {
        await repo.upsertSettings(tx, { achievement_id: achievementId, jury_required: input.juryRequired ? 1 : 0, mail_subject: input.mailSubject, mail_message: input.mailMessage, updated_at: isoNow(deps.clock) });
        await deps.audit.record(actor, { action: "award.settings", objectType: "achievement", objectId: achievementId, issuerId: issuer.id, details: { juryRequired: input.juryRequired } }, tx);
      });
      return ok(await settings(achievementId));
    },
  };
}
