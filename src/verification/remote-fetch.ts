import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { err, ok, type Result } from "../shared/result.ts";
import { isPrivateAddress } from "./private-address.ts";

/** Why a remote document could not be read; each kind becomes one clear sentence for the verifier. */
export type RemoteError =
  | { kind: "bad-url"; url: string }
  | { kind: "scheme"; url: string }
  | { kind: "private-address"; url: string; address: string }
  | { kind: "dns"; url: string }
  | { kind: "timeout"; url: string; ms: number }
  | { kind: "too-large"; url: string; max: number }
  | { kind: "redirects"; url: string }
  | { kind: "network"; url: string; detail: string }
  | { kind: "status"; url: string; status: number; json?: unknown }
  | { kind: "not-json"; url: string; contentType: string };

/** A remote answer, read in full (within the size limit). */
export interface RemoteResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
}

export interface RemoteFetchOptions {
  allowPrivateAddress: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** How long a successful answer is reused (shortened by the answer's Cache-Control). */
  cacheTtlMs?: number;
  cacheEntries?: number;
  maxRedirects?: number;
}

/** How one read uses the cache. */
export interface GetOptions {
  /** Asks the site again even within the cached lifetime (If-None-Match with the cached ETag, a 304 reuses the body). */
  revalidate?: boolean;
}

/** Time-, size- and address-limited GET of other sites' documents, with a small cache. */
export interface RemoteFetch {
  get(url: string, accept: string, opts?: GetOptions): Promise<Result<RemoteResponse, RemoteError>>;
  /** A JSON document: 2xx and not HTML, else a RemoteError ("status" carries a JSON body when there is one). */
  getJson(url: string, opts?: GetOptions): Promise<Result<{ url: string; json: unknown }, RemoteError>>;
}

export const JSON_ACCEPT = "application/ld+json, application/json;q=0.9, application/vc+ld+json;q=0.9, */*;q=0.1";

class FetchFailure extends Error {
  readonly failure: RemoteError;
  constructor(failure: RemoteError) {
    super(failure.kind);
    this.failure = failure;
  }
}

// The connection goes to the very address that was checked (no second DNS answer can differ: no
// DNS rebinding). Node calls this with `all` set when it tries several families.
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: (...args: any[]) => void) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) return callback(Object.assign(new Error("private address"), { code: "EPRIVATE", address: refused.address }));
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(Object.assign(new Error("no address"), { code: "ENOTFOUND" }));
    });
  };
}

// Cache-Control decides how long an answer may be reused, never longer than our own ceiling.
function cacheTtl(header: string | undefined, ceiling: number): number {
  if (!header) return ceiling;
  if (/no-store|no-cache|private/i.test(header)) return 0;
  const maxAge = /max-age=(\d+)/i.exec(header)?.[1];
  return maxAge === undefined ? ceiling : Math.min(ceiling, Number(maxAge) * 1000);
}

interface Hop {
  status: number;
  location?: string;
  contentType: string;
  cacheControl?: string;
  etag?: string;
  body: Buffer;
}

/** Builds the fetcher the verifier uses for keys, status lists, OB 2.0 hosted objects and URLs given to it. */
export function createRemoteFetch(options: RemoteFetchOptions): RemoteFetch {
  const ceiling = options.cacheTtlMs ?? 60_000;
  const maxEntries = options.cacheEntries ?? 200;
  const maxRedirects = options.maxRedirects ?? 3;
  const cache = new Map<string, { expires: number; value: RemoteResponse; etag?: string }>();
  const lookup = guardedLookup(options.allowPrivateAddress);

  function hop(url: URL, accept: string, signal: AbortSignal, etag?: string): Promise<Hop> {
    return new Promise((resolve, reject) => {
      const host = url.hostname.replace(/^\[|\]$/g, "");
      if (isIP(host) && !options.allowPrivateAddress && isPrivateAddress(host)) {
        return reject(new FetchFailure({ kind: "private-address", url: url.href, address: host }));
      }
      const client = url.protocol === "https:" ? https : http;
      const headers = { Accept: accept, "User-Agent": "FranceBadge-verifier", ...(etag ? { "If-None-Match": etag } : {}) };
      const req = client.get(url, { headers, lookup: lookup as any, signal }, (res) => {
        const length = Number(res.headers["content-length"] ?? 0);
        if (length > options.maxBytes) {
          res.destroy();
          return reject(new FetchFailure({ kind: "too-large", url: url.href, max: options.maxBytes }));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            res.destroy();
            reject(new FetchFailure({ kind: "too-large", url: url.href, max: options.maxBytes }));
          } else chunks.push(chunk);
        });
        res.on("error", reject);
        // A body cut off by the deadline ends in "close" without "end".
        res.on("close", () => { if (!res.complete) reject(signal.aborted ? signal.reason : new Error("connection closed")); });
        res.on("end", () => resolve({
          status: res.statusCode ?? 0, location: res.headers.location, contentType: String(res.headers["content-type"] ?? ""),
          cacheControl: res.headers["cache-control"], etag: res.headers.etag, body: Buffer.concat(chunks),
        }));
      });
      req.on("error", reject);
    });
  }

  function describe(error: unknown, url: string, signal: AbortSignal): RemoteError {
    if (error instanceof FetchFailure) return error.failure;
    const e = error as { code?: string; address?: string; message?: string; name?: string };
    if (signal.aborted || e.name === "AbortError") return { kind: "timeout", url, ms: options.timeoutMs };
    if (e.code === "EPRIVATE") return { kind: "private-address", url, address: e.address ?? "" };
    if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN" || e.code === "ENODATA") return { kind: "dns", url };
    return { kind: "network", url, detail: e.code ?? e.message ?? "error" };
  }

  async function fetchFresh(start: URL, accept: string, etag?: string): Promise<Result<RemoteResponse & { ttl: number; etag?: string }, RemoteError>> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    let url = start;
    try {
      for (let redirects = 0; ; redirects++) {
        const answer = await hop(url, accept, signal, etag);
        if (answer.status >= 300 && answer.status < 400 && answer.location) {
          if (redirects >= maxRedirects) return err({ kind: "redirects", url: start.href });
          url = new URL(answer.location, url);
          if (url.protocol !== "https:" && url.protocol !== "http:") return err({ kind: "scheme", url: url.href });
          continue;
        }
        const ttl = cacheTtl(answer.cacheControl, ceiling);
        return ok({ url: url.href, status: answer.status, contentType: answer.contentType, body: answer.body, ttl, ...(answer.etag ? { etag: answer.etag } : {}) });
      }
    } catch (error) {
      return err(describe(error, url.href, signal));
    }
  }

  async function get(raw: string, accept: string, opts: GetOptions = {}): Promise<Result<RemoteResponse, RemoteError>> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return err({ kind: "bad-url", url: raw });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return err({ kind: "scheme", url: raw });
    url.hash = "";
    const key = `${accept}\n${url.href}`;
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now() && !opts.revalidate) {
      cache.delete(key);
      cache.set(key, hit); // most recently used goes last
      return ok(hit.value);
    }
    const live = hit && hit.expires > Date.now() ? hit : undefined;
    const fresh = await fetchFresh(url, accept, live?.etag);
    if (!fresh.ok) return fresh;
    const { ttl, etag, ...value } = fresh.value;
    if (value.status === 304 && live) return ok(live.value);
    // Any other answer supersedes the cached one, even when it may not be stored itself (no-store,
    // an error status): else a revalidated status list would still be read from the old entry.
    cache.delete(key);
    if (ttl > 0 && value.status === 200) {
      cache.set(key, { expires: Date.now() + ttl, value, ...(etag ? { etag } : {}) });
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    }
    return ok(value);
  }

  return {
    get,
    async getJson(url, opts) {
      const got = await get(url, JSON_ACCEPT, opts);
      if (!got.ok) return got;
      const r = got.value;
      const json = parseJsonBody(r);
      if (r.status < 200 || r.status >= 300) return err({ kind: "status", url: r.url, status: r.status, ...(json === undefined ? {} : { json }) });
      if (json === undefined) return err({ kind: "not-json", url: r.url, contentType: r.contentType || "?" });
      return ok({ url: r.url, json });
    },
  };
}

/** The body as JSON, or undefined when it is HTML or not JSON at all. */
export function parseJsonBody(r: { contentType: string; body: Buffer }): unknown {
  if (/html|xml/i.test(r.contentType)) return undefined;
  const text = r.body.toString("utf8").replace(/^\uFEFF/, "").trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
