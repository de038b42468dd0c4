import { Hono } from "hono";
import type { AuthService } from "../auth/auth.service.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { setFlash } from "../http/flash.ts";
import { formFields, safeNext } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import { isLocale } from "../i18n/i18n.ts";
import { parseInput } from "../shared/validation.ts";
import { changePasswordForm, profileForm } from "./accounts.schema.ts";
import type { AccountsService } from "./accounts.service.ts";

/** The signed-in person's account page, and the language switch. */
export function accountsRoutes(d: { accounts: AccountsService; auth: AuthService; render: Render; cookies: CookieKit; guards: Guards }) {
  const app = new Hono<AppEnv>();

  // A link, not a form: it sets preference cookies only, so it works everywhere without JS and a
  // GET (no CSRF check) never writes the profile. The account's saved language (the one its
  // e-mails use) outranks fb_lang, so a signed-in person's switch also goes in fb_view_lang,
  // tied to the account, for this browser session; the account form saves the language for good.
  app.get("/lang/:locale", (c) => {
    const locale = c.req.param("locale");
    const user = c.get("user");
    if (isLocale(locale)) {
      d.cookies.set(c, "fb_lang", locale, 365 * 86_400);
      if (user) d.cookies.set(c, "fb_view_lang", `${user.id}.${locale}`);
    }
    return c.redirect(safeNext(c.req.query("next")), 303);
  });

  app.get("/account", d.guards.requireUser, (c) => d.render(c, "pages/account"));

  app.post("/account/profile", d.guards.requireUser, async (c) => {
    const fields = await formFields(c);
    const form = parseInput(profileForm, fields);
    if (!form.ok) return d.render(c, "pages/account", { profileErrors: form.error, form: fields }, 422);
    await d.accounts.updateProfile(c.get("user")!.id, form.value);
    d.cookies.set(c, "fb_lang", form.value.locale, 365 * 86_400);
    d.cookies.clear(c, "fb_view_lang"); // the saved language applies again
    setFlash(c, d.cookies, { key: "account.saved" });
    return c.redirect("/account", 303);
  });

  app.post("/account/password", d.guards.requireUser, async (c) => {
    const form = parseInput(changePasswordForm, await formFields(c));
    if (!form.ok) return d.render(c, "pages/account", { passwordErrors: form.error }, 422);
    const user = c.get("user")!;
    const done = await d.accounts.changePassword(user.id, form.value.current, form.value.password, c.get("ip"));
    if (!done.ok) return d.render(c, "pages/account", { passwordErrors: { current: "account.wrongPassword" } }, 422);
    await d.auth.endOtherSessions(user.id, c.get("sessionToken") ?? undefined);
    setFlash(c, d.cookies, { key: "account.passwordChanged" });
    return c.redirect("/account", 303);
  });
  return app;
}
