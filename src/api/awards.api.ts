import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AwardListRow } from "../db/database.ts";
import type { AppEnv } from "../http/env.ts";
import type { TokensService } from "../tokens/tokens.service.ts";
import { apiAuth, principalOf } from "./api-auth.ts";
import { apiErrors, apiLocale, apiTranslator, jsonBody } from "./api-response.ts";
import type { ApiFieldError, AwardsApiFailure, AwardsApiService } from "./awards-api.service.ts";

/** Largest award request: 10 000 recipients with a name and an evidence URL fit well under it. */
export const AWARDS_MAX_BODY = 8 * 1024 * 1024;

export interface AwardsApiRoutesDeps {
  api: AwardsApiService;
  tokens: TokensService;
  urls: NodeUrls;
  origin: string;
}

// `{ errors: [{ field, message }] }` like every API answer, with per-row parameters.
function fieldErrors(c: Context<AppEnv>, status: 422, errors: ApiFieldError[]) {
  const t = apiTranslator(c);
  c.header("Content-Language", apiLocale(c));
  return c.json({ errors: errors.map((e) => ({ field: e.field, message: t(e.key, e.params) })) }, status);
}

function failure(c: Context<AppEnv>, f: AwardsApiFailure, notFound: string) {
  switch (f.kind) {
    case "forbidden": return apiErrors(c, 403, { _token: "api.forbiddenIssuer" });
    case "not-found": return apiErrors(c, 404, { id: notFound });
    case "archived": return apiErrors(c, 409, { _status: "awards.api.archived" });
    case "not-published": return apiErrors(c, 409, { _status: "awards.api.notPublished" });
    case "not-allowed": return apiErrors(c, 409, { _status: "awards.api.alreadyRevoked" });
    case "invalid": return fieldErrors(c, 422, f.errors);
  }
}


const listOf = (l: AwardListRow) => ({ id: l.id, status: l.status, total: l.total, valid: l.valid });

/** Award API (scope `award`): award a template, follow the job, revoke a credential. */
export function awardsApiRoutes(d: AwardsApiRoutesDeps) {
  const app = new Hono<AppEnv>();
  const auth = apiAuth(d.tokens);
  const limit = (max: number) => bodyLimit({ maxSize: max, onError: (c) => {
    c.header("Connection", "close");
    return apiErrors(c, 413, { _body: "api.tooLarge" }, { max });
  } });
  const jobUrl = (id: string) => `${d.origin}/api/v1/jobs/${id}`;

  app.post("/api/v1/achievements/:id/awards", limit(AWARDS_MAX_BODY), auth.require("award"), async (c) => {
    const read = await jsonBody(c);
    if (read instanceof Response) return read;
    const done = await d.api.award(principalOf(c)!.issuerId, c.get("actor"), c.req.param("id"), read.body, c.req.header("Idempotency-Key") ?? null);
    if (!done.ok) return failure(c, done.error, "api.notFound");
    const o = done.value;
    if (o.kind === "issued") {
      const credentials = o.credentials.map((x) => ({ id: x.id, url: d.urls.credential(x.id), recipient: x.recipient }));
      return c.json({ credentials, skipped: o.skipped.map((recipient) => ({ recipient, reason: "already-holds" })), list: listOf(o.list) }, 201);
    }
    if (o.kind === "queued") {
      c.header("Location", jobUrl(o.job.id));
      return c.json({ job: { id: o.job.id, url: jobUrl(o.job.id) }, list: listOf(o.list) }, 202);
    }
    return c.json({ ...listOf(o.list), list: listOf(o.list) }, 202);
  });

  app.get("/api/v1/jobs/:id", auth.require("award"), async (c) => {
    const found = await d.api.job(principalOf(c)!.issuerId, c.req.param("id"));
    if (!found.ok) return failure(c, found.error, "awards.api.jobNotFound");
    const { job, list, counts } = found.value;
    return c.json({
      id: job.id, url: jobUrl(job.id), status: job.status,
      progress: { done: job.progress_done, total: job.progress_total ?? list.valid },
      result: { issued: counts.issued, skipped: counts.skipped, errors: counts.errors },
      list: listOf(list),
    });
  });

  app.post("/api/v1/credentials/:id/revoke", limit(16 * 1024), auth.require("award"), async (c) => {
    const read = await jsonBody(c);
    if (read instanceof Response) return read;
    const done = await d.api.revoke(principalOf(c)!.issuerId, c.get("actor"), c.req.param("id"), read.body);
    if (!done.ok) return failure(c, done.error, "awards.api.credentialNotFound");
    const row = done.value;
    return c.json({ id: row.id, url: d.urls.credential(row.id), status: row.status, reason: row.status_reason, changedAt: row.status_changed_at });
  });
  return app;
}
