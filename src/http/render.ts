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

/**
 * A local address to come back to (language switch, sign-in link) that answers a GET: the page
 * itself (with its query) for a GET; after a form post rendered in place, the page the form was
 * posted from, since the POST-only path would answer 404. Only the path is kept; /lang and
 * /login pass it through safeNext() again.
 */
export function returnPath(c: Context): string {
  const url = new URL(c.req.url);
  if (c.req.method === "GET" || c.req.method === "HEAD") return url.pathname + url.search;
  try {
    const from = new URL(c.req.header("Referer") ?? "");
    return from.pathname + from.search;
  } catch {
    return "/";
  }
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
      returnPath: returnPath(c),
      url: c.req.url,
      version: deps.version,
      flash: c.req.method === "GET" && !isHtmx(c) ? takeFlash(c, deps.cookies) : null,
      date: (iso: string | null | undefined, withTime = false) => formatDate(iso, locale, withTime),
    };
    return c.html(eta.render(template, vm), status);
  };
}

export type Render = ReturnType<typeof createRenderer>;
