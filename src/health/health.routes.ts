import { Hono } from "hono";
import { sql, type Kysely } from "kysely";

/** Liveness for load balancers: 200 once the database answers. */
export function healthRoutes(d: { db: Kysely<any> }) {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    try {
      await sql`select 1`.execute(d.db);
      return c.json({ status: "ok" });
    } catch {
      return c.json({ status: "unavailable" }, 503);
    }
  });
  return app;
}
