import { Hono } from "hono";
import { loginForm, setPasswordForm } from "../accounts/accounts.schema.ts";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { setFlash } from "../http/flash.ts";
import { formFields, safeNext } from "../http/form.ts";
import type { Render } from "../http/render.ts";
import { parseInput } from "../shared/validation.ts";
import type { AuthService } from "./auth.service.ts";

export interface AuthRoutesDeps {
  auth: AuthService;
  accounts: AccountsService;
  render: Render;
  cookies: CookieKit;
  sessionDays: number;
  /** Single sign-on buttons of the login page (src/sso). */
  loginOptions?: () => unknown;
}

const loginMessages = { invalid: "login.invalid", throttled: "login.throttled", disabled: "login.disabled", "password-login-off": "login.passwordOff", "sso-required": "sso.login.staffUseSso" } as const;

/** Sign-in, sign-out and one-time password links. */
export function authRoutes(d: AuthRoutesDeps) {
  const app = new Hono<AppEnv>();
  const startSession = (c: Parameters<Render>[0], token: string) => d.cookies.set(c, "fb_session", token, d.sessionDays * 86_400);
  const loginPage = (c: Parameters<Render>[0], data: Record<string, unknown>, status?: 401 | 422 | 429) => d.render(c, "pages/login", { ...data, sso: d.loginOptions?.() }, status);

  app.get("/login", (c) => (c.get("user") ? c.redirect(safeNext(c.req.query("next")), 303) : loginPage(c, { next: c.req.query("next") })));

  app.post("/login", async (c) => {
    const fields = await formFields(c);
    const form = parseInput(loginForm, fields);
    if (!form.ok) return loginPage(c, { errors: form.error, email: fields.email, next: fields.next }, 422);
    const result = await d.auth.login({ ...form.value, ip: c.get("ip"), userAgent: c.req.header("User-Agent") ?? null });
    if (!result.ok) {
      const status = result.error === "throttled" ? 429 : 401;
      return loginPage(c, { message: loginMessages[result.error], email: form.value.email, next: fields.next }, status);
    }
    startSession(c, result.value.token);
    return c.redirect(safeNext(fields.next), 303);
  });

  app.post("/logout", async (c) => {
    const token = c.get("sessionToken");
    if (token) await d.auth.logout(token);
    d.cookies.clear(c, "fb_session");
    setFlash(c, d.cookies, { key: "logout.done" });
    return c.redirect("/", 303);
  });

  for (const purpose of ["setup", "reset"] as const) {
    app.get(`/${purpose}/:token`, async (c) => {
      const found = await d.accounts.peekToken(c.req.param("token"), purpose);
      return d.render(c, "pages/setup", { email: found?.email }, found ? 200 : 410);
    });
    app.post(`/${purpose}/:token`, async (c) => {
      const found = await d.accounts.peekToken(c.req.param("token"), purpose);
      if (!found) return d.render(c, "pages/setup", {}, 410);
      const form = parseInput(setPasswordForm, await formFields(c));
      if (!form.ok) return d.render(c, "pages/setup", { email: found.email, errors: form.error }, 422);
      const done = await d.accounts.setPasswordWithToken(c.req.param("token"), purpose, form.value.password, c.get("ip"));
      if (!done.ok) return d.render(c, "pages/setup", {}, 410);
      await d.auth.endOtherSessions(done.value.id);
      startSession(c, await d.auth.startSession(done.value.id, c.get("ip"), c.req.header("User-Agent") ?? null));
      return c.redirect("/", 303);
    });
  }
  return app;
}
