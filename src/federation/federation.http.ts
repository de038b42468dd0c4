import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../http/env.ts";
import type { Guards } from "../http/guards.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { TokensService } from "../tokens/tokens.service.ts";
import { federationApiRoutes } from "./federation.api.ts";
import type { FederationServices } from "./federation-services.ts";
import { federationMiddlewares } from "./federation.ts";
import { federationRoutes } from "./federation.routes.ts";
import { endorsementRoutes } from "./endorsements.routes.ts";
import { frameworkSharingRoutes } from "./framework-sharing.routes.ts";

/** The federation feature's HTTP side for the composition root: ActivityPub middlewares, staff pages, API. */
export function federationHttp(d: {
  services: FederationServices; render: Render; guards: Guards; issuers: IssuersService; members: MembersService; tokens: TokensService; origin: string;
}) {
  const { federation, partners, sharing, reuse, endorsements } = d.services;
  // Disabled: nothing answers ActivityPub requests; partner pages still show what was received.
  const middlewares: MiddlewareHandler[] = federation ? federationMiddlewares(federation, partners) : [async (_c, next) => next()];
  const routes = new Hono<AppEnv>();
  routes.route("/", federationRoutes({ render: d.render, guards: d.guards, partners, sharing, reuse, endorsements, issuers: d.issuers, members: d.members, origin: d.origin }));
  routes.route("/", endorsementRoutes({ render: d.render, guards: d.guards, endorsements, partners, issuers: d.issuers, members: d.members }));
  routes.route("/", federationApiRoutes({ partners, issuers: d.issuers, tokens: d.tokens }));
  routes.route("/", frameworkSharingRoutes({ render: d.render, frameworkSharing: d.services.frameworkSharing }));
  return { middlewares, routes };
}
