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
import { createReuseService } from "./reuse.service.ts";
import { createSharingService } from "./sharing.service.ts";

export interface FederationServicesDeps {
  config: Config;
  db: Db;
  clock: Clock;
  audit: AuditService;
  jobs: JobQueue;
  issuers: IssuersService;
  achievements: AchievementsService;
  urls: NodeUrls;
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
  const actorKeys = createActorKeys({ db, clock, secret: config.secret });
  const reuse = createReuseService({ db, clock, achievements: d.achievements, urls: d.urls, network });
  if (config.federation.enabled) {
    federation = createFederationNode({
      db, clock, jobs: d.jobs, origin: config.origin, allowPrivateAddress: config.federation.allowPrivateAddress, version: VERSION,
      issuers: d.issuers, achievements: d.achievements, partners, sharing, reuse, actorKeys,
    });
  }
  const publisher: AchievementPublisher | undefined = federation ? sharing.publisher : undefined;
  return { federation, partners, sharing, reuse, actorKeys, publisher };
}

function failDisabled(): never {
  throw new Error("federation is disabled (federation.enabled = false)");
}

export type FederationServices = ReturnType<typeof createFederationServices>;
