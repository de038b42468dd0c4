import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../http/env.ts";
import { reportForApi } from "../verification/messages.ts";
import type { RateLimiter } from "../verification/rate-limit.ts";
import { readApiBody } from "../verification/request-input.ts";
import { FORM_OVERHEAD } from "../verification/verification.routes.ts";
import type { VerificationService } from "../verification/verification.service.ts";
import { apiErrors, apiLocale, apiTranslator } from "./api-response.ts";

export interface VerifyApiDeps {
  verification: VerificationService;
  limiter: RateLimiter;
  /** Largest document accepted (bytes). */
  maxBytes: number;
}

// Anyone may verify from anywhere (a wallet, another site's page): no credentials are involved.
const CORS = { "Access-Control-Allow-Origin": "*" };

/** `POST /api/v1/verify`: public, rate-limited per address; JSON credential, `{ "url" }`, text (JWS), multipart `file`, or raw file bytes. */
export function verifyApiRoutes(d: VerifyApiDeps) {
  const app = new Hono<AppEnv>();
  const mb = Math.round(d.maxBytes / 104857.6) / 10;
  const tooLarge = (c: Context) => {
    c.header("Connection", "close"); // the rest of the body is never read
    for (const [k, v] of Object.entries(CORS)) c.header(k, v);
    return apiErrors(c, 413, { _body: "verification.page.tooLarge" }, { mb });
  };

  app.options("/api/v1/verify", (c) => c.body(null, 204, { ...CORS, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type, Accept-Language", "Access-Control-Max-Age": "86400" }));

  app.post("/api/v1/verify", async (c, next) => {
    const taken = d.limiter.take(c.get("ip") ?? "unknown");
    if (taken.ok) return next();
    c.header("Retry-After", String(taken.retryAfterSeconds));
    for (const [k, v] of Object.entries(CORS)) c.header(k, v);
    return apiErrors(c, 429, { _request: "verification.page.rateLimited" }, { seconds: taken.retryAfterSeconds });
  }, bodyLimit({ maxSize: d.maxBytes + FORM_OVERHEAD, onError: tooLarge }), async (c) => {
    const request = await readApiBody(c);
    if (!request) return apiErrors(c, 400, { _body: "verification.page.noInput" });
    if ("bytes" in request.input && request.input.bytes.length > d.maxBytes) return tooLarge(c);
    const report = await d.verification.verify(request.input, request.email ? { email: request.email } : {});
    c.header("Content-Language", apiLocale(c));
    return c.json(reportForApi(apiTranslator(c), report), 200, CORS);
  });

  return app;
}
