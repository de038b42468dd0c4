import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { CookieKit } from "../http/cookies.ts";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import { setFlash } from "../http/flash.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import { renderMessage } from "../verification/messages.ts";
import { createRateLimiter } from "../verification/rate-limit.ts";
import { importedFile, type ImportError, type ImportInput } from "./backpack-import.service.ts";
import type { BackpackService } from "./backpack.service.ts";

// Multipart framing and the other fields come on top of the file itself.
const FORM_OVERHEAD = 64 * 1024;
// Each import may fetch keys, status lists and hosted objects from other sites: enough for a learner
// bringing in a whole past, not enough to use this node as a fetcher. Counted per account.
const IMPORTS_AT_ONCE = 20;
const IMPORTS_PER_HOUR = 20;

const text = (v: unknown) => (typeof v === "string" ? v.trim() : "");

/** Reads the import form: a file first, then pasted JSON, then a URL. */
async function readImport(c: Context<AppEnv>): Promise<{ input: ImportInput | null; fields: Record<string, string> }> {
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return { input: null, fields: {} };
  }
  const fields = { json: text(body.json), url: text(body.url) };
  const file = body.file;
  if (file instanceof File && file.size > 0) return { input: { bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name }, fields };
  if (fields.json) return { input: { json: fields.json }, fields };
  if (fields.url) return { input: { url: fields.url }, fields };
  return { input: null, fields };
}

/** Importing badges from elsewhere into the backpack, their page, their JSON, their removal. */
export function backpackImportRoutes(d: { backpack: BackpackService; render: Render; cookies: CookieKit; guards: Guards }) {
  const app = new Hono<AppEnv>();
  const mine = d.guards.requireUser;
  const maxBytes = d.backpack.maxImportBytes;
  const mb = Math.round(maxBytes / 104857.6) / 10;

  // The verifier's reasons, in the reader's language: "not imported because …".
  function problem(c: Context<AppEnv>, e: ImportError): { error: string; params?: Record<string, string | number>; reasons?: string[] } {
    if (e.code === "not-verified") return { error: "backpack.import.notVerified", params: { verdict: c.get("t")(`verification.verdict.${e.verdict}`) }, reasons: e.reasons.map((m) => renderMessage(c.get("t"), m)) };
    if (e.code === "too-large") return { error: "backpack.import.tooLarge", params: { mb } };
    return { error: `backpack.import.${e.code}` };
  }

  const limiter = createRateLimiter({ capacity: IMPORTS_AT_ONCE, perSecond: IMPORTS_PER_HOUR / 3600 });
  const form = (c: Context<AppEnv>, data: Record<string, unknown> = {}, status: 200 | 413 | 422 | 429 = 200) => d.render(c, "pages/backpack/import", { fields: {}, maxMb: mb, ...data }, status);
  const sizeLimit = bodyLimit({ maxSize: maxBytes + FORM_OVERHEAD, onError: (c) => form(c as Context<AppEnv>, { problem: { error: "backpack.import.tooLarge", params: { mb } } }, 413) });

  app.get("/backpack/import", mine, (c) => form(c));
  app.post("/backpack/import", mine, sizeLimit, async (c) => {
    const { input, fields } = await readImport(c);
    if (!input) return form(c, { fields, problem: { error: "backpack.import.empty" } }, 422);
    const taken = limiter.take(c.get("user")!.id);
    if (!taken.ok) {
      c.header("Retry-After", String(taken.retryAfterSeconds));
      return form(c, { fields, problem: { error: "backpack.import.rateLimited", params: { seconds: taken.retryAfterSeconds } } }, 429);
    }
    const done = await d.backpack.importBadge(c.get("user")!, input);
    if (!done.ok) return form(c, { fields, problem: problem(c, done.error) }, done.error.code === "too-large" ? 413 : 422);
    setFlash(c, d.cookies, { key: done.value.created ? "backpack.import.done" : "backpack.import.already", params: { name: done.value.entry.external_name ?? "" } });
    return c.redirect("/backpack", 303);
  });

  app.get("/backpack/imported/:id", async (c) => {
    const entry = await d.backpack.external(c.req.param("id"), c.get("user"));
    return entry ? d.render(c, "pages/backpack/imported", { entry, owner: c.get("user")?.id === entry.user_id }) : errorResponse(c, d.render, 404, "404");
  });
  // The file as it verifies: .jwt for a badge imported as a VC-JWT, .json otherwise (either address works).
  const download = async (c: Context<AppEnv>) => {
    const entry = await d.backpack.external(c.req.param("id")!, c.get("user"));
    if (!entry) return errorResponse(c, d.render, 404, "404");
    const file = importedFile(entry);
    return c.body(file.text, 200, { "Content-Type": file.contentType, "Content-Disposition": `attachment; filename="badge-${entry.id.slice(0, 8)}.${file.extension}"` });
  };
  app.get("/backpack/imported/:id/credential.json", download);
  app.get("/backpack/imported/:id/credential.jwt", download);
  app.post("/backpack/imported/:id/delete", mine, async (c) => {
    if (!(await d.backpack.removeExternal(c.get("user")!, c.req.param("id")))) return errorResponse(c, d.render, 404, "404");
    setFlash(c, d.cookies, { key: "backpack.import.removed" });
    return c.redirect("/backpack", 303);
  });
  return app;
}
