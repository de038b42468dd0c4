import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Kysely } from "kysely";
import { getLogger } from "@logtape/logtape";
import { createAchievementsService } from "./achievements/achievements.service.ts";
import { achievementsPublicRoutes } from "./achievements/achievements-public.routes.ts";
import { achievementsRoutes } from "./achievements/achievements.routes.ts";
import { accountsRoutes } from "./accounts/accounts.routes.ts";
import { createAccountsService } from "./accounts/accounts.service.ts";
import { adminRoutes } from "./admin/admin.routes.ts";
import { achievementsApiRoutes } from "./api/achievements.api.ts";
import { createAchievementsApiService } from "./api/achievements-api.service.ts";
import { createAuditService } from "./audit/audit.service.ts";
import { credentialsRoutes } from "./awards/credentials.routes.ts";
import { createCredentialsService, type CredentialsService } from "./awards/credentials.service.ts";
import { createDocumentLoader } from "./credentials/document-loader.ts";
import { signCredential } from "./credentials/signing.ts";
import { authRoutes } from "./auth/auth.routes.ts";
import { createAuthService } from "./auth/auth.service.ts";
import { catalogueRoutes } from "./catalogue/catalogue.routes.ts";
import { createCatalogueService } from "./catalogue/catalogue.service.ts";
import { frameworkLister } from "./catalogue/framework-choices.ts";
import type { Config } from "./config/config.schema.ts";
import { nodeUrls } from "./credentials/urls.ts";
import type { Database } from "./db/database.ts";
import { frameworksRoutes } from "./frameworks/frameworks.routes.ts";
import { createFrameworksService, type FrameworksService } from "./frameworks/frameworks.service.ts";
import { healthRoutes } from "./health/health.routes.ts";
import { homeRoutes } from "./home/home.routes.ts";
import { imageFilesRoutes, imagesRoutes } from "./images/images.routes.ts";
import { createImagesService } from "./images/images.service.ts";
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
import { profileFacts } from "./issuers/issuer-profile.ts";
import { createIssuersService } from "./issuers/issuers.service.ts";
import { createKeyDocuments } from "./keys/key-documents.ts";
import { keysRoutes } from "./keys/keys.routes.ts";
import { createKeysService } from "./keys/keys.service.ts";
import { createStatusListsService } from "./status-lists/status-lists.service.ts";
import { createJobQueue } from "./jobs/jobs.service.ts";
import { membersRoutes } from "./members/members.routes.ts";
import { createMembersService } from "./members/members.service.ts";
import { systemClock, type Clock } from "./shared/clock.ts";
import { err } from "./shared/result.ts";
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
  const urls = nodeUrls(config.origin);
  const keys = createKeysService({ db, clock, audit, secret: config.secret, urls });
  const issuers = createIssuersService({ db, clock, audit, onCreated: (issuer, tx) => keys.ensureKey(issuer.id, tx) });
  const members = createMembersService({ db, clock, audit, accounts, issuers });
  const tokens = createTokensService({ db, clock, audit });
  const jobs = createJobQueue({ db, postgres: deps.dialect === "postgres", clock, ...config.jobs });
  // Templates check their framework references with the frameworks service, which is built
  // after them (it generates ladder templates): the closure reads it at call time.
  let frameworks: FrameworksService;
  const achievements = createAchievementsService({
    db, clock, audit,
    checkReferences: async (issuerId, content) => {
      if (content.imageId && !(await images.belongsTo(content.imageId, issuerId))) return err({ image: "errors.imageUnknown" });
      return frameworks.checkReferences(issuerId, content);
    },
  });
  const images = createImagesService({ db, clock, audit });
  frameworks = createFrameworksService({ db, clock, audit, achievements, origin: config.origin });
  const catalogue = createCatalogueService({ achievements, issuers, frameworks: frameworkLister(frameworks) });
  const achievementsApi = createAchievementsApiService({ achievements, issuers, urls: nodeUrls(config.origin) });
  const keyDocuments = createKeyDocuments({ origin: config.origin, urls, keys, findIssuer: issuers.findBySlug, profile: profileFacts });
  const documentLoader = createDocumentLoader({ local: keyDocuments.resolve });
  let credentials: CredentialsService;
  const statusLists = createStatusListsService({ db, clock, urls, documentLoader, signingKey: keys.signingKey, setIndexes: (i, p) => credentials.statusIndexes(i, p) });
  const suites = config.signing.ed25519Signature2020 ? (["eddsa-rdfc-2022", "Ed25519Signature2020"] as const) : (["eddsa-rdfc-2022"] as const);
  credentials = createCredentialsService({
    db, clock, audit, urls, statusLists, signingKey: keys.signingKey, profile: profileFacts,
    sign: async (docs, key) => { const out = []; for (const d of docs) out.push(await signCredential(d, key, { documentLoader, suites: [...suites] })); return out; },
  });
  return { clock, audit, accounts, auth, issuers, members, tokens, jobs, achievements, catalogue, achievementsApi, images, frameworks, urls, keys, keyDocuments, documentLoader, statusLists, credentials };
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

  // Image files carry their own headers (CSP for SVG, cross-origin embedding): before securityHeaders.
  app.route("/", imageFilesRoutes({ images: services.images }));
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
  app.route("/", keysRoutes({ documents: services.keyDocuments, guards, render }));
  app.route("/", credentialsRoutes({ ...common, credentials: services.credentials, achievements: services.achievements, issuers: services.issuers, members: services.members, statusLists: services.statusLists }));
  app.route("/", issuersRoutes({ ...common, issuers: services.issuers, members: services.members }));
  app.route("/", membersRoutes({ ...common, members: services.members, accounts: services.accounts, auth: services.auth, origin: config.origin, sessionDays: config.auth.sessionDays }));
  app.route("/", imagesRoutes({ ...common, images: services.images }));
  const templates = achievementsRoutes({ ...common, achievements: services.achievements, issuers: services.issuers, members: services.members, images: services.images });
  app.route("/", templates.app);
  app.route("/", achievementsPublicRoutes({ ...common, achievements: services.achievements, issuers: services.issuers, origin: config.origin, fallbackEmail: config.admin.email, loadAchievement: templates.loadAchievement }));
  app.route("/", frameworksRoutes({ ...common, frameworks: services.frameworks, issuers: services.issuers, members: services.members }));
  app.route("/", catalogueRoutes({ render, catalogue: services.catalogue }));
  app.route("/", achievementsApiRoutes({ api: services.achievementsApi, tokens: services.tokens, urls: nodeUrls(config.origin), origin: config.origin }));
  app.route("/", adminRoutes({ ...common, issuers: services.issuers, accounts: services.accounts, audit: services.audit }));

  app.notFound((c) => errorResponse(c, render, 404, "404"));
  app.onError((error, c) => {
    log.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    if (!c.get("t")) return c.text("Internal Server Error", 500);
    return errorResponse(c, render, 500, "500");
  });
  return { app, services };
}
