import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPrivateAddress } from "../../src/verification/private-address.ts";
import { createRemoteFetch } from "../../src/verification/remote-fetch.ts";

describe("remote fetch for the verifier", () => {
  let server: Server;
  let base: string;
  let hits = 0;
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      const path = req.url ?? "/";
      if (path === "/doc.json") return res.writeHead(200, { "Content-Type": "application/json" }).end('{"id":"doc"}');
      if (path === "/cached.json") return res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "max-age=60" }).end('{"n":1}');
      if (path === "/nostore.json") return res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end('{"n":1}');
      if (path === "/page") return res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><p>hello</p>");
      if (path === "/gone") return res.writeHead(410, { "Content-Type": "application/json" }).end('{"revoked":true,"revocationReason":"fraude"}');
      if (path === "/big") return res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ pad: "x".repeat(5000) }));
      if (path === "/slow") { const t = setTimeout(() => res.end("{}"), 3000); timers.add(t); return; }
      if (path.startsWith("/hop/")) {
        const n = Number(path.slice(5));
        return res.writeHead(302, { Location: n > 0 ? `/hop/${n - 1}` : "/doc.json" }).end();
      }
      if (path === "/to-file") return res.writeHead(302, { Location: "file:///etc/passwd" }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const fetcher = (o: Partial<Parameters<typeof createRemoteFetch>[0]> = {}) =>
    createRemoteFetch({ allowPrivateAddress: true, timeoutMs: 1000, maxBytes: 1024, ...o });

  it("reads JSON, and says when the answer is HTML, Gone, or too large", async () => {
    const f = fetcher();
    expect(await f.getJson(`${base}/doc.json`)).toEqual({ ok: true, value: { url: `${base}/doc.json`, json: { id: "doc" } } });
    expect(await f.getJson(`${base}/page`)).toEqual({ ok: false, error: { kind: "not-json", url: `${base}/page`, contentType: "text/html" } });
    expect(await f.getJson(`${base}/gone`)).toEqual({ ok: false, error: { kind: "status", url: `${base}/gone`, status: 410, json: { revoked: true, revocationReason: "fraude" } } });
    expect(await f.getJson(`${base}/big`)).toEqual({ ok: false, error: { kind: "too-large", url: `${base}/big`, max: 1024 } });
  });

  it("gives up on a slow answer at the deadline", async () => {
    const started = Date.now();
    const r = await fetcher({ timeoutMs: 300 }).getJson(`${base}/slow`);
    expect(r).toEqual({ ok: false, error: { kind: "timeout", url: `${base}/slow`, ms: 300 } });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("follows three redirects, not four, and never to another scheme", async () => {
    const f = fetcher();
    expect((await f.getJson(`${base}/hop/2`)).ok).toBe(true);
    expect(await f.getJson(`${base}/hop/3`)).toEqual({ ok: false, error: { kind: "redirects", url: `${base}/hop/3` } });
    expect(await f.getJson(`${base}/to-file`)).toEqual({ ok: false, error: { kind: "scheme", url: "file:///etc/passwd" } });
    expect(await f.getJson("ftp://example.org/x")).toEqual({ ok: false, error: { kind: "scheme", url: "ftp://example.org/x" } });
  });

  it("refuses loopback and private addresses unless allowed (IP literal and DNS name)", async () => {
    const f = fetcher({ allowPrivateAddress: false });
    expect(await f.getJson(`${base}/doc.json`)).toEqual({ ok: false, error: { kind: "private-address", url: `${base}/doc.json`, address: "127.0.0.1" } });
    const byName = await f.getJson(base.replace("127.0.0.1", "localhost") + "/doc.json");
    expect(byName.ok === false && byName.error.kind).toBe("private-address");
    const loop6 = await f.getJson("http://[::1]:9/x");
    expect(loop6.ok === false && loop6.error.kind).toBe("private-address");
    const v6 = await f.getJson("http://[::ffff:127.0.0.1]:9/x");
    expect(v6.ok === false && v6.error.kind).toBe("private-address");
  });

  it("caches successful answers within their Cache-Control", async () => {
    const f = fetcher();
    const before = hits;
    await f.getJson(`${base}/cached.json`);
    await f.getJson(`${base}/cached.json`);
    expect(hits - before).toBe(1);
    await f.getJson(`${base}/nostore.json`);
    await f.getJson(`${base}/nostore.json`);
    expect(hits - before).toBe(3);
  });

  it("classifies addresses (IPv4, IPv6, mapped, NAT64)", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "not-an-ip"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(isPrivateAddress(a), a).toBe(false);
  });
});
