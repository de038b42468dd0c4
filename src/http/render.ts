import { join } from "node:path";
import { Eta } from "eta";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { formatDate } from "../i18n/i18n.ts";
import type { AppEnv } from "./env.ts";
import type { CookieKit } from "./cookies.ts";
import { takeFlash } from "./flash.ts";

/** The views/ folder at the project root. */
export const viewsDir = join(import.meta.dirname, "..", "..", "views");

export interface RenderDeps {
  cookies: CookieKit;
  version: string;
  cache: boolean;
}

/** True when htmx made the request (it then wants a fragment, not a page). */
export function isHtmx(c: Context): boolean {
  return c.req.header("HX-Request") === "true" && c.req.header("HX-History-Restore-Request") !== "true";
}

/** Builds the render function: Eta with auto-escaping and the view-model every page needs. */
export function createRenderer(deps: RenderDeps) {
  const eta = new Eta({ views: viewsDir, cache: deps.cache, autoEscape: true, autoTrim: false, useWith: false });

  return function render(c: Context<AppEnv>, template: string, data: Record<string, unknown> = {}, status: ContentfulStatusCode = 200) {
    const locale = c.get("locale");
    const vm = {
      ...data,
      t: c.get("t"),
      locale,
      user: c.get("user") ?? null,
      csrfToken: c.get("csrfToken") ?? "",
      path: c.req.path,
      url: c.req.url,
      version: deps.version,
      flash: c.req.method === "GET" && !isHtmx(c) ? takeFlash(c, deps.cookies) : null,
      date: (iso: string | null | undefined, withTime = false) => formatDate(iso, locale, withTime),
    };
    return c.html(eta.render(template, vm), status);
  };
}

export type Render = ReturnType<typeof createRenderer>;
