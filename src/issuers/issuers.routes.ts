import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import { formFields, readBody } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import { isHtmx, type Render } from "../http/render.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { UploadInput } from "../images/images.service.ts";
import type { MembersService } from "../members/members.service.ts";
import { parseInput } from "../shared/validation.ts";
import { issuerForm, issuerUpdateForm } from "./issuers.schema.ts";
import type { IssuersService } from "./issuers.service.ts";

export interface IssuersRoutesDeps {
  issuers: IssuersService;
  members: MembersService;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
}

/**
 * The logo chosen in a (multipart) issuer form, field `logo`, or null when none was chosen. Like
 * the template form, the file travels with the form (no JavaScript needed) and the service stores
 * it only once the whole form is valid.
 */
async function logoChange(c: Context<AppEnv>, fields: Record<string, string>): Promise<{ file: UploadInput | null; remove: boolean }> {
  const file = (await readBody(c)).logo;
  const upload = file instanceof File && file.size > 0 ? { bytes: new Uint8Array(await file.arrayBuffer()), mediaType: file.type, filename: file.name } : null;
  return { file: upload, remove: fields.removeLogo === "1" };
}

/** A refused form's values, noting that a logo file was chosen (the browser drops it: the page says so). */
const refusedForm = (fields: Record<string, string>, logo: { file: UploadInput | null }) => ({ ...fields, logoChosen: logo.file ? "1" : "" });

/** Issuer spaces: public pages, creation (node admins, or admins of the parent) and settings. */
export function issuersRoutes(d: IssuersRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards } = d;

  // Node admins create any issuer; an issuer's admins create spaces under it.
  async function mayCreateUnder(c: Context<AppEnv>, parentSlug: string | null | undefined): Promise<boolean> {
    const user = c.get("user");
    if (!user) return false;
    if (user.is_node_admin === 1) return true;
    const parent = parentSlug ? await d.issuers.findBySlug(parentSlug) : undefined;
    return !!parent && (await d.members.rolesOf(user, parent)).has("admin");
  }

  app.get("/issuers", async (c) => d.render(c, "pages/issuers/index", { tree: await d.issuers.tree() }));

  app.get("/issuers/new", guards.requireUser, async (c) => {
    const parent = c.req.query("parent");
    if (!(await mayCreateUnder(c, parent))) return errorResponse(c, d.render, 403, "403");
    return d.render(c, "pages/issuers/new", { form: { parent } });
  });

  // htmx inline check of the slug while typing; the full check happens again on submit.
  app.post("/issuers/new/validate", guards.requireUser, async (c) => {
    const fields = await formFields(c);
    const form = parseInput(issuerForm.pick({ slug: true }), fields);
    const taken = form.ok && (await d.issuers.findBySlug(form.value.slug));
    const errors = !form.ok ? form.error : taken ? { slug: "errors.slugTaken" } : {};
    return d.render(c, "pages/issuers/new", { form: fields, errors }, 200);
  });

  app.post("/issuers/new", guards.requireUser, async (c) => {
    const fields = await formFields(c);
    if (!(await mayCreateUnder(c, fields.parent))) return errorResponse(c, d.render, 403, "403");
    const form = parseInput(issuerForm, fields);
    const logo = await logoChange(c, fields);
    if (!form.ok) return d.render(c, "pages/issuers/new", { form: refusedForm(fields, logo), errors: { ...form.error, ...(await d.issuers.checkLogo(logo.file)) } }, 422);
    const created = await d.issuers.create(c.get("actor"), form.value, logo);
    if (!created.ok) return d.render(c, "pages/issuers/new", { form: refusedForm(fields, logo), errors: created.error }, 422);
    if (c.get("user")!.is_node_admin !== 1 || !form.value.parent) {
      await d.members.add(c.get("actor"), created.value, { email: c.get("user")!.email, role: "admin" });
    }
    setFlash(c, d.cookies, { key: "issuers.created", params: { name: created.value.name } });
    return c.redirect(`/issuers/${created.value.slug}`, 303);
  });

  app.get("/issuers/:issuer", guards.loadIssuer, async (c) => {
    const issuer = c.get("issuer");
    const [parent, children] = await Promise.all([
      issuer.parent_id ? d.issuers.findById(issuer.parent_id) : undefined,
      d.issuers.children(issuer.id),
    ]);
    return d.render(c, "pages/issuers/show", { issuer, parent, children, roles: [...c.get("roles")] });
  });

  app.get("/issuers/:issuer/settings", guards.loadIssuer, guards.requireRole("admin"), async (c) => {
    const issuer = c.get("issuer");
    const parent = issuer.parent_id ? await d.issuers.findById(issuer.parent_id) : undefined;
    const form = { name: issuer.name, description: issuer.description, website: issuer.website, email: issuer.email, logoUrl: issuer.logo_url, parent: parent?.slug };
    return d.render(c, "pages/issuers/settings", { issuer, form });
  });

  app.post("/issuers/:issuer/settings", guards.loadIssuer, guards.requireRole("admin"), async (c) => {
    const issuer = c.get("issuer");
    const fields = await formFields(c);
    const form = parseInput(issuerUpdateForm, fields);
    const logo = await logoChange(c, fields);
    if (!form.ok) return d.render(c, "pages/issuers/settings", { issuer, form: refusedForm(fields, logo), errors: { ...form.error, ...(await d.issuers.checkLogo(logo.file)) } }, 422);
    // Moving a space hands it to the admins of its new parent: that takes the same right as
    // creating a space there (an unknown parent is left to the service's 422).
    const newParent = form.value.parent ? await d.issuers.findBySlug(form.value.parent) : null;
    if ((newParent?.id ?? null) !== issuer.parent_id && newParent !== undefined && !(await mayCreateUnder(c, form.value.parent))) {
      return errorResponse(c, d.render, 403, "403");
    }
    const updated = await d.issuers.update(c.get("actor"), issuer, form.value, logo);
    if (!updated.ok) return d.render(c, "pages/issuers/settings", { issuer, form: refusedForm(fields, logo), errors: updated.error }, 422);
    setFlash(c, d.cookies, { key: "issuers.updated" });
    return isHtmx(c) ? c.body(null, 204, { "HX-Redirect": `/issuers/${issuer.slug}` }) : c.redirect(`/issuers/${issuer.slug}`, 303);
  });
  return app;
}
