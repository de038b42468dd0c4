import type { Creator } from "../achievements/achievements.schema.ts";
import type { Achievement, AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor } from "../audit/audit.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";
import type { FederationNetwork, RemoteActor } from "./federation.service.ts";
import * as repo from "./federation.repository.ts";
import * as templates from "./remote-templates.repository.ts";
import { reuseContent } from "./template-payload.ts";

/** Reuse with attribution: a local draft copy of a partner's template, and the origin's side of it. */
export function createReuseService(deps: {
  db: Db; clock: Clock; achievements: AchievementsService; urls: NodeUrls; network: FederationNetwork;
}) {
  const { db, clock } = deps;

  return {
    /**
     * Copies a partner's template into `issuer` as a draft (OB `creator` = the original's creator,
     * `related` → the original) and tells the origin with an Announce of its Document.
     */
    async reuse(actor: Actor, issuer: IssuerRow, remoteTemplateId: string): Promise<Result<Achievement, "not-found" | FieldErrors>> {
      const row = await templates.findRemoteTemplate(db, remoteTemplateId);
      if (!row) return err("not-found");
      const content = reuseContent(JSON.parse(row.ob_json) as Record<string, unknown>, row.actor_id);
      const created = await deps.achievements.define(actor, issuer, content, { creator: content.creator as Creator });
      if (!created.ok) return created;
      const origin = await repo.findRemoteActor(db, row.actor_id);
      if (origin) await deps.network.sendAnnounce(issuer.slug, origin, row.ap_id, deps.network.newActivityId(issuer.slug, "reuse"));
      return ok(created.value);
    },

    /** A partner announced one of our templates (it reused it): remembered once per partner. */
    async receiveReuse(remote: RemoteActor, achievementId: string, activityId: string): Promise<boolean> {
      const a = await deps.achievements.load(achievementId);
      if (!a || a.row.status === "draft" || (await repo.isBlockedFor(db, a.row.issuer_id, remote.domain))) return false;
      await repo.upsertRemoteActor(db, { ...remote, fetched_at: isoNow(clock) });
      await templates.insertReuse(db, { achievement_id: achievementId, actor_id: remote.id, activity_id: activityId, received_at: isoNow(clock) });
      return true;
    },

    /** The institutions that reused one of our templates. */
    reusesOf: (achievementId: string) => templates.listReuses(db, achievementId),
  };
}

export type ReuseService = ReturnType<typeof createReuseService>;
