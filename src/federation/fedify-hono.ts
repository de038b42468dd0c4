// Fedify behind Hono (upstream @fedify/hono is not on our registry): ActivityPub requests go to
// `federation.fetch()`, everything else — and browsers at the same URLs — falls through to Hono.
import type { Federation } from "@fedify/fedify";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/** Largest activity an inbox reads (a template Document with its proofs is well under 150 KiB). */
export const INBOX_MAX_BYTES = 256 * 1024;

/**
 * The bridge. `skip` keeps a request away from Fedify altogether (the issuer URL serves the OB
 * Profile to plain JSON-LD clients). Pitfall (research/federation.md §1.2): after `next()` the
 * context is finalised and a *returned* Response is ignored by Hono's compose, so the 406 must be
 * assigned to `c.res`, or clients get the inner 404.
 */
export function fedifyBridge(federation: Federation<void>, opts: { skip?: (c: Context) => boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (opts.skip?.(c)) return next();
    return federation.fetch(c.req.raw, {
      contextData: undefined,
      onNotFound: async () => {
        await next();
        return c.res;
      },
      onNotAcceptable: async () => {
        await next();
        if (c.res.status !== 404) return c.res; // Hono has a page for browsers at this URL
        c.res = new Response("Not Acceptable", { status: 406, headers: { Vary: "Accept" } });
        return c.res;
      },
    });
  };
}

/** True when the client asks for ActivityStreams (not plain JSON-LD, which gets the OB Profile). */
export function wantsActivityStreams(accept: string | undefined): boolean {
  if (!accept) return false;
  return /application\/activity\+json/i.test(accept) || /application\/ld\+json\s*;[^,]*profile\s*=\s*"?https:\/\/www\.w3\.org\/ns\/activitystreams/i.test(accept);
}

/** The signer's host named in a request's `Signature` (draft-cavage) or `Signature-Input` (RFC 9421) header. */
export function signerHost(headers: Headers): string | null {
  const raw = headers.get("Signature-Input") ?? headers.get("Signature") ?? "";
  const m = /keyid\s*=\s*"([^"]+)"/i.exec(raw);
  if (!m) return null;
  try {
    return new URL(m[1]!).host.toLowerCase();
  } catch {
    return null;
  }
}

const INBOX_PATH = /^\/(?:issuers\/([^/]+)\/)?inbox\/?$/;

/**
 * In front of the inboxes: size limit (413) and blocked domains (403), both before Fedify reads
 * the body or fetches the signer's key. `refuses(host, issuerSlug)`: slug null for the shared inbox.
 */
export function inboxGuard(opts: { refuses: (host: string, issuerSlug: string | null) => Promise<boolean>; maxBytes?: number }): MiddlewareHandler {
  const maxSize = opts.maxBytes ?? INBOX_MAX_BYTES;
  const limit = bodyLimit({ maxSize, onError: (c) => c.text("Payload Too Large", 413, { Connection: "close" }) });
  return async (c, next) => {
    const m = c.req.method === "POST" ? INBOX_PATH.exec(c.req.path) : null;
    if (!m) return next();
    const host = signerHost(c.req.raw.headers);
    if (host && (await opts.refuses(host, m[1] ? decodeURIComponent(m[1]) : null))) return c.text("Forbidden", 403);
    return limit(c, next);
  };
}
