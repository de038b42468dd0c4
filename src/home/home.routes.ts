import { Hono } from "hono";
import type { AppEnv } from "../http/env.ts";
import type { Render } from "../http/render.ts";
import type { MembersService } from "../members/members.service.ts";

/** The home page: what this node is, and the signed-in person's spaces. */
export function homeRoutes(d: { members: MembersService; render: Render }) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const user = c.get("user");
    const rows = user ? await d.members.membershipsOf(user.id) : [];
    const bySlug = new Map<string, { slug: string; name: string; roles: string[] }>();
    for (const r of rows) bySlug.set(r.slug, { slug: r.slug, name: r.name, roles: [...(bySlug.get(r.slug)?.roles ?? []), r.role] });
    return d.render(c, "pages/home", { spaces: [...bySlug.values()] });
  });
  return app;
}
