import type { Context } from "hono";

const JSON_TYPES = ["application/ld+json", "application/json", "application/vc+ld+json"];
const HTML_TYPES = ["text/html", "application/xhtml+xml"];

// The best q an Accept header gives to any of `types` (0 when it names none of them).
function acceptScores(accept: string): { json: number; html: number } {
  const ranked = accept.split(",").map((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const score = (types: string[]) => Math.max(0, ...ranked.filter((r) => types.includes(r.type)).map((r) => r.q));
  return { json: score(JSON_TYPES), html: score(HTML_TYPES) };
}

/**
 * True when the client wants JSON-LD rather than a page. OB 3.0 Impl. Guide: serve JSON-LD for
 * application/ld+json, application/json or no Accept header; HTML for browsers (text/html).
 */
export function wantsJsonLd(c: Context): boolean {
  const accept = c.req.header("Accept");
  if (!accept) return true;
  const { json, html } = acceptScores(accept);
  if (json === 0 && html === 0) return !accept.includes("text/") && accept.includes("*/*");
  return json > html;
}

/**
 * Stricter than wantsJsonLd, for URLs that are pages first: only a client that names JSON-LD or
 * JSON and ranks it above HTML gets it. No Accept header, or a bare * / * (curl), gets the page.
 */
export function asksForJsonLd(c: Context): boolean {
  const accept = c.req.header("Accept");
  if (!accept) return false;
  const { json, html } = acceptScores(accept);
  return json > 0 && json > html;
}

/** Sends a JSON-LD document with the right media type. */
export function jsonLd(c: Context, doc: unknown, type = "application/ld+json"): Response {
  c.header("Vary", "Accept", { append: true });
  return c.body(JSON.stringify(doc, null, 2), 200, { "Content-Type": `${type}; charset=utf-8`, "Access-Control-Allow-Origin": "*" });
}
