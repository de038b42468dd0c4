import { Hono } from "hono";
import type { HealthService } from "./health.service.ts";

/** Liveness for load balancers: 200 once the database answers. */
export function healthRoutes(d: { health: HealthService }) {
  const app = new Hono();
  app.get("/healthz", async (c) => ((await d.health.databaseAnswers()) ? c.json({ status: "ok" }) : c.json({ status: "unavailable" }, 503)));
  return app;
}
