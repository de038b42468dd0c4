import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import type { Render } from "../http/render.ts";
import type { DownloadFile, DownloadsService } from "./downloads.service.ts";

// `/credentials/:file` (the page and its signed JSON) would also match `x.png`: these routes are
// mounted before it and take only their own extensions.
const IMAGE_FILE = "/credentials/:file{[^/]+\\.(?:png|svg)}";
const PDF_FILE = "/credentials/:file{[^/]+\\.pdf}";

const splitFile = (file: string) => {
  const dot = file.lastIndexOf(".");
  return { id: file.slice(0, dot), ext: file.slice(dot + 1) };
};

// Baked images are files other sites and backpacks fetch or embed (as for /images/…): they get
// their own headers, and an SVG opened directly may run nothing (its PNG travels as data:).
function fileHeaders(file: DownloadFile, type: string, cache: string): Record<string, string> {
  return {
    "Content-Type": type,
    "Content-Disposition": `attachment; filename="${file.filename}"`,
    "Cache-Control": cache,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
  };
}

const notFound = (c: Context) => c.text("Not Found", 404, { "X-Content-Type-Options": "nosniff" });

/**
 * Baked badge files (mounted before the global security headers, like image files): OB 3.0 PNG
 * and SVG, the OB 2.0 baked PNG, and the default image of templates without one.
 */
export function downloadFilesRoutes(d: { downloads: DownloadsService }) {
  const app = new Hono();

  app.get(IMAGE_FILE, async (c) => {
    const { id, ext } = splitFile(c.req.param("file"));
    const file = ext === "png" ? await d.downloads.bakedPng(id) : await d.downloads.bakedSvg(id);
    if (!file) return notFound(c);
    const type = ext === "png" ? "image/png" : "image/svg+xml; charset=utf-8";
    // The signed credential never changes; its status lives in the status list, not in the file.
    return c.body(new Uint8Array(file.bytes), 200, fileHeaders(file, type, "public, max-age=3600"));
  });

  app.get("/ob2/assertions/:file{[^/]+\\.png}", async (c) => {
    const answer = await d.downloads.ob2BakedPng(splitFile(c.req.param("file")).id);
    if (!answer) return notFound(c);
    if (answer.gone) return c.json(answer.doc, 410, { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" });
    // OB 2.0 hosted badges are checked live: a revocation must show at once.
    return c.body(new Uint8Array(answer.bytes), 200, fileHeaders(answer, "image/png", "no-cache"));
  });

  app.get("/achievements/:id/image.png", async (c) => {
    const png = await d.downloads.defaultImage(c.req.param("id"));
    if (!png) return notFound(c);
    return c.body(new Uint8Array(png), 200, {
      "Content-Type": "image/png", "Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "cross-origin", "Access-Control-Allow-Origin": "*",
    });
  });
  return app;
}

/** The PDF certificate, in the reader's language (after the request context: it needs the locale). */
export function downloadsRoutes(d: { downloads: DownloadsService; render: Render }) {
  const app = new Hono<AppEnv>();
  app.get(PDF_FILE, async (c) => {
    const file = await d.downloads.certificatePdf(splitFile(c.req.param("file")).id, c.get("locale"));
    if (!file) return errorResponse(c, d.render, 404, "404");
    return c.body(new Uint8Array(file.bytes), 200, {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "private, max-age=300",
      "Content-Language": c.get("locale"),
      Vary: "Accept-Language, Cookie",
    });
  });
  return app;
}
