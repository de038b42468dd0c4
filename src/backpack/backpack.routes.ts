import { Hono } from "hono";
import { z } from "zod";
import type { AuthService } from "../auth/auth.service.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import { formFields, safeNext } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import { emailField, parseInput, requiredText } from "../shared/validation.ts";
import { backpackAddressesRoutes } from "./backpack-addresses.routes.ts";
import { backpackImportRoutes } from "./backpack-import.routes.ts";
import type { BackpackService } from "./backpack.service.ts";

const signInForm = z.object({ email: emailField });
const pageForm = z.object({ title: requiredText(120), intro: z.string().trim().max(2000, "errors.tooLong").default(""), published: z.string().optional() });
const entryChange = z.object({
  status: z.enum(["accepted", "declined"]).optional(),
  visibility: z.enum(["public", "private"]).optional(),
  showName: z.enum(["0", "1"]).optional(),
});

/** Learners: sign-in by e-mail link, the backpack, pages (online CV), GDPR export and erasure. */
export function backpackRoutes(d: { backpack: BackpackService; auth: AuthService; render: Render; cookies: CookieKit; guards: Guards; sessionDays: number }) {
  const app = new Hono<AppEnv>();
  const mine = d.guards.requireUser;

  // `next`: a page of this site to come back to once signed in (an address confirmation link).
  const nextOf = (value: string | undefined) => safeNext(value, "") || undefined;
  app.get("/signin", (c) => d.render(c, "pages/backpack/signin", { email: c.req.query("email") ?? "", next: nextOf(c.req.query("next")) }));
  app.post("/signin", async (c) => {
    const fields = await formFields(c);
    const form = parseInput(signInForm, fields);
    if (!form.ok) return d.render(c, "pages/backpack/signin", { errors: form.error, email: fields.email, next: nextOf(fields.next) }, 422);
    await d.backpack.requestSignIn(form.value.email, nextOf(fields.next));
    // The same answer whether or not the address is known: no one learns who holds badges here.
    return d.render(c, "pages/backpack/signin", { sent: form.value.email });
  });
  // GET only shows a button: mail scanners that open links must not spend them.
  app.get("/signin/:token", (c) => d.render(c, "pages/backpack/signin-confirm", { next: nextOf(c.req.query("next")) }));
  app.post("/signin/:token", async (c) => {
    const next = nextOf((await formFields(c)).next || c.req.query("next"));
    const signed = await d.backpack.signInWithLink(c.req.param("token"));
    if (!signed.ok) return d.render(c, "pages/backpack/signin", { invalid: true }, 410);
    d.cookies.set(c, "fb_session", await d.auth.startSession(signed.value.id, c.get("ip"), c.req.header("User-Agent") ?? null), d.sessionDays * 86_400);
    return c.redirect(next ?? "/backpack", 303);
  });

  app.get("/backpack", mine, async (c) => {
    const user = c.get("user")!;
    return d.render(c, "pages/backpack/index", { items: await d.backpack.items(user), pages: await d.backpack.pages(user) });
  });
  app.post("/backpack/entries/:id", mine, async (c) => {
    const form = parseInput(entryChange, await formFields(c));
    const done = form.ok ? await d.backpack.update(c.get("user")!, c.req.param("id"), { ...form.value, showName: form.value.showName ? form.value.showName === "1" : undefined }) : null;
    if (!done || (!done.ok && done.error === "not-found")) return errorResponse(c, d.render, 404, "404");
    setFlash(c, d.cookies, done.ok ? { key: "backpack.saved" } : { key: "backpack.import.privateOnlyRefused", kind: "error" });
    return c.redirect("/backpack", 303);
  });
  app.get("/backpack/export", mine, async (c) => {
    const zip = await d.backpack.exportData(c.get("user")!);
    return c.body(zip as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/zip", "Content-Disposition": 'attachment; filename="francebadge-mes-donnees.zip"' });
  });
  app.post("/backpack/delete-account", mine, async (c) => {
    if ((await formFields(c)).confirm !== "yes") {
      setFlash(c, d.cookies, { key: "backpack.deleteConfirm", kind: "error" });
      return c.redirect("/backpack", 303);
    }
    await d.backpack.deleteAccount(c.get("actor"), c.get("user")!);
    d.cookies.clear(c, "fb_session");
    setFlash(c, d.cookies, { key: "backpack.deleted" });
    return c.redirect("/", 303);
  });

  app.get("/backpack/pages/new", mine, async (c) => d.render(c, "pages/backpack/page-form", { items: await d.backpack.items(c.get("user")!), selected: [] }));
  app.get("/backpack/pages/:id/edit", mine, async (c) => {
    const found = await d.backpack.page(c.req.param("id"), c.get("user"));
    if (!found || found.owner.id !== c.get("user")!.id) return errorResponse(c, d.render, 404, "404");
    return d.render(c, "pages/backpack/page-form", { page: found.page, items: await d.backpack.items(c.get("user")!), selected: await d.backpack.pageEntryIds(found.page.id) });
  });
  app.post("/backpack/pages", mine, async (c) => {
    const body = await c.req.parseBody({ all: true });
    const fields = await formFields(c);
    const entryIds = ([] as unknown[]).concat(body.entries ?? []).filter((v): v is string => typeof v === "string");
    const form = parseInput(pageForm, fields);
    if (!form.ok) return d.render(c, "pages/backpack/page-form", { items: await d.backpack.items(c.get("user")!), selected: entryIds, form: fields, errors: form.error }, 422);
    const page = await d.backpack.savePage(c.get("user")!, { id: fields.id || undefined, title: form.value.title, intro: form.value.intro, published: form.value.published === "1", entryIds });
    return c.redirect(`/pages/${page.id}`, 303);
  });
  app.post("/backpack/pages/:id/delete", mine, async (c) => {
    await d.backpack.deletePage(c.get("user")!, c.req.param("id"));
    return c.redirect("/backpack", 303);
  });
  app.get("/pages/:id", async (c) => {
    const found = await d.backpack.page(c.req.param("id"), c.get("user"));
    return found ? d.render(c, "pages/backpack/public-page", found) : errorResponse(c, d.render, 404, "404");
  });
  app.route("/", backpackImportRoutes(d));
  app.route("/", backpackAddressesRoutes(d));
  return app;
}
