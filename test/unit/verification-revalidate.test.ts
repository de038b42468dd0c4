import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteFetch } from "../../src/verification/remote-fetch.ts";

// Status lists are cached (max-age) but a status check asks again with the ETag: a revocation
// shows at once, and an unchanged list costs a 304 without a body.
describe("remote fetch: revalidation with ETag", () => {
  let server: Server;
  let base: string;
  let version = 1;
  // What /status/changing answers with once its list changed (the first answer is always cacheable).
  let changedCacheControl = "no-store";
  const seen: Array<{ ifNoneMatch: string | undefined; status: number }> = [];
  const seenChanging: Array<{ ifNoneMatch: string | undefined; version: number }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith("/status/changing")) {
        const v = seenChanging.length === 0 ? 1 : 2;
        seenChanging.push({ ifNoneMatch: req.headers["if-none-match"], version: v });
        const cacheControl = v === 1 ? "public, max-age=300" : changedCacheControl;
        return res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": cacheControl, ETag: `"v${v}"` }).end(JSON.stringify({ version: v }));
      }
      const etag = `"v${version}"`;
      const headers = { "Content-Type": "application/json", "Cache-Control": "public, max-age=300", ETag: etag };
      const status = req.headers["if-none-match"] === etag ? 304 : 200;
      seen.push({ ifNoneMatch: req.headers["if-none-match"], status });
      if (status === 304) return res.writeHead(304, headers).end();
      res.writeHead(200, headers).end(JSON.stringify({ version }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("reuses a cached answer, revalidates it on request, and takes the new one when it changed", async () => {
    const f = createRemoteFetch({ allowPrivateAddress: true, timeoutMs: 1000, maxBytes: 1024 });
    const url = `${base}/status/revocation`;
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 1 } } });
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 1 } } });
    expect(seen).toEqual([{ ifNoneMatch: undefined, status: 200 }]); // the second read came from the cache

    expect(await f.getJson(url, { revalidate: true })).toEqual({ ok: true, value: { url, json: { version: 1 } } });
    expect(seen[1]).toEqual({ ifNoneMatch: '"v1"', status: 304 });

    version = 2; // e.g. a credential was revoked: the list changed
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 1 } } }); // within max-age
    expect(await f.getJson(url, { revalidate: true })).toEqual({ ok: true, value: { url, json: { version: 2 } } });
    expect(seen[2]).toEqual({ ifNoneMatch: '"v1"', status: 200 });
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 2 } } }); // the new answer is cached
    expect(seen).toHaveLength(3);
  });

  // A revalidation answered 200 but "no-store" must not leave the old list cached: the next
  // (non-revalidating) read goes to the site again instead of reading the stale entry.
  it.each(["no-store", "no-cache", "private, max-age=300"])("drops the cached list when a revalidation answers 200 with %s", async (cacheControl) => {
    changedCacheControl = cacheControl;
    seenChanging.length = 0;
    const f = createRemoteFetch({ allowPrivateAddress: true, timeoutMs: 1000, maxBytes: 1024 });
    const url = `${base}/status/changing`;
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 1 } } });
    expect(await f.getJson(url, { revalidate: true })).toEqual({ ok: true, value: { url, json: { version: 2 } } });
    expect(seenChanging[1]).toEqual({ ifNoneMatch: '"v1"', version: 2 });
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 2 } } });
    expect(seenChanging).toHaveLength(3); // asked again: nothing was cached
    expect(seenChanging[2]!.ifNoneMatch).toBeUndefined(); // and not with the stale entry's ETag either
  });

  it("replaces the cached list when a revalidation answers 200 with a new cacheable one", async () => {
    changedCacheControl = "public, max-age=300";
    seenChanging.length = 0;
    const f = createRemoteFetch({ allowPrivateAddress: true, timeoutMs: 1000, maxBytes: 1024 });
    const url = `${base}/status/changing`;
    await f.getJson(url);
    expect(await f.getJson(url, { revalidate: true })).toEqual({ ok: true, value: { url, json: { version: 2 } } });
    expect(await f.getJson(url)).toEqual({ ok: true, value: { url, json: { version: 2 } } });
    expect(seenChanging).toHaveLength(2); // the new answer came from the cache
  });
});
