import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { payloadTooLarge } from "./http/payload-too-large.ts";
import type { Kysely } from "kysely";
import { getLogger } from "@logtape/logtape";
import { createAchievementsService } from "./achievements/achievements.service.ts";
import { achievementsPublicRoutes } from "./achievements/achievements-public.routes.ts";
import { achievementsRoutes } from "./achievements/achievements.routes.ts";
import { accountsRoutes } from "./accounts/accounts.routes.ts";
import { createAccountsService, type AccountsService } from "./accounts/accounts.service.ts";
import { adminRoutes } from "./admin/admin.routes.ts";
import { achievementsApiRoutes } from "./api/achievements.api.ts";
import { createAchievementsApiService } from "./api/achievements-api.service.ts";
import { createAuditService, type AuditService } from "./audit/audit.service.ts";
import { backpackRoutes } from "./backpack/backpack.routes.ts";
import { createBackpackService } from "./backpack/backpack.service.ts";
import { deleteEmail, findUserIdByVerifiedEmail, listVerifiedEmails, upsertEmail } from "./sso/sso.repository.ts";
import { credentialsRoutes } from "./awards/credentials.routes.ts";
import { createCredentialsService, type CredentialsService, type IssuingEndorsements } from "./awards/credentials.service.ts";
import { ISSUE_QUEUE } from "./awards/award-lists.issuing.ts";
import { awardListsRoutes } from "./awards/award-lists.routes.ts";
import { createAwardListsService, type AwardListsService } from "./awards/award-lists.service.ts";
import { awardsApiRoutes } from "./api/awards.api.ts";
import { createAwardsApiService } from "./api/awards-api.service.ts";
import { createDocumentLoader } from "./credentials/document-loader.ts";
import { downloadFilesRoutes, downloadsRoutes } from "./downloads/downloads.routes.ts";
import { createDownloadsService } from "./downloads/downloads.service.ts";
import { ob2Routes } from "./downloads/ob2.routes.ts";
import { createBatchSigner } from "./credentials/batch-signer.ts";
import { authRoutes } from "./auth/auth.routes.ts";
import { createAuthService } from "./auth/auth.service.ts";
import { catalogueRoutes } from "./catalogue/catalogue.routes.ts";
import { createCatalogueService } from "./catalogue/catalogue.service.ts";
import { frameworkLister } from "./catalogue/framework-choices.ts";
import type { Config } from "./config/config.schema.ts";
import { nodeUrls, type NodeUrls } from "./credentials/urls.ts";
import type { Database } from "./db/database.ts";
import { frameworksRoutes } from "./frameworks/frameworks.routes.ts";
import { createFrameworksService, type FrameworksService } from "./frameworks/frameworks.service.ts";
import { dashboardsRoutes } from "./dashboards/dashboards.routes.ts";
import { createDashboardsService } from "./dashboards/dashboards.service.ts";
import { healthRoutes } from "./health/health.routes.ts";
import { createHealthService } from "./health/health.service.ts";
import { homeRoutes } from "./home/home.routes.ts";
import { imageFilesRoutes, imagesRoutes } from "./images/images.routes.ts";
import { createImagesService, prepareUpload } from "./images/images.service.ts";
import { cookieKit } from "./http/cookies.ts";
import { csrfProtection } from "./http/csrf.ts";
import type { AppEnv } from "./http/env.ts";
import { errorResponse } from "./http/errors.ts";
import { BadBodyError } from "./http/form.ts";
import { createGuards } from "./http/guards.ts";
import { createRenderer } from "./http/render.ts";
import { requestContext } from "./http/request-context.ts";
import { securityHeaders } from "./http/security.ts";
import { staticRoutes } from "./http/static.ts";
import { issuersRoutes } from "./issuers/issuers.routes.ts";
import { profileFacts } from "./issuers/issuer-profile.ts";
import { createIssuersService, type IssuersService } from "./issuers/issuers.service.ts";
import { createKeyDocuments } from "./keys/key-documents.ts";
import { keysRoutes } from "./keys/keys.routes.ts";
import { createKeysService, type KeysService } from "./keys/keys.service.ts";
import { createStatusListsService } from "./status-lists/status-lists.service.ts";
import { createJobQueue, type JobQueue } from "./jobs/jobs.service.ts";
import { createFederationServices, type FederationServices } from "./federation/federation-services.ts";
import { federationHttp } from "./federation/federation.http.ts";
import { findLocalesByEmails, findUserById } from "./accounts/accounts.repository.ts";
import { createMailService, type MailService } from "./mail/mail.service.ts";
import { createMailTransport } from "./mail/mail.transport.ts";
import { addressTakenNoticeMail, emailConfirmationMail, memberAddedMail } from "./mail/mail.templates.ts";
import { membersRoutes } from "./members/members.routes.ts";
import { createMembersService } from "./members/members.service.ts";
import { isoNow, systemClock, type Clock } from "./shared/clock.ts";
import { err } from "./shared/result.ts";
import { createTokensService } from "./tokens/tokens.service.ts";
import { buildSsoService } from "./sso/create-sso.ts";
import type { SsoService } from "./sso/sso.service.ts";
import { ssoPaths } from "./sso/sso-setup.ts";
import { ssoRoutes } from "./sso/sso.routes.ts";
import { VERSION } from "./version.ts";
import { buildVerificationService, verificationApp } from "./verification/verification-setup.ts";
import { checkRecipient } from "./verification/checks/recipient.ts";
import { EPPN_TYPE } from "./sso/recipient-type.ts";
import type { VerificationService } from "./verification/verification.service.ts";

const log = getLogger(["francebadge", "http"]);

export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  clock?: Clock;
  /** Another signing worker script (tests: one that crashes); default src/credentials/signing-worker.ts. */
  signingWorker?: URL;
}

/** Award lists, their issuing job (registered on the queue) and the award API. */
function createAwardServices(deps: Omit<Parameters<typeof createAwardListsService>[0], "notify" | "jobs"> & { jobs: JobQueue; urls: ReturnType<typeof nodeUrls>; mail: MailService }) {
  const awardLists: AwardListsService = createAwardListsService({
    ...deps,
    // Called inside the transaction that marks the rows issued, only when the list asked to
    // notify: everything is read from the signed document or on `tx` (on SQLite a query outside
    // the open transaction would wait for it), and the e-mail commits with the rows.
    // An e-mail recipient is mailed at that address; an eppn recipient at the contact address
    // its row gave, if any, with an e-mail telling them to sign in with their institution.
    notify: async (awards, list, tx) => {
      const texts = await awardLists.settings(list.achievement_id, tx);
      const mails = awards.flatMap(({ credential: c, contactEmail }) => {
        const eppn = c.recipient_type === EPPN_TYPE ? c.recipient : null;
        const to = c.recipient_type === "emailAddress" ? c.recipient : eppn && contactEmail;
        if (!to) return [];
        const doc = JSON.parse(c.document) as { name: string; issuer: { name: string }; image?: { id: string } };
        return [{
          to, recipientName: c.recipient_name, badgeName: doc.name, issuerName: doc.issuer.name, credentialId: c.id, eppn,
          imageUrl: doc.image?.id ?? null, custom: { subject: texts.mailSubject, message: texts.mailMessage }, dedupeKey: `award:${c.id}`,
        }];
      });
      await deps.mail.sendAwardNotifications(mails, { db: tx }); // one statement per 100 e-mails of a bulk award
    },
  });
  deps.jobs.register(ISSUE_QUEUE, awardLists.handleJob);
  return { awardLists, awardsApi: createAwardsApiService({ achievements: deps.achievements, awardLists, credentials: deps.credentials, urls: deps.urls }) };
}

/** The outbox (queue "mail") and members, whose invitations it sends. */
function createMailAndMembers(d: { config: Config; db: Kysely<Database>; clock: Clock; audit: AuditService; jobs: JobQueue; accounts: AccountsService; issuers: IssuersService }) {
  const { config, db } = d;
  // Lookups take the caller's transaction (SQLite has one connection).
  const mail = createMailService({
    jobs: d.jobs, clock: d.clock, transport: createMailTransport(config.mail, config.production), origin: config.origin, from: config.mail.from,
    secret: config.secret, defaultLocale: config.locale, localesOf: (emails, tx = db) => findLocalesByEmails(tx, emails),
  });
  const members = createMembersService({
    db, clock: d.clock, audit: d.audit, accounts: d.accounts, issuers: d.issuers,
    onInvited: async ({ invitation, token, issuer, actor }, tx) => {
      const inviter = actor.userId ? await findUserById(tx, actor.userId) : undefined;
      await mail.sendInvitation({
        to: invitation.email, issuerName: issuer.name, role: invitation.role, acceptUrl: `${config.origin}/invitations/${token}`,
        expiresAt: invitation.expires_at, inviterName: inviter?.display_name ?? null,
      }, { dedupeKey: `invitation:${invitation.id}`, db: tx });
    },
    onAdded: async ({ user, issuer, role, actor }, tx) => {
      const by = actor.userId ? await findUserById(tx, actor.userId) : undefined;
      const locale = await mail.localeFor(user.email, user.locale, tx);
      const spaceUrl = `${config.origin}/issuers/${encodeURIComponent(issuer.slug)}`;
      await mail.send({ to: user.email, ...memberAddedMail({ locale, issuerName: issuer.name, role, spaceUrl, actorName: by?.display_name ?? null }, config.origin), headers: { "X-FranceBadge-Kind": "member-added" } }, { db: tx });
    },
    verifiedEmailsOf: (userId) => listVerifiedEmails(db, userId),
  });
  return { mail, members };
}

/** Key and profile documents, the offline document loader, status lists and issued credentials. */
function createIssuing(d: { config: Config; db: Kysely<Database>; clock: Clock; audit: AuditService; urls: NodeUrls; keys: KeysService; issuers: IssuersService; signingWorker?: URL; endorsements?: IssuingEndorsements }) {
  const { config, db, clock, urls, keys } = d;
  const keyDocuments = createKeyDocuments({ origin: config.origin, urls, keys, findIssuer: d.issuers.findBySlug, profile: profileFacts });
  const documentLoader = createDocumentLoader({ local: keyDocuments.resolve });
  let credentials: CredentialsService;
  const statusLists = createStatusListsService({ db, clock, urls, documentLoader, signingKey: keys.signingKey, setIndexes: (i, p) => credentials.statusIndexes(i, p) });
  const suites = config.signing.ed25519Signature2020 ? (["eddsa-rdfc-2022", "Ed25519Signature2020"] as const) : (["eddsa-rdfc-2022"] as const);
  // Bulk batches go to worker threads (started on first use; close it on stop), small ones stay here.
  const signing = createBatchSigner({ workers: config.signing.workers, suites, documentLoader, workerScript: d.signingWorker });
  credentials = createCredentialsService({
    db, clock, audit: d.audit, urls, statusLists, signingKey: keys.signingKey, profile: profileFacts, sign: signing.sign, endorsements: d.endorsements,
  });
  return { keyDocuments, documentLoader, statusLists, credentials, signing };
}

/** The learners' backpack: their identifiers come from accounts and SSO, links go out by mail, imports go through the verifier. */
function createBackpack(d: { config: Config; db: Kysely<Database>; clock: Clock; audit: AuditService; accounts: AccountsService; credentials: CredentialsService; sso: SsoService; mail: MailService; verification: VerificationService }) {
  const { db, clock } = d;
  return createBackpackService({
    db, clock, audit: d.audit, accounts: d.accounts, credentials: d.credentials, origin: d.config.origin,
    identities: {
      identifiersOf: (userId) => d.sso.identifiersOf(userId), // typed: e-mails match e-mail badges, eppns eppn badges
      ownerOfVerifiedEmail: (email) => findUserIdByVerifiedEmail(db, email),
      markEmailVerified: (userId, email) => upsertEmail(db, { email, user_id: userId, verified_at: isoNow(clock), source: "magic-link", created_at: isoNow(clock) }),
      verifiedEmailsOf: (userId) => listVerifiedEmails(db, userId),
      removeEmail: (userId, email) => deleteEmail(db, userId, email),
    },
    sendMagicLink: (to, signInUrl, expiresAt) => d.mail.sendMagicLink({ to, signInUrl, expiresAt }),
    sendEmailConfirmation: async (to, confirmUrl, expiresAt) =>
      d.mail.send({ to, ...emailConfirmationMail({ locale: await d.mail.localeFor(to), confirmUrl, expiresAt }, d.config.origin), headers: { "X-FranceBadge-Kind": "email-confirmation" } }),
    sendAddressTakenNotice: async (to) =>
      d.mail.send({ to, ...addressTakenNoticeMail({ locale: await d.mail.localeFor(to) }, d.config.origin), headers: { "X-FranceBadge-Kind": "email-taken-notice" } }),
    verifier: {
      verify: (input) => d.verification.verify(input),
      recipient: (credential, emails) => {
        const lines = emails.map((email) => checkRecipient(credential, email).status);
        return lines.includes("pass") ? "match" : lines.includes("fail") ? "no-match" : "unknown";
      },
    },
    maxImportBytes: d.config.verification.maxBytes,
  });
}

/** Builds every service of the node from its config and database (no HTTP). */
export function createServices(deps: AppDeps) {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const audit = createAuditService({ db, clock });
  const accounts = createAccountsService({ db, clock, passwordHashCost: config.auth.passwordHashCost, audit });
  const auth = createAuthService({
    db, clock, sessionDays: config.auth.sessionDays, maxFailedLogins: config.auth.maxFailedLogins,
    passwordLogin: config.auth.passwordLogin, passwordHashCost: config.auth.passwordHashCost, findUserByEmail: accounts.findByEmail, audit, passwordLoginAllowed: (user) => sso.passwordLoginAllowed(user),
  });
  const urls = nodeUrls(config.origin);
  const keys = createKeysService({ db, clock, audit, secret: config.secret, urls });
  const images = createImagesService({ db, clock, audit });
  const issuers = createIssuersService({ db, clock, audit, images: { check: prepareUpload, store: images.storePrepared, url: (id) => urls.image(id) }, onCreated: (issuer, tx) => keys.ensureKey(issuer.id, tx) });
  const tokens = createTokensService({ db, clock, audit });
  const jobs = createJobQueue({ db, postgres: deps.dialect === "postgres", clock, ...config.jobs });
  const { mail, members } = createMailAndMembers({ config, db, clock, audit, jobs, accounts, issuers });
  // Templates check their framework references with the frameworks service, which is built
  // after them (it generates ladder templates): the closure reads it at call time.
  let frameworks: FrameworksService;
  let federation: FederationServices | undefined; // built from the templates; they reach its publisher at call time
  const achievements = createAchievementsService({
    db, clock, audit, publisher: () => federation?.publisher,
    checkReferences: async (issuerId, content) => {
      if (content.imageId && !(await images.belongsTo(content.imageId, issuerId))) return err({ image: "errors.imageUnknown" });
      return frameworks.checkReferences(issuerId, content);
    },
  });
  frameworks = createFrameworksService({
    db, clock, audit, achievements, origin: config.origin, countHolders: (ids) => credentials.countHolders(ids), publisher: () => federation?.frameworkPublisher,
  });
  federation = createFederationServices({
    config, db, clock, audit, jobs, issuers, achievements, urls, keys, frameworks,
    statusLists: () => ({
      markChanged: (i, p, tx) => statusLists.markChanged(i, p, tx), usedByCredentials: (i) => credentials.usedStatusIndexes(i),
      claim: (tx, i, index, id) => credentials.claimEndorsementIndex(tx, i, index, id),
    }),
  });
  const catalogue = createCatalogueService({ achievements, issuers, frameworks: frameworkLister(frameworks), partners: federation.sharing.catalogue });
  const achievementsApi = createAchievementsApiService({ achievements, issuers, urls: nodeUrls(config.origin) });
  const { keyDocuments, documentLoader, statusLists, credentials, signing } = createIssuing({ config, db, clock, audit, urls, keys, issuers, signingWorker: deps.signingWorker, endorsements: federation.endorsements.issuing });
  const { awardLists, awardsApi } = createAwardServices({ db, clock, audit, achievements, credentials, findIssuer: issuers.findById, jobs, urls, mail });
  const sso = buildSsoService({ config, db, clock, audit, accounts, members, issuers, auth });
  const verification = buildVerificationService({ config, clock, keyDocuments, credentials: () => credentials, issuers, statusLists, partners: federation.trust });
  const backpack = createBackpack({ config, db, clock, audit, accounts, credentials, sso, mail, verification });
  // The holder's choice in the backpack decides whether their name shows on the page and the PDF.
  const downloads = createDownloadsService({ credentials, achievements, images, issuers, urls, showName: (row) => backpack.nameShownFor(row.id) });
  return { verification, clock, audit, accounts, auth, sso, backpack, issuers, members, tokens, jobs, mail, achievements, catalogue, achievementsApi, images, frameworks, urls, keys, keyDocuments, documentLoader, statusLists, credentials, signing, downloads, federation, awardLists, awardsApi };
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
  app.route("/", downloadFilesRoutes({ downloads: services.downloads }));
  app.use(securityHeaders(https));
  app.route("/", healthRoutes({ health: createHealthService({ db: deps.db }) }));
  app.route("/", staticRoutes());
  app.use(bodyLimit({ maxSize: 8 * 1024 * 1024, onError: payloadTooLarge(8 * 1024 * 1024, cookies) }));
  const federation = federationHttp({ render, guards, services: services.federation, issuers: services.issuers, members: services.members, tokens: services.tokens, origin: config.origin });
  app.use(...federation.middlewares); // ActivityPub: before sessions and CSRF (signed JSON posts) and the issuer pages
  app.use(requestContext({ auth: services.auth, cookies, defaultLocale: config.locale, trustProxy: config.trustProxy }));
  app.use(csrfProtection({
    secret: config.secret, origin: config.origin, cookies,
    // The SAML ACS receives the IdP's cross-site POST; InResponseTo protects it instead.
    exempt: (path) => path.startsWith("/api/") || path === ssoPaths.acs,
    onReject: async (c) => errorResponse(c, render, 403, "csrf"),
    onBadBody: async (c) => errorResponse(c, render, 400, "badBody"),
  }));

  const common = { render, cookies, guards };
  app.route("/", homeRoutes({ ...common, members: services.members }));
  app.route("/", backpackRoutes({ ...common, backpack: services.backpack, auth: services.auth, sessionDays: config.auth.sessionDays }));
  const dashboards = createDashboardsService({ clock: services.clock, issuers: services.issuers, achievements: services.achievements, credentials: services.credentials });
  app.route("/", dashboardsRoutes({ ...common, dashboards }));
  app.route("/", authRoutes({ ...common, auth: services.auth, accounts: services.accounts, sessionDays: config.auth.sessionDays, loginOptions: () => services.sso.loginOptions() }));
  app.route("/", ssoRoutes({ render, cookies, sso: services.sso, origin: config.origin, sessionDays: config.auth.sessionDays }));
  app.route("/", accountsRoutes({ ...common, accounts: services.accounts, auth: services.auth }));
  app.route("/", keysRoutes({ documents: services.keyDocuments, guards, render }));
  // Before credentialsRoutes: `/credentials/:file` would take `x.pdf` too.
  app.route("/", downloadsRoutes({ downloads: services.downloads, render }));
  app.route("/", ob2Routes({ downloads: services.downloads, urls: services.urls }));
  app.route("/", credentialsRoutes({ ...common, credentials: services.credentials, achievements: services.achievements, issuers: services.issuers, members: services.members, statusLists: services.statusLists, share: services.downloads.shareView }));
  app.route("/", awardListsRoutes({ ...common, awardLists: services.awardLists, credentialUrl: services.urls.credential }));
  app.route("/", issuersRoutes({ ...common, issuers: services.issuers, members: services.members }));
  app.route("/", membersRoutes({ ...common, members: services.members, accounts: services.accounts, auth: services.auth, origin: config.origin, sessionDays: config.auth.sessionDays }));
  app.route("/", imagesRoutes({ ...common, images: services.images }));
  const templates = achievementsRoutes({ ...common, achievements: services.achievements, issuers: services.issuers, members: services.members, images: services.images });
  app.route("/", templates.app);
  app.route("/", achievementsPublicRoutes({ ...common, achievements: services.achievements, issuers: services.issuers, origin: config.origin, fallbackEmail: config.admin.email, loadAchievement: templates.loadAchievement }));
  app.route("/", frameworksRoutes({ ...common, frameworks: services.frameworks, issuers: services.issuers, members: services.members }));
  app.route("/", catalogueRoutes({ render, catalogue: services.catalogue, origin: config.origin }));
  app.route("/", federation.routes);
  app.route("/", achievementsApiRoutes({ api: services.achievementsApi, tokens: services.tokens, urls: nodeUrls(config.origin), origin: config.origin }));
  app.route("/", awardsApiRoutes({ api: services.awardsApi, tokens: services.tokens, urls: services.urls, origin: config.origin }));
  app.route("/", verificationApp({ config, render, verification: services.verification }));
  app.route("/", adminRoutes({ ...common, issuers: services.issuers, accounts: services.accounts, audit: services.audit }));

  app.notFound((c) => errorResponse(c, render, 404, "404"));
  app.onError((error, c) => {
    if (error instanceof BadBodyError && c.get("t")) return errorResponse(c, render, 400, "badBody");
    log.error("Unhandled error on {method} {path}: {error}", { method: c.req.method, path: c.req.path, error });
    if (!c.get("t")) return c.text("Internal Server Error", 500);
    return errorResponse(c, render, 500, "500");
  });
  return { app, services };
}
