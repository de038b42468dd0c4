import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env.ts";
import type { Render } from "./render.ts";

/** True when the client asked for JSON rather than a page. */
export function wantsJson(c: Context): boolean {
  if (c.req.path.startsWith("/api/")) return true;
  const accept = c.req.header("Accept") ?? "";
  return !accept.includes("text/html") && /json/.test(accept);
}

/** Answers an error as a FR/EN page, or as JSON for API clients. */
export function errorResponse(c: Context<AppEnv>, render: Render, status: ContentfulStatusCode, key: string) {
  if (wantsJson(c)) return c.json({ error: key, message: c.get("t")(`error.${key}.body`) }, status);
  return render(c, "pages/error", { status, title: `error.${key}.title`, message: `error.${key}.body` }, status);
}
