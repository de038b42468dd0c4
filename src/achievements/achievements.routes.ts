import { Hono, type Context } from "hono";
import type { Actor } from "../audit/audit.service.ts";
import type { IssuerRow } from "../db/database.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { MembersService } from "../members/members.service.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { FieldErrors, Result } from "../shared/result.ts";
import { contentErrorsToForm, contentToForm, formToContent } from "./achievement-form.ts";
import { ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES } from "./achievements.schema.ts";
import type { Achievement, AchievementsService } from "./achievements.service.ts";

/** What the template form needs from the images feature. */
export interface ImageUploader {
  upload(actor: Actor, issuer: IssuerRow, file: { bytes: Uint8Array; mediaType?: string; filename?: string }): Promise<Result<{ id: string }, FieldErrors>>;
}

export interface AchievementsRoutesDeps {
  achievements: AchievementsService;
  issuers: IssuersService;
  members: MembersService;
  images?: ImageUploader;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
}

type Body = Record<string, string | File | (string | File)[]>;

function textFields(body: Body): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === "_csrf") continue;
    const strings = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
    if (strings.length) out[k] = Array.isArray(v) ? strings : strings[0]!;
  }
  return out;
}

/** Staff pages of badge templates: list, create, edit (new version when published), publish, archive. */
export function achievementsRoutes(d: AchievementsRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards } = d;
  const typeOptions = ACHIEVEMENT_TYPES.map((t) => ({ value: t, label: t }));
  const targetTypeOptions = [{ value: "", label: "—" }, ...ALIGNMENT_TARGET_TYPES.map((t) => ({ value: t, label: t }))];

  /** Loads `:id`, its issuer and the caller's roles there (404 when unknown). */
  const loadAchievement = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const found = await d.achievements.load(c.req.param("id") ?? "");
    const issuer = found && (await d.issuers.findById(found.row.issuer_id));
    if (!found || !issuer) return errorResponse(c, d.render, 404, "404");
    c.set("issuer", issuer);
    c.set("roles", await d.members.rolesOf(c.get("user"), issuer));
    c.set("achievement", found);
    return next();
  };
  const current = (c: Context<AppEnv>) => c.get("achievement");

  function form(c: Context<AppEnv>, data: { achievement?: Achievement; form: Record<string, unknown>; errors?: FieldErrors }, status: 200 | 422 = 200) {
    const alignment = (data.form.alignment as unknown[] | undefined) ?? [];
    const rows = [...alignment, {}, {}].slice(0, Math.max(2, alignment.length + 1));
    return d.render(c, "pages/achievements/form", { issuer: c.get("issuer"), typeOptions, targetTypeOptions, alignmentRows: rows, ...data }, status);
  }

  // A file chosen in the form is stored only once the rest of the form is valid: a rejected form stores nothing.
  async function withUpload(c: Context<AppEnv>, body: Body, input: Record<string, unknown>): Promise<FieldErrors | null> {
    const file = body.image;
    if (!(file instanceof File) || file.size === 0 || !d.images) return null;
    const valid = await d.achievements.validate(c.get("issuer").id, input);
    if (!valid.ok) return contentErrorsToForm(valid.error);
    const stored = await d.images.upload(c.get("actor"), c.get("issuer"), { bytes: new Uint8Array(await file.arrayBuffer()), mediaType: file.type, filename: file.name });
    if (!stored.ok) return stored.error;
    input.imageId = stored.value.id;
    return null;
  }

  app.get("/issuers/:issuer/achievements", guards.loadIssuer, guards.requireRole("viewer"), async (c) => {
    const issuer = c.get("issuer");
    const list = await d.achievements.search({ q: c.req.query("q"), perPage: 100, page: Number(c.req.query("page") ?? 1) }, { issuerIds: [issuer.id], statuses: ["draft", "published", "archived"] });
    return d.render(c, "pages/achievements/list", { issuer, list, roles: [...c.get("roles")] });
  });

  app.get("/issuers/:issuer/achievements/new", guards.loadIssuer, guards.requireRole("creator"), (c) =>
    form(c, { form: { inLanguage: "fr", achievementType: "Badge", imageId: c.req.query("image") ?? "" } }));

  app.post("/issuers/:issuer/achievements", guards.loadIssuer, guards.requireRole("creator"), async (c) => {
    const body = (await c.req.parseBody({ all: true })) as Body;
    const fields = textFields(body);
    const input = formToContent(fields);
    const uploadErrors = await withUpload(c, body, input);
    if (uploadErrors) return form(c, { form: { ...fields, alignment: input.alignment }, errors: uploadErrors }, 422);
    const created = await d.achievements.define(c.get("actor"), c.get("issuer"), input, { publish: fields.publish === "1" });
    if (!created.ok) return form(c, { form: { ...fields, alignment: input.alignment, imageId: input.imageId }, errors: contentErrorsToForm(created.error) }, 422);
    setFlash(c, d.cookies, { key: fields.publish === "1" ? "achievements.published" : "achievements.created", params: { name: created.value.content.name } });
    return c.redirect(`/achievements/${created.value.row.id}`, 303);
  });

  app.get("/achievements/:id/edit", loadAchievement, guards.requireRole("creator"), (c) => {
    const a = current(c);
    if (a.row.status === "archived") {
      setFlash(c, d.cookies, { key: "errors.archived", kind: "error" });
      return c.redirect(`/achievements/${a.row.id}`, 303);
    }
    const values = contentToForm(a.content);
    return form(c, { achievement: a, form: { ...values, imageId: c.req.query("image") ?? values.imageId } });
  });

  app.post("/achievements/:id", loadAchievement, guards.requireRole("creator"), async (c) => {
    const a = current(c);
    const body = (await c.req.parseBody({ all: true })) as Body;
    const fields = textFields(body);
    const input = formToContent(fields, a.content);
    const uploadErrors = await withUpload(c, body, input);
    if (uploadErrors) return form(c, { achievement: a, form: { ...fields, alignment: input.alignment }, errors: uploadErrors }, 422);
    const edited = await d.achievements.edit(c.get("actor"), a.row.id, input);
    if (!edited.ok && edited.error === "unchanged") {
      setFlash(c, d.cookies, { key: "achievements.unchanged", params: { version: String(a.version) } });
      return c.redirect(`/achievements/${a.row.id}`, 303);
    }
    if (!edited.ok) {
      const errors = typeof edited.error === "string" ? { _form: `errors.${edited.error}` } : contentErrorsToForm(edited.error);
      return form(c, { achievement: a, form: { ...fields, alignment: input.alignment, imageId: input.imageId }, errors }, 422);
    }
    setFlash(c, d.cookies, { key: "achievements.saved", params: { version: String(edited.value.version) } });
    return c.redirect(`/achievements/${a.row.id}`, 303);
  });

  for (const action of ["publish", "archive"] as const) {
    app.post(`/achievements/:id/${action}`, loadAchievement, guards.requireRole("creator"), async (c) => {
      const done = await d.achievements[action](c.get("actor"), current(c).row.id);
      if (done.ok) setFlash(c, d.cookies, { key: action === "publish" ? "achievements.published" : "achievements.archived" });
      else setFlash(c, d.cookies, { key: `errors.${done.error === "archived" ? "archived" : "invalid"}`, kind: "error" });
      return c.redirect(`/achievements/${current(c).row.id}`, 303);
    });
  }
  return { app, loadAchievement, current };
}
