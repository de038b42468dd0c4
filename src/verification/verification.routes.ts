import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../http/env.ts";
import { isHtmx, type Render } from "../http/render.ts";
import { renderMessage } from "./messages.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { readForm, type VerifyRequest } from "./request-input.ts";
import type { VerificationReport, VerificationService } from "./verification.service.ts";

export interface VerificationRoutesDeps {
  verification: VerificationService;
  limiter: RateLimiter;
  render: Render;
  /** Largest file accepted (bytes). */
  maxBytes: number;
}

// Multipart framing and the other fields come on top of the file itself.
export const FORM_OVERHEAD = 64 * 1024;

/** What the result partial shows: the verdict, the badge, one translated line per check. */
function resultView(c: Context<AppEnv>, report: VerificationReport) {
  const t = c.get("t");
  return {
    summary: report.summary,
    verified: report.verified,
    lines: report.checks.map((ch) => ({ check: ch.check, status: ch.status, text: renderMessage(t, ch.message) })),
  };
}

/** The public /verify page: paste, upload or give a URL; works without JavaScript, htmx swaps the result only. */
export function verificationRoutes(d: VerificationRoutesDeps) {
  const app = new Hono<AppEnv>();
  const mb = Math.round(d.maxBytes / 104857.6) / 10;

  function page(c: Context<AppEnv>, data: { fields?: Record<string, string>; result?: ReturnType<typeof resultView>; error?: string; errorParams?: Record<string, string | number> }, status: 200 | 413 | 422 | 429 = 200) {
    // htmx swaps 2xx and 422 only (layouts/base.eta): its errors come back as 422 so they show.
    if (isHtmx(c)) return d.render(c, "partials/verification/result", data, status === 200 ? 200 : 422);
    return d.render(c, "pages/verification/index", { fields: {}, maxMb: mb, ...data }, status);
  }

  function limited(c: Context<AppEnv>, fields: Record<string, string> = {}) {
    const taken = d.limiter.take(c.get("ip") ?? "unknown");
    if (taken.ok) return null;
    c.header("Retry-After", String(taken.retryAfterSeconds));
    return page(c, { fields, error: "verification.page.rateLimited", errorParams: { seconds: taken.retryAfterSeconds } }, 429);
  }

  async function verifyAndShow(c: Context<AppEnv>, request: VerifyRequest, fields: Record<string, string>) {
    const report = await d.verification.verify(request.input, request.email ? { email: request.email } : {});
    return page(c, { fields, result: resultView(c, report) });
  }

  app.get("/verify", async (c) => {
    const url = (c.req.query("url") ?? "").trim();
    if (!url) return page(c, {});
    const eppn = (c.req.query("eppn") ?? "").trim(); // "?eppn=x" asks as "?email=eppn:x" does
    const email = (c.req.query("email") ?? "").trim() || (eppn ? `eppn:${eppn}` : "");
    const fields = { url, email };
    return limited(c, fields) ?? verifyAndShow(c, { input: { url }, ...(email ? { email } : {}) }, fields);
  });

  const sizeLimit = bodyLimit({
    maxSize: d.maxBytes + FORM_OVERHEAD,
    onError: (c) => {
      c.header("Connection", "close");
      return page(c as Context<AppEnv>, { error: "verification.page.tooLarge", errorParams: { mb } }, 413);
    },
  });

  app.post("/verify", sizeLimit, async (c) => {
    const stop = limited(c);
    if (stop) return stop;
    const { request, fields } = await readForm(c);
    if (!request) return page(c, { fields, error: "verification.page.noInput" }, 422);
    if ("bytes" in request.input && request.input.bytes.length > d.maxBytes) return page(c, { fields, error: "verification.page.tooLarge", errorParams: { mb } }, 413);
    return verifyAndShow(c, request, fields);
  });

  return app;
}
