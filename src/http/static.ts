import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";

const staticDir = join(import.meta.dirname, "..", "..", "static");

/** Our own assets from static/, and htmx straight from the installed package (no copy committed). */
export function staticRoutes() {
  const app = new Hono();
  const htmxPath = createRequire(import.meta.url).resolve("htmx.org/dist/htmx.min.js");
  const htmx = readFileSync(htmxPath);
  app.get("/static/htmx.min.js", (c) =>
    c.body(htmx, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=86400" }));
  app.use("/static/*", async (c, next) => {
    await next();
    if (c.res.ok) c.header("Cache-Control", "public, max-age=3600");
  });
  app.use("/static/*", serveStatic({ root: staticDir, rewriteRequestPath: (p) => p.replace(/^\/static/, "") }));
  return app;
}
