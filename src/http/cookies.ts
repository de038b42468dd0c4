import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/** Cookie names and flags depend on whether the node is served over https. */
export function cookieKit(secure: boolean) {
  // The __Host- prefix pins a cookie to this exact host and path /, over https only.
  const name = (base: string) => (secure ? `__Host-${base}` : base);
  const base = { path: "/", httpOnly: true, secure, sameSite: "Lax" as const };
  return {
    get: (c: Context, n: string) => getCookie(c, name(n)),
    set: (c: Context, n: string, value: string, maxAgeSeconds?: number) =>
      setCookie(c, name(n), value, { ...base, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) }),
    clear: (c: Context, n: string) => deleteCookie(c, name(n), { path: "/", secure }),
  };
}

export type CookieKit = ReturnType<typeof cookieKit>;
