import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { NodeUrls } from "../credentials/urls.ts";
import type { AppEnv } from "../http/env.ts";
import { wantsJsonLd } from "../http/negotiate.ts";
import type { DownloadsService } from "./downloads.service.ts";

// ob3.md §3.1: serve application/ld+json by default, application/json to a client that accepts
// only that, and people (browsers) go to the credential page.
function sendOb2(c: Context, doc: unknown, status: ContentfulStatusCode = 200): Response {
  const accept = c.req.header("Accept") ?? "";
  const type = accept.includes("application/json") && !accept.includes("application/ld+json") ? "application/json" : "application/ld+json";
  return c.body(JSON.stringify(doc, null, 2), status, {
    "Content-Type": `${type}; charset=utf-8`, "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache", Vary: "Accept",
  });
}

/** OB 2.0 hosted Assertions (410 once revoked) and issuers' RevocationLists. */
export function ob2Routes(d: { downloads: DownloadsService; urls: NodeUrls }) {
  const app = new Hono<AppEnv>();

  app.get("/ob2/assertions/:id", async (c) => {
    const id = c.req.param("id");
    const answer = await d.downloads.ob2Assertion(id);
    if (!answer) return sendOb2(c, { error: "not-found" }, 404);
    // OB 2.0 hosted verification: a revoked Assertion answers 410 Gone, whoever asks.
    if (answer.gone) return sendOb2(c, answer.doc, 410);
    if (!wantsJsonLd(c)) return c.redirect(d.urls.credential(id), 303);
    return sendOb2(c, answer.doc);
  });

  app.get("/ob2/issuers/:issuer/revocations", async (c) => {
    const list = await d.downloads.ob2RevocationList(c.req.param("issuer"));
    return list ? sendOb2(c, list) : sendOb2(c, { error: "not-found" }, 404);
  });
  return app;
}
