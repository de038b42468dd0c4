import { Hono, type Context } from "hono";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { wantsJson } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import { formFields, safeNext } from "../http/form.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { FieldErrors } from "../shared/result.ts";
import { parseInput } from "../shared/validation.ts";
import { defaultDesign, designSettings, imagePath, SVG_TYPE, type DesignSettings } from "./images.schema.ts";
import type { ImagesService } from "./images.service.ts";

export interface ImagesRoutesDeps {
  images: ImagesService;
  render: Render;
  cookies: CookieKit;
  guards: Guards;
}

const FILE_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(png|svg)$/;

/**
 * Public image files. Mounted before the node's global security headers because images need
 * their own: other sites and backpacks embed badge images (Cross-Origin-Resource-Policy
 * cross-origin, where pages say same-site), and an SVG opened directly must run nothing
 * (a CSP that allows no script, no fetch, only its inline styles).
 */
export function imageFilesRoutes(d: { images: ImagesService }) {
  const app = new Hono();
  app.get("/images/:file", async (c) => {
    const match = FILE_NAME.exec(c.req.param("file"));
    const image = match ? await d.images.find(match[1]!) : undefined;
    const kind = match?.[2];
    if (!image || (kind === "svg" && image.media_type !== SVG_TYPE)) return c.text("Not Found", 404, { "X-Content-Type-Options": "nosniff" });
    // Rows are immutable and the id names one content: cache forever.
    const etag = kind === "svg" ? `"${image.sha256}"` : `"${image.sha256}-png"`;
    const headers: Record<string, string> = {
      "Content-Type": kind === "svg" ? `${SVG_TYPE}; charset=utf-8` : "image/png",
      "Cache-Control": "public, max-age=31536000, immutable",
      ETag: etag,
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
      "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "cross-origin",
    };
    if (c.req.header("If-None-Match")?.split(",").some((t) => t.trim() === etag)) return c.body(null, 304, headers);
    return c.body(new Uint8Array(kind === "svg" ? image.original : image.png), 200, headers);
  });
  return app;
}

/** Appends `image=<id>` to a local path (the page that asked for an image). */
function withImage(next: string, imageId: string): string {
  const url = new URL(next, "http://local.invalid");
  url.searchParams.set("image", imageId);
  return url.pathname + url.search + url.hash;
}

/** The page the designer returns to, when it is a safe local path. */
const nextOf = (value: string | undefined) => safeNext(value, "") || null;

/** Upload and designer pages of an issuer space (role creator). */
export function imagesRoutes(d: ImagesRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { guards } = d;
  const creator = [guards.loadIssuer, guards.requireRole("creator")] as const;

  const designerPage = (c: Context<AppEnv>, data: { form: Record<string, unknown>; svg?: string; errors?: FieldErrors; next: string | null; saved?: unknown }, status: 200 | 422 = 200) =>
    d.render(c, "pages/images/designer", { issuer: c.get("issuer"), ...data }, status);

  app.get("/issuers/:issuer/images/designer", ...creator, async (c) => {
    const from = c.req.query("from");
    const reopened = from ? await d.images.designOf(from, c.get("issuer").id) : undefined;
    const settings: DesignSettings = reopened?.settings ?? defaultDesign;
    return designerPage(c, { form: settings, svg: d.images.renderDesign(settings, 256), next: nextOf(c.req.query("next")), saved: reopened?.image });
  });

  // htmx live preview: the designer form posts here on every change.
  app.post("/issuers/:issuer/images/designer/preview", ...creator, async (c) => {
    const parsed = parseInput(designSettings, await formFields(c));
    if (!parsed.ok) return d.render(c, "partials/images/preview", { errors: parsed.error }, 422);
    return d.render(c, "partials/images/preview", { svg: d.images.renderDesign(parsed.value, 256) });
  });

  app.post("/issuers/:issuer/images/designer", ...creator, async (c) => {
    const fields = await formFields(c);
    const next = nextOf(fields.next);
    // Without JavaScript the "Preview" button posts here: show the drawing, store nothing.
    if (fields.action === "preview") {
      const parsed = parseInput(designSettings, fields);
      if (!parsed.ok) return designerPage(c, { form: fields, errors: parsed.error, next }, 422);
      return designerPage(c, { form: parsed.value, svg: d.images.renderDesign(parsed.value, 256), next });
    }
    const saved = await d.images.design(c.get("actor"), c.get("issuer"), fields);
    if (!saved.ok) return designerPage(c, { form: fields, errors: saved.error, next }, 422);
    if (next) return c.redirect(withImage(next, saved.value.id), 303);
    setFlash(c, d.cookies, { key: "images.saved" });
    return c.redirect(`/issuers/${c.get("issuer").slug}/images/designer?from=${saved.value.id}`, 303);
  });

  // Upload (multipart field `image`): JSON for API-like clients, else the picker partial (htmx).
  app.post("/issuers/:issuer/images", ...creator, async (c) => {
    const body = await c.req.parseBody();
    const file = body.image instanceof File ? body.image : null;
    const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array();
    const result = await d.images.upload(c.get("actor"), c.get("issuer"), { bytes, mediaType: file?.type, filename: file?.name });
    if (wantsJson(c)) {
      if (!result.ok) return c.json({ errors: Object.entries(result.error).map(([field, key]) => ({ field, message: c.get("t")(key) })) }, 422);
      return c.json({ id: result.value.id, url: imagePath(result.value.id), mediaType: result.value.media_type, width: result.value.width, height: result.value.height }, 201);
    }
    // A failed upload keeps the image the form had (htmx sends it along with the file).
    const previous = typeof body.imageId === "string" && /^[0-9a-f-]{36}$/.test(body.imageId) ? body.imageId : null;
    const current = c.req.header("HX-Current-URL");
    const page = current && URL.canParse(current) ? new URL(current) : null;
    return d.render(c, "partials/images/picker", {
      issuerSlug: c.get("issuer").slug,
      imageId: result.ok ? result.value.id : previous,
      errors: result.ok ? {} : result.error,
      returnTo: safeNext(page ? page.pathname + page.search : undefined, `/issuers/${c.get("issuer").slug}`),
    }, result.ok ? 200 : 422);
  });

  return app;
}
