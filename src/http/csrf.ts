import { createHmac, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { randomToken } from "../shared/tokens.ts";
import type { CookieKit } from "./cookies.ts";
import type { AppEnv } from "./env.ts";
import { BadBodyError, readBody } from "./form.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function sign(secret: string, nonce: string): string {
  return createHmac("sha256", secret).update("csrf:" + nonce).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface CsrfOptions {
  secret: string;
  origin: string;
  cookies: CookieKit;
  /** Requests that carry no cookie credentials (API tokens, signed federation posts). */
  exempt: (path: string) => boolean;
  onReject: MiddlewareHandler<AppEnv>;
  /** A form body that cannot be read (400): nothing is done. */
  onBadBody: MiddlewareHandler<AppEnv>;
}

/**
 * Signed double-submit token: a cookie holds `nonce.hmac(nonce)`, every form repeats it in
 * `_csrf` (htmx sends it as X-CSRF-Token). A cross-site page can neither read nor forge it.
 * The Origin header, when present, must also be ours.
 */
export function csrfProtection(o: CsrfOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let token = o.cookies.get(c, "fb_csrf");
    const valid = (t: string | undefined): t is string => {
      const [nonce, mac] = (t ?? "").split(".");
      return !!nonce && !!mac && sameText(mac, sign(o.secret, nonce));
    };
    if (!valid(token)) {
      const nonce = randomToken(18);
      token = `${nonce}.${sign(o.secret, nonce)}`;
      o.cookies.set(c, "fb_csrf", token);
    }
    c.set("csrfToken", token);
    if (SAFE.has(c.req.method) || o.exempt(c.req.path)) return next();
    const origin = c.req.header("Origin");
    if (origin && origin !== "null" && origin !== o.origin) return o.onReject(c, next);
    let sent = c.req.header("X-CSRF-Token");
    if (!sent) {
      const type = c.req.header("Content-Type") ?? "";
      if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
        let body: Awaited<ReturnType<typeof readBody>>;
        try {
          body = await readBody(c);
        } catch (e) {
          if (e instanceof BadBodyError) return o.onBadBody(c, next);
          throw e;
        }
        sent = typeof body["_csrf"] === "string" ? body["_csrf"] : undefined;
      }
    }
    if (!sent || !sameText(sent, token)) return o.onReject(c, next);
    return next();
  };
}
