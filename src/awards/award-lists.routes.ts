import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import type { Guards } from "../http/guards.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { Role } from "../members/roles.ts";
import { randomToken } from "../shared/tokens.ts";
import { parseInput } from "../shared/validation.ts";
import { MAX_CSV_BYTES, settingsForm } from "./award-lists.schema.ts";
import { reportCsv } from "./award-lists.report.ts";
import type { AwardListsService, PrepareError, PrepareInput, TemplateError, WorkflowError } from "./award-lists.service.ts";

export interface AwardListsRoutesDeps {
  awardLists: AwardListsService;
  credentialUrl: (id: string) => string;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
}

type Body = Record<string, string | File | (string | File)[]>;
const text = (body: Body, name: string) => (typeof body[name] === "string" ? (body[name] as string) : "");

const TEMPLATE_STATUS: Record<TemplateError, 404 | 409> = { "not-found": 404, archived: 409, "not-published": 409 };

/** What the prepare form sent: a source and its recipients (the CSV file is read as bytes). */
async function prepareInput(body: Body): Promise<Omit<PrepareInput, "achievementId"> | { tooBig: true }> {
  const source = text(body, "source");
  const file = body.file;
  if (source === "csv" && file instanceof File && file.size > MAX_CSV_BYTES) return { tooBig: true };
  return {
    source: source === "csv" ? "csv" : source === "paste" ? "paste" : "single",
    single: { email: text(body, "email"), name: text(body, "name"), evidence: text(body, "evidence"), narrative: text(body, "narrative"), result: text(body, "result"), contact: text(body, "contact") },
    paste: text(body, "recipients"),
    csv: file instanceof File && file.size > 0 ? new Uint8Array(await file.arrayBuffer()) : null,
    notify: text(body, "notify") === "1",
    formToken: text(body, "token") || null,
  };
}

/** Staff pages of award lists: prepare with a preview, jury review, progress and report, settings. */
export function awardListsRoutes(d: AwardListsRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards, awardLists } = d;
  const anyOf = (roles: Role[]): MiddlewareHandler<AppEnv> => async (c, next) => {
    if (!c.get("user")) return guards.requireUser(c, next);
    return roles.some((r) => c.get("roles").has(r)) ? next() : errorResponse(c, d.render, 403, "403");
  };
  const staff = [guards.loadIssuer, anyOf(["awarder", "jury"])] as const;
  const awarder = [guards.loadIssuer, guards.requireRole("awarder")] as const;
  const jury = [guards.loadIssuer, guards.requireRole("jury")] as const;
  const admin = [guards.loadIssuer, guards.requireRole("admin")] as const;
  const base = (c: Context<AppEnv>) => `/issuers/${c.get("issuer").slug}/award-lists`;
  const listUrl = (c: Context<AppEnv>, id: string) => `${base(c)}/${id}`;
  const templateError = (c: Context<AppEnv>, reason: TemplateError) =>
    d.render(c, "pages/error", { status: TEMPLATE_STATUS[reason], title: "awards.template.unavailable", message: `awards.template.${reason}` }, TEMPLATE_STATUS[reason]);

  async function newPage(c: Context<AppEnv>, achievementId: string, extra: Record<string, unknown> = {}, status: 200 | 422 = 200) {
    const a = await awardLists.templateFor(c.get("issuer").id, achievementId);
    if (!a.ok) return templateError(c, a.error);
    const tokens = { single: randomToken(16), paste: randomToken(16), csv: randomToken(16) };
    const settings = await awardLists.settings(achievementId);
    return d.render(c, "pages/awards/new", { issuer: c.get("issuer"), a: a.value, settings, tokens, form: {}, roles: [...c.get("roles")], ...extra }, status);
  }

  // After a workflow step: back to the list, with a message.
  function afterStep(c: Context<AppEnv>, listId: string, done: { ok: true } | { ok: false; error: WorkflowError }, okKey: string) {
    if (!done.ok && done.error === "not-found") return errorResponse(c, d.render, 404, "404");
    setFlash(c, d.cookies, done.ok ? { key: okKey } : { key: `awards.workflow.${done.error}`, kind: "error" });
    return c.redirect(listUrl(c, listId), 303);
  }

  app.get("/issuers/:issuer/award-lists", ...staff, async (c) => {
    const lists = await awardLists.lists(c.get("issuer").id);
    return d.render(c, "pages/awards/index", { issuer: c.get("issuer"), lists, roles: [...c.get("roles")] });
  });

  app.get("/issuers/:issuer/award-lists/new", ...awarder, (c) => newPage(c, c.req.query("achievement") ?? ""));

  app.post("/issuers/:issuer/award-lists", ...awarder, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    const achievementId = text(body, "achievement");
    const input = await prepareInput(body);
    if ("tooBig" in input) return newPage(c, achievementId, { problem: { key: "awards.input.tooBig", params: { max: "2 Mo" } } }, 422);
    const prepared = await awardLists.prepare(c.get("actor"), c.get("issuer"), { ...input, achievementId });
    if (!prepared.ok) return prepareFailed(c, prepared.error, achievementId, input);
    return c.redirect(listUrl(c, prepared.value.id), 303);
  });

  function prepareFailed(c: Context<AppEnv>, e: PrepareError, achievementId: string, input: Omit<PrepareInput, "achievementId">) {
    if (e.kind === "template") return templateError(c, e.reason);
    const errors = e.problem.field ? { [e.problem.field]: e.problem.key } : undefined;
    return newPage(c, achievementId, { problem: e.problem, errors, form: { ...input.single, recipients: input.paste, source: input.source } }, 422);
  }

  app.get("/issuers/:issuer/award-lists/:id", ...staff, async (c) => {
    const problemsOnly = c.req.query("show") === "problems";
    const view = await awardLists.view(c.get("issuer").id, c.req.param("id"), Number(c.req.query("page") ?? 1) || 1, problemsOnly);
    if (!view) return errorResponse(c, d.render, 404, "404");
    return d.render(c, "pages/awards/show", { ...view, issuer: c.get("issuer"), roles: [...c.get("roles")], problemsOnly, base: base(c), credentialUrl: d.credentialUrl });
  });

  app.get("/issuers/:issuer/award-lists/:id/progress", ...staff, async (c) => {
    const state = await awardLists.progress(c.get("issuer").id, c.req.param("id"));
    if (!state) return errorResponse(c, d.render, 404, "404");
    if (!isHtmx(c)) return c.redirect(listUrl(c, state.list.id), 303);
    return d.render(c, "partials/awards/progress", { ...state, t: c.get("t"), listUrl: listUrl(c, state.list.id) });
  });

  app.get("/issuers/:issuer/award-lists/:id/report.csv", ...staff, async (c) => {
    const list = await awardLists.listOf(c.get("issuer").id, c.req.param("id"));
    if (!list) return errorResponse(c, d.render, 404, "404");
    const csv = reportCsv(await awardLists.allItems(list.id), d.credentialUrl, c.get("t"));
    return c.body(csv, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="award-list-${list.id}.csv"`, "Cache-Control": "no-store" });
  });

  app.post("/issuers/:issuer/award-lists/:id/replace", ...awarder, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    const input = await prepareInput(body);
    if ("tooBig" in input) {
      setFlash(c, d.cookies, { key: "awards.input.tooBig", params: { max: "2 Mo" }, kind: "error" });
      return c.redirect(listUrl(c, c.req.param("id")), 303);
    }
    const done = await awardLists.replace(c.get("actor"), c.get("issuer"), c.req.param("id"), input);
    if (done.ok) return afterStep(c, done.value.id, { ok: true }, "awards.replaced");
    if (done.error.kind === "workflow") return afterStep(c, c.req.param("id"), { ok: false, error: done.error.error }, "");
    if (done.error.kind === "template") return templateError(c, done.error.reason);
    const p = done.error.problem;
    setFlash(c, d.cookies, { key: p.key, params: Object.fromEntries(Object.entries(p.params ?? {}).map(([k, v]) => [k, String(v)])), kind: "error" });
    return c.redirect(listUrl(c, c.req.param("id")), 303);
  });

  app.post("/issuers/:issuer/award-lists/:id/submit", ...awarder, async (c) =>
    afterStep(c, c.req.param("id"), await awardLists.submit(c.get("actor"), c.get("issuer"), c.req.param("id")), "awards.submitted"));

  app.post("/issuers/:issuer/award-lists/:id/approve", ...jury, async (c) =>
    afterStep(c, c.req.param("id"), await awardLists.approve(c.get("actor"), c.get("issuer"), c.req.param("id")), "awards.approved"));

  app.post("/issuers/:issuer/award-lists/:id/return", ...jury, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    return afterStep(c, c.req.param("id"), await awardLists.sendBack(c.get("actor"), c.get("issuer"), c.req.param("id"), text(body, "comment")), "awards.returned");
  });

  app.post("/issuers/:issuer/award-lists/:id/items/:item/override", ...admin, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    return afterStep(c, c.req.param("id"), await awardLists.override(c.get("actor"), c.get("issuer"), c.req.param("id"), c.req.param("item"), text(body, "reason")), "awards.overridden");
  });

  app.post("/issuers/:issuer/award-lists/:id/items/:item/remove", ...awarder, async (c) =>
    afterStep(c, c.req.param("id"), await awardLists.removeItem(c.get("actor"), c.get("issuer"), c.req.param("id"), c.req.param("item")), "awards.removed"));

  app.get("/issuers/:issuer/achievements/:id/award-settings", ...admin, async (c) => {
    const found = await awardLists.settingsFor(c.get("issuer").id, c.req.param("id"));
    if (!found) return errorResponse(c, d.render, 404, "404");
    return d.render(c, "pages/awards/settings", { issuer: c.get("issuer"), achievementId: c.req.param("id"), name: found.achievement.content.name, form: found.settings });
  });

  app.post("/issuers/:issuer/achievements/:id/award-settings", ...admin, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    const fields = { juryRequired: text(body, "juryRequired") === "1", mailSubject: text(body, "mailSubject"), mailMessage: text(body, "mailMessage") };
    const form = parseInput(settingsForm, fields);
    if (!form.ok) return d.render(c, "pages/awards/settings", { issuer: c.get("issuer"), achievementId: c.req.param("id"), name: text(body, "name"), form: fields, errors: form.error }, 422);
    const saved = await awardLists.saveSettings(c.get("actor"), c.get("issuer"), c.req.param("id"), form.value);
    if (!saved.ok) return errorResponse(c, d.render, 404, "404");
    setFlash(c, d.cookies, { key: "awards.settings.saved" });
    return c.redirect(`/achievements/${c.req.param("id")}`, 303);
  });
  return app;
}
