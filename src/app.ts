import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Kysely } from "kysely";
import { getLogger } from "@logtape/logtape";
import { createAchievementsService } from "./achievements/achievements.service.ts";
import { accountsRoutes } from "./accounts/accounts.routes.ts";
import { createAccountsService } from "./accounts/accounts.service.ts";
import { adminRoutes } from "./admin/admin.routes.ts";
import { createAuditService } from "./audit/audit.service.ts";
import { authRoutes } from "./auth/auth.routes.ts";
import { createAuthService } from "./auth/auth.service.ts";
import type { Config } from "./config/config.schema.ts";
import type { Database } from "./db/database.ts";
import { healthRoutes } from "./health/health.routes.ts";
import { homeRoutes } from "./home/home.routes.ts";
import { cookieKit } from "./http/cookies.ts";
import { csrfProtection } from "./http/csrf.ts";
import type { AppEnv } from "./http/env.ts";
import { errorResponse } from "./http/errors.ts";
import { createGuards } from "./http/guards.ts";
import { createRenderer } from "./http/render.ts";
import { requestContext } from "./http/request-context.ts";
import { securityHeaders } from "./http/security.ts";
import { staticRoutes } from "./http/static.ts";
import { issuersRoutes } from "./issuers/issuers.routes.ts";
import { createIssuersService } from "./issuers/issuers.service.ts";
import { createJobQueue } from "./jobs/jobs.service.ts";
import { membersRoutes } from "./members/members.routes.ts";
import { createMembersService } from "./members/members.service.ts";
import { systemClock, type Clock } from "./shared/clock.ts";
import { createTokensService } from "./tokens/tokens.service.ts";
import { VERSION } from "./version.ts";

const log = getLogger(["francebadge", "http"]);

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  clock?: Clock;
}

/** Builds every service of the node from its config and database (no HTTP). */
export function createServices(deps: AppDeps) {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const audit = createAuditService({ db, clock });
  const accounts = createAccountsService({ db, clock, passwordHashCost: config.auth.passwordHashCost });
  const auth = createAuthService({
    db, clock, sessionDays: config.auth.sessionDays, maxFailedLogins: config.auth.maxFailedLogins,
    passwordLogin: config.auth.passwordLogin, findUserByEmail: accounts.findByEmail,
  });
  const issuers = createIssuersService({ db, clock, audit });
  const members = createMembersService({ db, clock, audit, accounts, issuers });
  const tokens = createTokensService({ db, clock, audit });
  const jobs = createJobQueue({ db, postgres: deps.dialect === "postgres", clock, ...config.jobs });
  const achievements = createAchievementsService({ db, clock, audit });
  return { clock, audit, accounts, auth, issuers, members, tokens, jobs, achievements };
}

export type Services = ReturnType<typeof createServices>;

/** Composition root: services, middlewares and every feature's routes. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  const services = createServices(deps);
  const https = config.origin.startsWith("https://");
  const cookies = cookieKit(https);
  const render = createRenderer({ cookies, version: VERSION, cache: config.production });
  const guards = createGuards({ render, issuers: services.issuers, members: services.members });
  const app = new Hono<AppEnv>();

  app.use(securityHeaders(https));
  app.route("/", healthRoutes({ db: deps.db }));
  app.route("/", staticRoutes());
  app.use(bodyLimit({ maxSize: 8 * 1024 * 1024, onError: (c) => c.text("Payload Too Large", 413) }));
  app.use(requestContext({ auth: services.auth, cookies, defaultLocale: config.locale, trustProxy: config.trustProxy }));
  app.use(csrfProtection({
    secret: config.secret, origin: config.origin, cookies,
    exempt: (path) => path.startsWith("/api/"),
    onReject: async (c) => errorResponse(c, render, 403, "csrf"),
  }));

  const common = { render, cookies, guards };
  app.route("/", homeRoutes({ ...common, members: services.members }));
  app.route("/", authRoutes({ ...common, auth: services.auth, accounts: services.accounts, sessionDays: config.auth.sessionDays }));
  app.route("/", accountsRoutes({ ...common, accounts: services.accounts, auth: services.auth }));
  app.route("/", issuersRoutes({ ...common, issuers: services.issuers, members: services.members }));
  app.route("/", membersRoutes({ ...common, members: services.members, accounts: services.accounts, auth: services.auth, origin: config.origin, sessionDays: config.auth.sessionDays }));
  app.route("/", adminRoutes({ ...common, issuers: services.issuers, accounts: services.accounts, audit: services.audit }));

  app.notFound((c) => errorResponse(c, render, 404, "404"));
  app.onError((error, c) => {
    log.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    if (!c.get("t")) return c.text("Internal Server Error", 500);
    return errorResponse(c, render, 500, "500");
  });
  return { app, services };
}
