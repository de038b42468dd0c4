import type { Context, MiddlewareHandler } from "hono";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { Role } from "../members/roles.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse, wantsJson } from "./errors.ts";
import type { Render } from "./render.ts";

/** Route guards: sign-in, node administration, and roles on the issuer named in the URL. */
export function createGuards(deps: { render: Render; issuers: IssuersService; members: MembersService }) {
  const unauthenticated = (c: Context<AppEnv>) => {
    if (wantsJson(c) || c.req.method !== "GET") return errorResponse(c, deps.render, 401, "401");
    return c.redirect(`/login?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search))}`, 303);
  };

  const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => (c.get("user") ? next() : unauthenticated(c));

  const requireNodeAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
    const user = c.get("user");
    if (!user) return unauthenticated(c);
    return user.is_node_admin === 1 ? next() : errorResponse(c, deps.render, 403, "403");
  };

  /** Loads the issuer of `:issuer` (404 if unknown) and the caller's roles in it. */
  const loadIssuer: MiddlewareHandler<AppEnv> = async (c, next) => {
    const issuer = await deps.issuers.findBySlug(c.req.param("issuer") ?? "");
    if (!issuer) return errorResponse(c, deps.render, 404, "404");
    c.set("issuer", issuer);
    c.set("roles", await deps.members.rolesOf(c.get("user"), issuer));
    return next();
  };

  /** Requires a role on the loaded issuer; the check is on the issuer in the URL, never on a form field. */
  const requireRole = (role: Role): MiddlewareHandler<AppEnv> => async (c, next) => {
    if (!c.get("user")) return unauthenticated(c);
    return c.get("roles").has(role) ? next() : errorResponse(c, deps.render, 403, "403");
  };

  return { requireUser, requireNodeAdmin, loadIssuer, requireRole };
}

export type Guards = ReturnType<typeof createGuards>;
