import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import type { Guards } from "../http/guards.ts";
import { asksForJsonLd, jsonLd } from "../http/negotiate.ts";
import { isReservedSlug } from "../issuers/issuers.schema.ts";
import type { Render } from "../http/render.ts";
import type { KeyDocuments } from "./key-documents.ts";

/** The issuer Profile (also its controller document) by content negotiation, and each key's own URL. */
export function keysRoutes(d: { documents: KeyDocuments; guards: Guards; render: Render }) {
  const app = new Hono<AppEnv>();
  // Same URL as the HTML issuer page: clients that ask for JSON-LD get the Profile; browsers,
  // curl (Accept: */*) and reserved words (/issuers/new) fall through to the pages.
  app.get("/issuers/:issuer", async (c, next) => {
    if (isReservedSlug(c.req.param("issuer")) || !asksForJsonLd(c)) return next();
    return d.guards.loadIssuer(c, async () => {
      c.res = jsonLd(c, await d.documents.controllerProfile(c.get("issuer")));
    });
  });
  app.get("/issuers/:issuer/keys/:kid", d.guards.loadIssuer, async (c) => {
    const doc = await d.documents.keyDocument(c.get("issuer"), c.req.param("kid"));
    return doc ? jsonLd(c, doc) : errorResponse(c, d.render, 404, "404");
  });
  return app;
}
