import { getLogger } from "@logtape/logtape";
import type { AccountsService } from "../accounts/accounts.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { RoleRule } from "../config/sso.schema.ts";
import type { Db, IssuerRow, UserRow } from "../db/database.ts";
import type { AddMemberOutcome } from "../members/members.service.ts";
import type { Role } from "../members/roles.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import { ruleMatches, type FederatedProfile } from "./attribute-mapping.ts";
import * as repo from "./sso.repository.ts";

const log = getLogger(["francebadge", "sso"]);

export type AccountFailure = "missing-email" | "email-unverified" | "email-linked-elsewhere" | "account-disabled";

export interface SsoAccountsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  accounts: Pick<AccountsService, "create" | "findByEmail" | "findById">;
  members: { add(actor: Actor, issuer: IssuerRow, input: { email: string; role: Role }): Promise<AddMemberOutcome> };
  findIssuer(slug: string): Promise<IssuerRow | undefined>;
  roleRules: readonly RoleRule[];
}

/** Accounts behind federated logins: find, link by verified e-mail or create; addresses; roles from rules. */
export function createSsoAccounts(deps: SsoAccountsDeps) {
  const { db, clock, audit } = deps;
  const identityFields = (p: FederatedProfile, now: string) => ({
    eppn: p.eppn, email: p.email, email_verified: p.emailVerified ? 1 : 0,
    affiliation: [...p.scopedAffiliations, ...p.affiliations].join(" ") || null, home_org: p.homeOrganization, last_login_at: now,
  });
  const actorFor = (p: FederatedProfile, ip: string | null): Actor => ({ userId: null, label: p.provider.slice(0, 200), ip });

  /** An existing account this person proves to own: same verified address, as account e-mail or as a verified extra address. */
  async function accountByVerifiedEmail(p: FederatedProfile): Promise<UserRow | undefined> {
    if (!p.email || !p.emailVerified) return undefined;
    const byAccount = await deps.accounts.findByEmail(p.email);
    if (byAccount) return byAccount;
    const userId = await repo.findUserIdByVerifiedEmail(db, p.email);
    return userId ? deps.accounts.findById(userId) : undefined;
  }

  async function createOrLink(p: FederatedProfile, ip: string | null): Promise<Result<{ user: UserRow; created: boolean }, AccountFailure>> {
    const now = isoNow(clock);
    const existing = await accountByVerifiedEmail(p);
    // A second identity from the same provider means the address changed hands there: ask a person.
    if (existing && (await repo.hasIdentityFrom(db, existing.id, p.provider))) return err("email-linked-elsewhere");
    if (!existing && !p.email) return err("missing-email");
    // An unconfirmed address must not become an account's: invitations and awards follow addresses.
    if (!existing && !p.emailVerified) return err("email-unverified");
    return db.transaction().execute(async (tx) => {
      let user = existing;
      if (!user) {
        const created = await deps.accounts.create({ email: p.email!, displayName: p.displayName ?? p.email!.split("@")[0]! }, tx);
        if (!created.ok) return err("email-linked-elsewhere");
        user = created.value;
      }
      await repo.insertIdentity(tx, { id: newId(), user_id: user.id, provider: p.provider, subject: p.subject, subject_type: p.subjectType, created_at: now, ...identityFields(p, now) });
      await audit.record(actorFor(p, ip), { action: existing ? "sso.link" : "sso.account.create", objectType: "user", objectId: user.id, details: { provider: p.provider, subjectType: p.subjectType } }, tx);
      return ok({ user, created: !existing });
    });
  }

  async function grantRoles(user: UserRow, p: FederatedProfile, ip: string | null): Promise<void> {
    for (const rule of deps.roleRules.filter((r) => ruleMatches(p, r))) {
      const issuer = await deps.findIssuer(rule.issuer);
      if (!issuer) { log.warn("Role rule names an unknown issuer {issuer}", { issuer: rule.issuer }); continue; }
      await deps.members.add(actorFor(p, ip), issuer, { email: user.email, role: rule.role });
    }
  }

  return {
    /** The account of a federated login, created or linked on the first one; refreshes addresses and roles. */
    async resolve(p: FederatedProfile, ip: string | null): Promise<Result<{ user: UserRow; created: boolean }, AccountFailure>> {
      const now = isoNow(clock);
      const identity = await repo.findIdentity(db, p.provider, p.subject);
      let user: UserRow | undefined;
      let created = false;
      if (identity) {
        await repo.updateIdentity(db, identity.id, identityFields(p, now));
        user = await deps.accounts.findById(identity.user_id);
      } else {
        const linked = await createOrLink(p, ip);
        if (!linked.ok) return linked;
        ({ user, created } = linked.value);
      }
      if (!user) throw new Error(`identity ${p.provider} ${p.subject} points to a missing account`);
      if (user.disabled_at) return err("account-disabled");
      await repo.upsertEmail(db, { email: user.email, user_id: user.id, verified_at: p.emailVerified && p.email === user.email ? now : null, source: "account", created_at: now });
      if (p.email && p.emailVerified && p.email !== user.email) await repo.upsertEmail(db, { email: p.email, user_id: user.id, verified_at: now, source: p.provider, created_at: now });
      await grantRoles(user, p, ip);
      return ok({ user, created });
    },

    /** Everything badges may be addressed to for this person: account e-mail, verified addresses, federation identifiers. */
    async identifiersOf(userId: string): Promise<Array<{ type: "emailAddress" | "ext:eduPersonPrincipalName"; value: string }>> {
      const user = await deps.accounts.findById(userId);
      const emails = new Set([...(user ? [user.email] : []), ...(await repo.listVerifiedEmails(db, userId))]);
      const eppns = new Set((await repo.listIdentitiesOfUser(db, userId)).map((i) => i.eppn).filter((e): e is string => !!e));
      return [
        ...[...emails].map((value) => ({ type: "emailAddress" as const, value })),
        ...[...eppns].map((value) => ({ type: "ext:eduPersonPrincipalName" as const, value })),
      ];
    },
  };
}

export type SsoAccounts = ReturnType<typeof createSsoAccounts>;
