import { Hono } from "hono";
import { verifyApiRoutes } from "../api/verify.api.ts";
import type { CredentialsService } from "../awards/credentials.service.ts";
import type { Config } from "../config/config.schema.ts";
import type { AppEnv } from "../http/env.ts";
import type { Render } from "../http/render.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { KeyDocuments } from "../keys/key-documents.ts";
import type { Clock } from "../shared/clock.ts";
import type { StatusListsService } from "../status-lists/status-lists.service.ts";
import type { PartnerDirectory } from "./checks/partner.ts";
import { loadSchemaSet } from "./json-schemas.ts";
import { createLocalDocuments } from "./local-documents.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { createRemoteFetch } from "./remote-fetch.ts";
import { verificationRoutes } from "./verification.routes.ts";
import { createVerificationService, type VerificationService } from "./verification.service.ts";

export interface VerificationSetupDeps {
  config: Config;
  clock: Clock;
  keyDocuments: KeyDocuments;
  credentials: () => CredentialsService;
  issuers: IssuersService;
  statusLists: StatusListsService;
  /** Known partners (federation), for the report's "partner" lines. */
  partners?: PartnerDirectory;
}

/** The verifier as app.ts wires it: this node's documents in-process, other sites' through the guarded fetcher. */
export function buildVerificationService(d: VerificationSetupDeps): VerificationService {
  const v = d.config.verification;
  const own = createLocalDocuments({
    origin: d.config.origin, resolveKeyDocument: d.keyDocuments.resolve, findCredential: (id) => d.credentials().find(id),
    findIssuer: d.issuers.findBySlug, statusList: (issuer, purpose) => d.statusLists.current(issuer, purpose),
  });
  return createVerificationService({
    clock: d.clock, local: own.resolve, ownStatus: own.ownStatus, schemas: loadSchemaSet(v.schemasDir), partners: d.partners,
    remote: createRemoteFetch({ allowPrivateAddress: v.allowPrivateAddress, timeoutMs: v.fetchTimeoutMs, maxBytes: v.maxBytes }),
  });
}

/** `/verify` and `POST /api/v1/verify`, sharing one rate limit per client address. */
export function verificationApp(d: { config: Config; render: Render; verification: VerificationService }) {
  const v = d.config.verification;
  const limiter = createRateLimiter({ capacity: v.rateBurst, perSecond: v.ratePerMinute / 60 });
  const app = new Hono<AppEnv>();
  app.route("/", verificationRoutes({ render: d.render, verification: d.verification, limiter, maxBytes: v.maxBytes }));
  app.route("/", verifyApiRoutes({ verification: d.verification, limiter, maxBytes: v.maxBytes }));
  return app;
}
