import type { Context } from "hono";
import { isLocale, negotiateLocale, translator, type Locale } from "../i18n/i18n.ts";
import type { CookieKit } from "./cookies.ts";

// The global body limit answers before sessions and the renderer run: this page stands alone
// (its language from the fb_lang cookie or Accept-Language) and every text in it is escaped.

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function localeOf(c: Context, cookies: CookieKit): Locale {
  const cookie = cookies.get(c, "fb_lang");
  return isLocale(cookie) ? cookie : negotiateLocale(c.req.header("Accept-Language"), "fr");
}

// Back to the form the person came from (same site only), else home.
function backHref(c: Context): string {
  const referer = c.req.header("Referer");
  if (!referer || !URL.canParse(referer)) return "/";
  const from = new URL(referer), here = new URL(c.req.url);
  // `//evil.example/x` is a path of this host but a link to another site.
  return from.host === here.host && !from.pathname.startsWith("//") ? `${from.pathname}${from.search}` : "/";
}

function wantsJson(c: Context): boolean {
  const accept = c.req.header("Accept") ?? "";
  return c.req.path.startsWith("/api/") || /json/i.test(c.req.header("Content-Type") ?? "") || (/json/i.test(accept) && !/text\/html/i.test(accept));
}

/**
 * The answer to a request body over `maxBytes` (status 413): JSON `{ errors }` for API clients,
 * a short FR/EN page with a way back for forms. The unread rest of the body makes the connection unusable: close it.
 */
export function payloadTooLarge(maxBytes: number, cookies: CookieKit) {
  return (c: Context): Response => {
    const locale = wantsJson(c) ? negotiateLocale(c.req.header("Accept-Language"), "en") : localeOf(c, cookies);
    const t = translator(locale);
    const message = t("errors.uploadTooLarge", { max: Math.floor(maxBytes / (1024 * 1024)) });
    c.header("Connection", "close");
    if (wantsJson(c)) return c.json({ errors: [{ field: "_body", message }] }, 413);
    const title = t("errors.uploadTooLarge.title");
    const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="container"><h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(backHref(c))}">← ${escapeHtml(t("errors.uploadTooLarge.back"))}</a></p></main></body></html>`;
    return c.html(html, 413);
  };
}
