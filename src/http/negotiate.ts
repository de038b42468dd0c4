import type { Context } from "hono";

/**
 * True when the client wants JSON-LD rather than a page. OB 3.0 Impl. Guide: serve JSON-LD for
 * application/ld+json, application/json or no Accept header; HTML for browsers (text/html).
 */
export function wantsJsonLd(c: Context): boolean {
  const accept = c.req.header("Accept");
  if (!accept) return true;
  const ranked = accept.split(",").map((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const score = (pred: (t: string) => boolean) => Math.max(0, ...ranked.filter((r) => pred(r.type)).map((r) => r.q));
  const json = score((t) => t === "application/ld+json" || t === "application/json" || t === "application/vc+ld+json");
  const html = score((t) => t === "text/html" || t === "application/xhtml+xml");
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
  const ranked = accept.split(",").map((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const score = (types: string[]) => Math.max(0, ...ranked.filter((r) => types.includes(r.type)).map((r) => r.q));
  const json = score(["application/ld+json", "application/json", "application/vc+ld+json"]);
  return json > 0 && json > score(["text/html", "application/xhtml+xml"]);
}

/** Sends a JSON-LD document with the right media type. */
export function jsonLd(c: Context, doc: unknown, type = "application/ld+json"): Response {
  c.header("Vary", "Accept", { append: true });
  return c.body(JSON.stringify(doc, null, 2), 200, { "Content-Type": `${type}; charset=utf-8`, "Access-Control-Allow-Origin": "*" });
}
