import type { AccountsService } from "../accounts/accounts.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { Db, InvitationRow, IssuerRow, UserRow } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { hashToken, newId, randomToken } from "../shared/tokens.ts";
import type { MemberInput } from "./members.schema.ts";
import * as repo from "./members.repository.ts";
import { effectiveRoles, type Role } from "./roles.ts";

const INVITATION_TTL_MS = 14 * 86_400_000;

export type AddMemberOutcome =
  | { kind: "added"; user: UserRow }
  | { kind: "already-member"; user: UserRow }
  | { kind: "invited"; invitation: InvitationRow; token: string };

/** A new invitation, with the only copy of its token (the table keeps its hash). */
export interface InvitationCreated {
  invitation: InvitationRow;
  token: string;
  issuer: IssuerRow;
  actor: Actor;
}

export interface MembersDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  accounts: AccountsService;
  issuers: IssuersService;
  /** Sends the invitation (queues the e-mail) in the transaction that stores it. */
  onInvited?: (event: InvitationCreated, tx: Db) => Promise<void>;
  /** Tells an existing account it was given a role (queues the e-mail) in the transaction that grants it. */
  onAdded?: (event: MemberAdded, tx: Db) => Promise<void>;
  /** The confirmed extra addresses of an account (besides its sign-in address). */
  verifiedEmailsOf?: (userId: string) => Promise<string[]>;
}

/** An existing account given a role in a space by someone else. */
export interface MemberAdded {
  user: UserRow;
  issuer: IssuerRow;
  role: Role;
  actor: Actor;
}

/** Who may do what in which issuer space: roles, members and invitations. */
export function createMembersService(deps: MembersDeps) {
  const { db, clock, audit } = deps;

  async function invite(actor: Actor, issuer: IssuerRow, input: MemberInput): Promise<AddMemberOutcome> {
    const now = isoNow(clock);
    const open = await repo.findOpenInvitation(db, issuer.id, input.email, input.role, now);
    if (open) await repo.revokeInvitation(db, issuer.id, open.id, now); // a new link replaces the old one
    const token = randomToken();
    const invitation: InvitationRow = {
      id: newId(), token_hash: hashToken(token), issuer_id: issuer.id, email: input.email, role: input.role, invited_by: actor.userId,
      created_at: now, expires_at: isoIn(clock, INVITATION_TTL_MS), accepted_at: null, accepted_by: null, revoked_at: null,
    };
    await db.transaction().execute(async (tx) => {
      await repo.insertInvitation(tx, invitation);
      await audit.record(actor, { action: "member.invite", objectType: "invitation", objectId: invitation.id, issuerId: issuer.id, details: { email: input.email, role: input.role } }, tx);
      await deps.onInvited?.({ invitation, token, issuer, actor }, tx);
    });
    return { kind: "invited", invitation, token };
  }

  async function grant(actor: Actor, issuer: IssuerRow, user: UserRow, role: Role, tx: Db = db): Promise<boolean> {
    const added = await repo.insertMembership(tx, { issuer_id: issuer.id, user_id: user.id, role, created_at: isoNow(clock), created_by: actor.userId });
    if (added) await audit.record(actor, { action: "member.add", objectType: "user", objectId: user.id, issuerId: issuer.id, details: { email: user.email, role } }, tx);
    return added;
  }

  return {
    /** The roles a user effectively holds in an issuer (empty set: no access). */
    async rolesOf(user: UserRow | null, issuer: IssuerRow): Promise<Set<Role>> {
      if (!user) return new Set();
      const ancestors = await deps.issuers.ancestorIds(issuer.id);
      const rows = await repo.listRolesOfUser(db, user.id, [issuer.id, ...ancestors]);
      const direct = rows.filter((r) => r.issuer_id === issuer.id).map((r) => r.role);
      const inheritedAdmin = rows.some((r) => r.issuer_id !== issuer.id && r.role === "admin");
      return effectiveRoles(direct, inheritedAdmin, user.is_node_admin === 1);
    },

    /** Adds a known person at once (told by e-mail when a person added them); invites an unknown address. */
    async add(actor: Actor, issuer: IssuerRow, input: MemberInput): Promise<AddMemberOutcome> {
      const user = await deps.accounts.findByEmail(input.email);
      if (!user) return invite(actor, issuer, input);
      const added = await db.transaction().execute(async (tx) => {
        if (!(await grant(actor, issuer, user, input.role, tx))) return false;
        // Someone gave the role (web form): tell the person. The CLI and demo seeding do not mail.
        if (actor.userId && actor.userId !== user.id) await deps.onAdded?.({ user, issuer, role: input.role, actor }, tx);
        return true;
      });
      return added ? { kind: "added", user } : { kind: "already-member", user };
    },

    /** Whether an account owns an address: its sign-in address or one of its confirmed extra ones. */
    async ownsAddress(user: UserRow, email: string): Promise<boolean> {
      const wanted = email.trim().toLowerCase();
      if (user.email.toLowerCase() === wanted) return true;
      const extra = (await deps.verifiedEmailsOf?.(user.id)) ?? [];
      return extra.some((e) => e.toLowerCase() === wanted);
    },

    /** Removes a role; the last admin of a space cannot be removed. */
    async removeRole(actor: Actor, issuer: IssuerRow, userId: string, role: Role): Promise<Result<void, "last-admin" | "not-found">> {
      if (role === "admin" && (await repo.countAdmins(db, issuer.id)) <= 1 && !(await deps.issuers.ancestorIds(issuer.id)).length) {
        const members = await repo.listMembers(db, issuer.id);
        if (members.some((m) => m.user_id === userId && m.role === "admin")) return err("last-admin");
      }
      const removed = await db.transaction().execute(async (tx) => {
        const done = await repo.deleteMembership(tx, issuer.id, userId, role);
        if (done) await audit.record(actor, { action: "member.remove", objectType: "user", objectId: userId, issuerId: issuer.id, details: { role } }, tx);
        return done;
      });
      return removed ? ok(undefined) : err("not-found");
    },

    /** Members grouped by person, with their roles. */
    async list(issuerId: string) {
      const rows = await repo.listMembers(db, issuerId);
      const byUser = new Map<string, { userId: string; email: string; displayName: string; roles: string[] }>();
      for (const r of rows) {
        const m = byUser.get(r.user_id) ?? { userId: r.user_id, email: r.email, displayName: r.display_name, roles: [] };
        m.roles.push(r.role);
        byUser.set(r.user_id, m);
      }
      return [...byUser.values()];
    },

    openInvitations: (issuerId: string) => repo.listOpenInvitations(db, issuerId, isoNow(clock)),
    membershipsOf: (userId: string) => repo.listMembershipsOfUser(db, userId),

    async revokeInvitation(actor: Actor, issuer: IssuerRow, invitationId: string): Promise<boolean> {
      const done = await repo.revokeInvitation(db, issuer.id, invitationId, isoNow(clock));
      if (done) await audit.record(actor, { action: "member.invite.revoke", objectType: "invitation", objectId: invitationId, issuerId: issuer.id });
      return done;
    },

    /** A usable invitation behind a link, with its issuer. */
    async findInvitation(token: string): Promise<{ invitation: InvitationRow; issuer: IssuerRow } | null> {
      const invitation = await repo.findInvitationByTokenHash(db, hashToken(token), isoNow(clock));
      const issuer = invitation && (await deps.issuers.findById(invitation.issuer_id));
      return invitation && issuer ? { invitation, issuer } : null;
    },

    /** Accepts an invitation for a signed-in or newly created person who owns the invited address. */
    async acceptInvitation(actor: Actor, token: string, user: UserRow): Promise<Result<IssuerRow, "invalid-token" | "other-address">> {
      const found = await this.findInvitation(token);
      if (!found) return err("invalid-token");
      if (!(await this.ownsAddress(user, found.invitation.email))) return err("other-address");
      await db.transaction().execute(async (tx) => {
        if (!(await repo.markInvitationAccepted(tx, found.invitation.id, user.id, isoNow(clock)))) return;
        await grant(actor, found.issuer, user, found.invitation.role as Role, tx);
      });
      return ok(found.issuer);
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;
