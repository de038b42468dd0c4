import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor } from "../audit/audit.service.ts";
import { checkList } from "../awards/award-lists.checks.ts";
import { apiAwardBody, SYNC_API_MAX } from "../awards/award-lists.schema.ts";
import { onlyHolder, type AwardListsService } from "../awards/award-lists.service.ts";
import type { CredentialsService } from "../awards/credentials.service.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AwardListRow, CredentialRow, JobRow } from "../db/database.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** One API error: a JSON path into the request and an i18n key (translated by the route). */
export interface ApiFieldError {
  field: string;
  key: string;
  params?: Record<string, string | number>;
}

/** Why an award API call failed; the routes turn each into a status code. */
export type AwardsApiFailure =
  | { kind: "forbidden" }
  | { kind: "not-found" }
  | { kind: "archived" }
  | { kind: "not-published" }
  | { kind: "invalid"; errors: ApiFieldError[] }
  | { kind: "not-allowed" };

/** What an award call did: issued at once (small, no jury), queued as a job, or handed to the jury. */
export type AwardOutcome =
  | { kind: "issued"; list: AwardListRow; credentials: Array<{ id: string; recipient: string }>; skipped: string[] }
  | { kind: "queued"; list: AwardListRow; job: JobRow }
  | { kind: "submitted"; list: AwardListRow };

export interface AwardsApiDeps {
  achievements: Pick<AchievementsService, "load">;
  awardLists: AwardListsService;
  credentials: Pick<CredentialsService, "find" | "revoke">;
  urls: NodeUrls;
}

// A small list is issued during the request; its job waits this long and only finishes what a
// request that died half-way left undone.
const SAFETY_NET_MS = 5 * 60_000;

/** The rules of the award API: the token's own issuer, checks as in the preview, sync or job. */
export function createAwardsApiService(deps: AwardsApiDeps) {
  const { awardLists } = deps;

  async function outcomeOf(list: AwardListRow, actor: Actor): Promise<AwardOutcome> {
    if (list.status === "submitted" || list.status === "returned" || list.status === "draft") return { kind: "submitted", list };
    if (list.total <= SYNC_API_MAX && list.status !== "failed") {
      if (list.status !== "issued") await awardLists.issuing.run(list.id, actor);
      const items = await awardLists.allItems(list.id);
      return {
        kind: "issued", list: (await awardLists.listOf(list.issuer_id, list.id))!,
        credentials: items.filter((i) => i.status === "issued").map((i) => ({ id: i.credential_id!, recipient: i.recipient })),
        skipped: items.filter((i) => i.status === "skipped").map((i) => i.recipient),
      };
    }
    return { kind: "queued", list, job: (await awardLists.job(list.job_id))! };
  }

  // Errors of the rows, at JSON paths of the request; a recipient who holds the badge is not an error (skipped).
  function rowErrors(rows: Awaited<ReturnType<typeof checkList>>): ApiFieldError[] {
    return rows.flatMap((r) => onlyHolder(r) ? [] : r.problems.filter((p) => !p.warning).map((p) => ({
      field: `recipients.${r.line - 1}${p.field ? `.${p.field}` : ""}`,
      // A duplicate names the other entry by its index in the request, not by a line number.
      ...(p.key === "awards.row.duplicate" ? { key: "awards.api.duplicate", params: { index: Number(p.params?.line) - 1 } } : { key: p.key, params: p.params }),
    })));
  }

  return {
    /** `POST /api/v1/achievements/{id}/awards`: the same `Idempotency-Key` gives the same answer, never a second award. */
    async award(issuerId: string, actor: Actor, achievementId: string, body: unknown, idempotencyKey: string | null): Promise<Result<AwardOutcome, AwardsApiFailure>> {
      const key = idempotencyKey ? `api:${issuerId}:${idempotencyKey.slice(0, 200)}` : null;
      const again = key && (await awardLists.findByKey(key));
      if (again) return ok(await outcomeOf(again, actor));
      const a = await deps.achievements.load(achievementId);
      if (!a) return err({ kind: "not-found" });
      if (a.row.issuer_id !== issuerId) return err({ kind: "forbidden" });
      if (a.row.status === "archived") return err({ kind: "archived" });
      if (a.row.status !== "published") return err({ kind: "not-published" });
      const parsed = apiAwardBody.safeParse(body);
      if (!parsed.success) {
        return err({ kind: "invalid", errors: parsed.error.issues.map((i) => ({ field: i.path.join(".") || "_body", key: i.message.startsWith("awards.") || i.message.startsWith("errors.") ? i.message : "errors.invalid" })) });
      }
      const rows = await checkList(parsed.data.recipients.map((r, i) => ({ line: i + 1, ...r })), a, awardLists.lookups);
      const errors = rowErrors(rows);
      if (errors.length) return err({ kind: "invalid", errors });
      const small = rows.length <= SYNC_API_MAX;
      const list = await awardLists.storeAndSubmit(actor, issuerId, a, rows, { notify: parsed.data.notify, key, deferMs: small ? SAFETY_NET_MS : 0 });
      return ok(await outcomeOf(list, actor));
    },

    /** `GET /api/v1/jobs/{id}`: an issuing job of the token's issuer, with its list's counts. */
    async job(issuerId: string, jobId: string) {
      // The job before its list: the handler marks the list issued before the job done, so a job
      // read as done always comes with its final list (the other order can pair "done" with "issuing").
      const job = await awardLists.job(jobId);
      const list = job ? await awardLists.findByJob(jobId) : undefined;
      if (!list || !job || list.issuer_id !== issuerId) return err({ kind: "not-found" } as AwardsApiFailure);
      return ok({ job, list, counts: await awardLists.counts(list.id) });
    },

    /** `POST /api/v1/credentials/{id}/revoke`: a credential of the token's issuer. */
    async revoke(issuerId: string, actor: Actor, credentialId: string, body: unknown): Promise<Result<CredentialRow, AwardsApiFailure>> {
      const row = await deps.credentials.find(credentialId);
      if (!row) return err({ kind: "not-found" });
      if (row.issuer_id !== issuerId) return err({ kind: "forbidden" });
      const raw = (body as { reason?: unknown } | null)?.reason;
      const reason = typeof raw === "string" ? raw.trim() : "";
      if (!reason) return err({ kind: "invalid", errors: [{ field: "reason", key: "errors.required" }] });
      if (reason.length > 1000) return err({ kind: "invalid", errors: [{ field: "reason", key: "errors.tooLong" }] });
      const done = await deps.credentials.revoke(actor, credentialId, reason);
      return done.ok ? ok(done.value) : err({ kind: done.error === "not-found" ? "not-found" : "not-allowed" });
    },

    urls: deps.urls,
  };
}

export type AwardsApiService = ReturnType<typeof createAwardsApiService>;
