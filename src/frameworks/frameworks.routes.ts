import { Hono, type Context } from "hono";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash, type Flash } from "../http/flash.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import { parseInput } from "../shared/validation.ts";
import { importForm, type ImportReport } from "./frameworks.schema.ts";
import type { FrameworksService } from "./frameworks.service.ts";

export interface FrameworksRoutesDeps {
  frameworks: FrameworksService;
  issuers: IssuersService;
  members: MembersService;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
}

type Body = Record<string, string | File | (string | File)[]>;

async function bytesOf(body: Body, name: string): Promise<Uint8Array | null> {
  const v = body[name];
  return v instanceof File && v.size > 0 ? new Uint8Array(await v.arrayBuffer()) : null;
}

const text = (body: Body, name: string) => (typeof body[name] === "string" ? (body[name] as string) : "");

const download = (c: Context, body: string, type: string, filename: string) =>
  c.body(body, 200, { "Content-Type": type, "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-cache" });

/** Competency frameworks: issuer list + imports (creators), public matrix and exports, level ladder. */
export function frameworksRoutes(d: FrameworksRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards, frameworks } = d;
  const creator = [guards.loadIssuer, guards.requireRole("creator")] as const;

  // The framework of the URL, its issuer and the caller's roles there (pages outside /issuers/:issuer).
  async function access(c: Context<AppEnv>) {
    const row = await frameworks.find(c.req.param("id") ?? "");
    const issuer = row ? await d.issuers.findById(row.issuer_id) : undefined;
    if (!row || !issuer) return null;
    const roles = await d.members.rolesOf(c.get("user"), issuer);
    c.set("issuer", issuer);
    c.set("roles", roles);
    return { row, issuer, roles };
  }

  const listPage = async (c: Context<AppEnv>, extra: Record<string, unknown> = {}, status: 200 | 422 = 200) => {
    const issuer = c.get("issuer");
    return d.render(c, "pages/frameworks/index", { issuer, frameworks: await frameworks.list(issuer.id), canImport: c.get("roles").has("creator"), ...extra }, status);
  };

  const reportPage = (c: Context<AppEnv>, kind: "csv" | "case", report: ImportReport, form: Record<string, string>) =>
    d.render(c, "pages/frameworks/preview", { issuer: c.get("issuer"), kind, report, form, pending: null }, 422);

  app.get("/issuers/:issuer/frameworks", guards.loadIssuer, (c) => listPage(c));

  app.post("/issuers/:issuer/frameworks/import/csv", ...creator, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    const fields = { name: text(body, "name"), sourceUrl: text(body, "sourceUrl") };
    const form = parseInput(importForm, fields);
    if (!form.ok) return listPage(c, { form: { csv: fields }, errors: { csv: form.error } }, 422);
    const files = { framework: await bytesOf(body, "framework"), levels: await bytesOf(body, "levels"), situations: await bytesOf(body, "situations") };
    const previewed = await frameworks.previewCsv(c.get("actor"), c.get("issuer"), { ...form.value, ...files });
    if (!previewed.ok) return reportPage(c, "csv", previewed.error, fields);
    return c.redirect(`/issuers/${c.get("issuer").slug}/frameworks/imports/${previewed.value.id}`, 303);
  });

  app.post("/issuers/:issuer/frameworks/import/case", ...creator, async (c) => {
    const body = (await c.req.parseBody()) as Body;
    const fields = { name: text(body, "caseName"), sourceUrl: text(body, "caseSourceUrl") };
    const form = parseInput(importForm, fields);
    if (!form.ok) return listPage(c, { form: { case: fields }, errors: { case: form.error } }, 422);
    const previewed = await frameworks.previewCase(c.get("actor"), c.get("issuer"), { ...form.value, file: await bytesOf(body, "file") });
    if (!previewed.ok) return reportPage(c, "case", previewed.error, fields);
    return c.redirect(`/issuers/${c.get("issuer").slug}/frameworks/imports/${previewed.value.id}`, 303);
  });

  app.get("/issuers/:issuer/frameworks/imports/:id", ...creator, async (c) => {
    const pending = await frameworks.pendingImport(c.get("issuer").id, c.req.param("id"));
    if (!pending) return errorResponse(c, d.render, 404, "404");
    if (pending.frameworkId) return c.redirect(`/frameworks/${pending.frameworkId}`, 303);
    return d.render(c, "pages/frameworks/preview", { issuer: c.get("issuer"), kind: pending.kind, report: pending.report, pending, form: {} });
  });

  app.post("/issuers/:issuer/frameworks/imports/:id/confirm", ...creator, async (c) => {
    const done = await frameworks.confirmImport(c.get("actor"), c.get("issuer"), c.req.param("id"));
    if (!done.ok) return errorResponse(c, d.render, done.error === "not-found" ? 404 : 422, done.error === "not-found" ? "404" : "frameworkImport");
    setFlash(c, d.cookies, { key: "frameworks.imported", params: { name: done.value.name } });
    return c.redirect(`/frameworks/${done.value.id}`, 303);
  });

  const showPage = async (c: Context<AppEnv>, extra: Record<string, unknown> = {}, status: 200 | 422 = 200) => {
    const a = await access(c);
    const matrix = a && (await frameworks.matrix(a.row.id, { staff: a.roles.size > 0 }));
    if (!a || !matrix) return errorResponse(c, d.render, 404, "404");
    const canEdit = a.roles.has("creator") && !a.row.archived_at;
    return d.render(c, "pages/frameworks/show", { issuer: a.issuer, matrix, canLadder: canEdit, canEdit, ...extra }, status);
  };

  app.get("/frameworks/:id", (c) => showPage(c));

  // Details and archiving: partners following the issuer are sent an Update or a Delete.
  app.post("/frameworks/:id/details", guards.requireUser, async (c) => {
    const a = await access(c);
    if (!a) return errorResponse(c, d.render, 404, "404");
    if (!a.roles.has("creator")) return errorResponse(c, d.render, 403, "403");
    const body = (await c.req.parseBody()) as Body;
    const fields = { name: text(body, "name"), description: text(body, "description"), sourceUrl: text(body, "sourceUrl") };
    const done = await frameworks.updateDetails(c.get("actor"), a.row.id, fields);
    if (!done.ok && done.error === "not-found") return errorResponse(c, d.render, 404, "404");
    if (!done.ok && done.error === "archived") return errorResponse(c, d.render, 422, "frameworkArchived");
    if (!done.ok) return showPage(c, { detailsForm: fields, detailsErrors: done.error }, 422);
    setFlash(c, d.cookies, { key: "frameworks.details.saved" });
    return c.redirect(`/frameworks/${a.row.id}`, 303);
  });

  app.post("/frameworks/:id/archive", guards.requireUser, async (c) => {
    const a = await access(c);
    if (!a) return errorResponse(c, d.render, 404, "404");
    if (!a.roles.has("creator")) return errorResponse(c, d.render, 403, "403");
    await frameworks.archive(c.get("actor"), a.row.id);
    setFlash(c, d.cookies, { key: "frameworks.archive.done", params: { name: a.row.name } });
    return c.redirect(`/frameworks/${a.row.id}`, 303);
  });

  app.get("/frameworks/:id/export.csv", async (c) => {
    const files = await frameworks.exportCsv(c.req.param("id"));
    return files ? download(c, files.framework, "text/csv; charset=utf-8", "framework.csv") : errorResponse(c, d.render, 404, "404");
  });
  app.get("/frameworks/:id/export.levels.csv", async (c) => {
    const files = await frameworks.exportCsv(c.req.param("id"));
    return files ? download(c, files.levels, "text/csv; charset=utf-8", "levels.csv") : errorResponse(c, d.render, 404, "404");
  });
  app.get("/frameworks/:id/export.situations.csv", async (c) => {
    const files = await frameworks.exportCsv(c.req.param("id"));
    return files ? download(c, files.situations, "text/csv; charset=utf-8", "evaluation-situations.csv") : errorResponse(c, d.render, 404, "404");
  });
  app.get("/frameworks/:id/export.case.json", async (c) => {
    const a = await access(c);
    const pkg = a && (await frameworks.exportCase(a.row.id, a.issuer.name));
    return pkg ? download(c, JSON.stringify(pkg, null, 2), "application/json; charset=utf-8", "framework.case.json") : errorResponse(c, d.render, 404, "404");
  });

  app.post("/frameworks/:id/competencies/:itemId/ladder", guards.requireUser, async (c) => {
    const a = await access(c);
    if (!a) return errorResponse(c, d.render, 404, "404");
    if (!a.roles.has("creator")) return errorResponse(c, d.render, 403, "403");
    const done = await frameworks.generateLadder(c.get("actor"), a.issuer, a.row.id, c.req.param("itemId"));
    if (!done.ok && done.error === "not-found") return errorResponse(c, d.render, 404, "404");
    const flash: Flash = done.ok
      ? { key: "frameworks.ladderDone", params: { name: done.value.competencyName, created: String(done.value.created.length), kept: String(done.value.kept.length) } }
      : { key: "frameworks.ladderFailed", params: { detail: Object.values(done.error as Record<string, string>).map((k) => c.get("t")(k)).join(" ") }, kind: "error" as const };
    setFlash(c, d.cookies, flash);
    return c.redirect(`/frameworks/${a.row.id}#item-${c.req.param("itemId")}`, 303);
  });
  return app;
}
