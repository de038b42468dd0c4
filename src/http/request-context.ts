import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { AuthService } from "../auth/auth.service.ts";
import { isLocale, negotiateLocale, translator, type Locale } from "../i18n/i18n.ts";
import type { CookieKit } from "./cookies.ts";
import type { AppEnv } from "./env.ts";

/**
 * The client address: the socket's, or, behind a trusted proxy, the last X-Forwarded-For hop.
 * The last hop is the one our proxy appended; earlier ones come from the client and can be forged
 * (which would defeat login throttling by address).
 */
export function clientIp(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests has no socket
  }
}

export interface RequestContextDeps {
  auth: AuthService;
  cookies: CookieKit;
  defaultLocale: Locale;
  trustProxy: boolean;
}

/**
 * Resolves, once per request, who is asking (session cookie), from where, and in which
 * language: the footer switch of this signed-in account (fb_view_lang, for this browser
 * session), then the account's saved choice, then the fb_lang cookie, then Accept-Language.
 */
export function requestContext(deps: RequestContextDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = deps.cookies.get(c, "fb_session") ?? null;
    const user = token ? await deps.auth.resolveSession(token) : null;
    if (token && !user) deps.cookies.clear(c, "fb_session");
    const ip = clientIp(c, deps.trustProxy);
    const cookieLocale = deps.cookies.get(c, "fb_lang");
    const viewed = user ? viewLocaleOf(deps.cookies.get(c, "fb_view_lang"), user.id) : null;
    const locale: Locale = viewed ? viewed
      : isLocale(user?.locale) ? user.locale
      : isLocale(cookieLocale) ? cookieLocale
      : negotiateLocale(c.req.header("Accept-Language"), deps.defaultLocale);
    c.set("user", user);
    c.set("sessionToken", user ? token : null);
    c.set("ip", ip);
    c.set("locale", locale);
    c.set("t", translator(locale));
    c.set("actor", { userId: user?.id ?? null, label: user?.email ?? "anonymous", ip });
    c.header("Content-Language", locale);
    c.header("Vary", "Accept-Language, Cookie", { append: true });
    await next();
  };
}

/** The display language a signed-in account chose with the footer switch: "<user id>.<locale>" (another account's is ignored). */
export function viewLocaleOf(cookie: string | undefined, userId: string): Locale | null {
  const dot = cookie?.lastIndexOf(".") ?? -1;
  if (!cookie || dot < 0 || cookie.slice(0, dot) !== userId) return null;
  const locale = cookie.slice(dot + 1);
  return isLocale(locale) ? locale : null;
}
