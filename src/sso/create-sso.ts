import type { AccountsService } from "../accounts/accounts.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { AuthService } from "../auth/auth.service.ts";
import type { Config } from "../config/config.schema.ts";
import type { Db } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { MembersService } from "../members/members.service.ts";
import type { Clock } from "../shared/clock.ts";
import { mergeMap, OIDC_DEFAULT_MAP, SAML_DEFAULT_MAP } from "./attribute-mapping.ts";
import { createSsoAccounts } from "./sso-accounts.ts";
import { loadSsoSetup } from "./sso-setup.ts";
import { createSsoService, type SsoService } from "./sso.service.ts";

export interface BuildSsoDeps {
  config: Config;
  db: Db;
  clock: Clock;
  audit: AuditService;
  accounts: AccountsService;
  members: MembersService;
  issuers: IssuersService;
  auth: Pick<AuthService, "startSession" | "logout">;
}

/** Wires single sign-on from the config (reads keys and metadata files once, at start). */
export function buildSsoService(d: BuildSsoDeps): SsoService {
  const sso = d.config.sso;
  const accounts = createSsoAccounts({
    db: d.db, clock: d.clock, audit: d.audit, accounts: d.accounts, members: d.members,
    findIssuer: d.issuers.findBySlug, roleRules: sso.roleRules,
  });
  return createSsoService({
    db: d.db, clock: d.clock, secret: d.config.secret, accounts,
    setup: loadSsoSetup(sso, d.config.origin, d.clock.now()),
    samlMap: mergeMap(SAML_DEFAULT_MAP, sso.attributeMap),
    oidcMaps: new Map(sso.oidc.map((p) => [p.id, mergeMap(OIDC_DEFAULT_MAP, p.attributeMap)] as const)),
    staffPasswordLogin: sso.staffPasswordLogin,
    startSession: d.auth.startSession, endSession: d.auth.logout, audit: d.audit,
    membershipsOf: d.members.membershipsOf,
  });
}
