import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import { errorResponse } from "../http/errors.ts";
import type { Render } from "../http/render.ts";
import type { FrameworkSharingService } from "./framework-sharing.service.ts";

/** Partners' competency frameworks, read-only: the list, each matrix with its origin, the CASE package received. */
export function frameworkSharingRoutes(d: { render: Render; frameworkSharing: FrameworkSharingService }) {
  const app = new Hono<AppEnv>();

  app.get("/partners/frameworks", async (c) => {
    const archived = c.req.query("archived") === "1";
    return d.render(c, "pages/federation/frameworks", { frameworks: await d.frameworkSharing.list({ archived }), archived });
  });

  app.get("/partners/frameworks/:id", async (c) => {
    const view = await d.frameworkSharing.view(c.req.param("id"));
    if (!view) return errorResponse(c, d.render, 404, "404");
    return d.render(c, "pages/federation/framework", { ...view });
  });

  app.get("/partners/frameworks/:id/case.json", async (c) => {
    const view = await d.frameworkSharing.view(c.req.param("id"));
    if (!view) return errorResponse(c, d.render, 404, "404");
    return c.body(view.row.case_json, 200, { "Content-Type": "application/json; charset=utf-8", "Content-Disposition": 'attachment; filename="framework.case.json"' });
  });
  return app;
}
