import type { Federation } from "@fedify/fedify";
import type { AchievementPublisher, AchievementsService } from "../achievements/achievements.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { Config } from "../config/config.schema.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { JobQueue } from "../jobs/jobs.service.ts";
import type { Clock } from "../shared/clock.ts";
import { VERSION } from "../version.ts";
import { createActorKeys } from "./actor-keys.ts";
import { createFederationNode } from "./federation.ts";
import { createFederationService } from "./federation.service.ts";
import { createNetwork } from "./network.ts";
import { createDocumentLoader } from "../credentials/document-loader.ts";
import { verifyProofs } from "../credentials/proof-verification.ts";
import { signCredential } from "../credentials/signing.ts";
import { profileFacts } from "../issuers/issuer-profile.ts";
import { createKeyDocuments } from "../keys/key-documents.ts";
import type { KeysService } from "../keys/keys.service.ts";
import { createRemoteFetch } from "../verification/remote-fetch.ts";
import { loadSchemaSet } from "../verification/json-schemas.ts";
import { createEndorsementShapeCheck } from "./endorsement-shape.ts";
import { createEndorsementStatusReader } from "./endorsement-status.ts";
import { createEndorsementsService, type EndorsementStatusLists } from "./endorsements.service.ts";
import { createReuseService } from "./reuse.service.ts";
import { createTrustDirectory } from "./trust.service.ts";
import { createSharingService } from "./sharing.service.ts";
import { createFrameworkSharingService, type FrameworkSource } from "./framework-sharing.service.ts";

export interface FederationServicesDeps {
  config: Config;
  db: Db;
  clock: Clock;
  audit: AuditService;
  jobs: JobQueue;
  issuers: IssuersService;
  achievements: AchievementsService;
  urls: NodeUrls;
  /** OB signing keys: endorsements are signed with the endorser's OB issuer key. */
  keys: KeysService;
  /** The issuers' status lists, built after federation (read at call time): endorsements have revocation entries. */
  statusLists: () => EndorsementStatusLists;
  /** Our frameworks as partners receive them (CASE 1.0 export). */
  frameworks: FrameworkSource;
}

/** The federation feature for the composition root: partner rules, catalogue sharing, Fedify (null when disabled). */
export function createFederationServices(d: FederationServicesDeps) {
  const { config, db, clock } = d;
  let federation: Federation<void> | null = null;
  const network = createNetwork({
    federation: () => federation ?? failDisabled(), origin: config.origin, allowHttpWebFinger: config.federation.allowPrivateAddress,
  });
  const partners = createFederationService({ db, clock, audit: d.audit, issuers: d.issuers, network, origin: config.origin });
  const sharing = createSharingService({ db, clock, jobs: d.jobs, achievements: d.achievements, issuers: d.issuers, urls: d.urls, origin: config.origin });
  const frameworkSharing = createFrameworkSharingService({ db, clock, jobs: d.jobs, issuers: d.issuers, frameworks: d.frameworks, urls: d.urls, origin: config.origin });
  const actorKeys = createActorKeys({ db, clock, secret: config.secret });
  const reuse = createReuseService({ db, clock, achievements: d.achievements, urls: d.urls, network });
  const documentLoader = credentialLoader(d);
  const endorsements = createEndorsementsService({
    db, clock, audit: d.audit, urls: d.urls, origin: config.origin, network, achievements: d.achievements,
    sign: async (doc, issuer) => signCredential(doc, await d.keys.signingKey(issuer), { documentLoader }),
    verify: (vc) => verifyProofs(vc, documentLoader), issuers: d.issuers, statusLists: d.statusLists,
    statusOf: createEndorsementStatusReader({ clock, remote: createRemoteFetch({ allowPrivateAddress: config.federation.allowPrivateAddress, timeoutMs: 10_000, maxBytes: 256 * 1024 }) }),
    // Issuing reads the endorsers' lists too, and must not wait on a slow partner.
    embedStatusOf: createEndorsementStatusReader({ clock, remote: createRemoteFetch({ allowPrivateAddress: config.federation.allowPrivateAddress, timeoutMs: 2_000, maxBytes: 256 * 1024 }) }),
    shape: createEndorsementShapeCheck(loadSchemaSet(config.verification.schemasDir)),
  });
  if (config.federation.enabled) {
    federation = createFederationNode({
      db, clock, jobs: d.jobs, origin: config.origin, allowPrivateAddress: config.federation.allowPrivateAddress, version: VERSION,
      issuers: d.issuers, achievements: d.achievements, partners, sharing, reuse, endorsements, actorKeys, frameworkSharing,
    });
  }
  const publisher: AchievementPublisher | undefined = federation ? sharing.publisher : undefined;
  const frameworkPublisher = federation ? frameworkSharing.publisher : undefined;
  const trust = createTrustDirectory({ db, urls: d.urls, issuers: d.issuers });
  return { federation, partners, sharing, reuse, endorsements, actorKeys, publisher, frameworkSharing, frameworkPublisher, trust };
}

// Our own key documents in-process; partners' (their OB keys and Profiles) over HTTP, asking for
// plain JSON-LD so that their issuer URL answers with the OB Profile, not the ActivityPub actor.
function credentialLoader(d: FederationServicesDeps) {
  const own = createKeyDocuments({ origin: d.config.origin, urls: d.urls, keys: d.keys, findIssuer: d.issuers.findBySlug, profile: profileFacts });
  const remote = createRemoteFetch({ allowPrivateAddress: d.config.federation.allowPrivateAddress, timeoutMs: 10_000, maxBytes: 256 * 1024 });
  return createDocumentLoader({
    local: own.resolve,
    remote: async (url) => {
      const got = await remote.getJson(url);
      return got.ok ? got.value.json : null;
    },
  });
}

function failDisabled(): never {
  throw new Error("federation is disabled (federation.enabled = false)");
}

export type FederationServices = ReturnType<typeof createFederationServices>;
