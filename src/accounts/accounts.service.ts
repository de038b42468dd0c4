import { systemActor, type Actor, type AuditService } from "../audit/audit.service.ts";
import type { Db, UserRow } from "../db/database.ts";
import { hashPassword, verifyPassword } from "../auth/password.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isUniqueViolation } from "../shared/sql-errors.ts";
import { hashToken, newId, randomToken } from "../shared/tokens.ts";
import * as repo from "./accounts.repository.ts";
import type { ProfileInput } from "./accounts.schema.ts";

export interface NewUser {
  email: string;
  displayName: string;
  password?: string | null;
  isNodeAdmin?: boolean;
  locale?: "fr" | "en" | null;
}

const DAY = 86_400_000;

/** People: staff and learner accounts, passwords and one-time links. */
export function createAccountsService(deps: { db: Db; clock: Clock; passwordHashCost: number; audit: AuditService }) {
  const { db, clock, audit } = deps;
  const userActor = (user: UserRow, ip: string | null = null): Actor => ({ userId: user.id, label: user.email, ip });

  async function create(input: NewUser, tx: Db = db): Promise<Result<UserRow, "email-taken">> {
    const now = isoNow(clock);
    const row: UserRow = {
      id: newId(), email: input.email.trim().toLowerCase(), display_name: input.displayName.trim(),
      password_hash: input.password ? await hashPassword(input.password, deps.passwordHashCost) : null,
      locale: input.locale ?? null, is_node_admin: input.isNodeAdmin ? 1 : 0, disabled_at: null, created_at: now, updated_at: now,
    };
    try {
      await repo.insertUser(tx, row);
    } catch (e) {
      if (isUniqueViolation(e)) return err("email-taken");
      throw e;
    }
    return ok(row);
  }

  /** Issues a one-time link token (setup, reset, magic:<e-mail>); only its hash is stored. */
  async function issueToken(userId: string, purpose: string, ttlMs = 7 * DAY, tx: Db = db): Promise<string> {
    const token = randomToken();
    await repo.insertLoginToken(tx, { id: hashToken(token), user_id: userId, purpose, created_at: isoNow(clock), expires_at: isoIn(clock, ttlMs) });
    return token;
  }

  return {
    create,
    issueToken,
    findById: (id: string) => repo.findUserById(db, id),
    findByEmail: (email: string) => repo.findUserByEmail(db, email.trim().toLowerCase()),
    list: () => repo.listUsers(db),

    /** On first start: creates the node administrator and a setup link, once (audited as the system's doing). */
    async ensureNodeAdmin(email: string): Promise<{ email: string; setupToken: string } | null> {
      return db.transaction().execute(async (tx) => {
        if ((await repo.countNodeAdmins(tx)) > 0) return null;
        const existing = await repo.findUserByEmail(tx, email);
        let userId = existing?.id;
        if (existing) await repo.updateUser(tx, existing.id, { is_node_admin: 1, updated_at: isoNow(clock) });
        else {
          const created = await create({ email, displayName: "Administrateur", isNodeAdmin: true }, tx);
          if (!created.ok) throw new Error(`cannot create the administrator ${email}`);
          userId = created.value.id;
        }
        const action = existing ? "account.promote" : "account.create";
        await audit.record(systemActor, { action, objectType: "user", objectId: userId!, details: { email, nodeAdmin: true, firstStart: true } }, tx);
        return { email, setupToken: await issueToken(userId!, "setup", 7 * DAY, tx) };
      });
    },

    /** The account a setup/reset link belongs to, if the link is still usable. */
    peekToken: (token: string, purpose: "setup" | "reset") => repo.findUsableLoginToken(db, hashToken(token), purpose, isoNow(clock)),

    /** Sets a password through a one-time link (which is then spent); audited as the account holder's doing. */
    async setPasswordWithToken(token: string, purpose: "setup" | "reset", password: string, ip: string | null = null): Promise<Result<UserRow, "invalid-token">> {
      const hash = await hashPassword(password, deps.passwordHashCost); // slow: outside the transaction
      const user = await db.transaction().execute(async (tx) => {
        const userId = await repo.consumeLoginToken(tx, hashToken(token), purpose, isoNow(clock));
        if (!userId) return null;
        await repo.updateUser(tx, userId, { password_hash: hash, updated_at: isoNow(clock) });
        const row = (await repo.findUserById(tx, userId))!;
        await audit.record(userActor(row, ip), { action: `account.password.${purpose}`, objectType: "user", objectId: userId }, tx);
        return row;
      });
      return user ? ok(user) : err("invalid-token");
    },

    /** Changes a signed-in user's password after checking the current one. */
    async changePassword(userId: string, current: string, next: string, ip: string | null = null): Promise<Result<void, "wrong-password">> {
      const user = await repo.findUserById(db, userId);
      if (!user?.password_hash || !(await verifyPassword(current, user.password_hash))) return err("wrong-password");
      const hash = await hashPassword(next, deps.passwordHashCost);
      await db.transaction().execute(async (tx) => {
        await repo.updateUser(tx, userId, { password_hash: hash, updated_at: isoNow(clock) });
        await audit.record(userActor(user, ip), { action: "account.password.change", objectType: "user", objectId: userId }, tx);
      });
      return ok(undefined);
    },

    /**
     * Makes an existing account a node administrator with a new password, in one transaction with
     * its audit event; `alsoInTx` runs in the same transaction (ending the account's sessions).
     */
    async promoteWithPassword(user: UserRow, password: string, actor: Actor, alsoInTx: (tx: Db) => Promise<void>): Promise<void> {
      const hash = await hashPassword(password, deps.passwordHashCost);
      await db.transaction().execute(async (tx) => {
        await repo.updateUser(tx, user.id, { is_node_admin: 1, password_hash: hash, updated_at: isoNow(clock) });
        await alsoInTx(tx);
        await audit.record(actor, {
          action: "account.promote", objectType: "user", objectId: user.id,
          details: { email: user.email, wasNodeAdmin: user.is_node_admin === 1, passwordSet: true },
        }, tx);
      });
    },

    async updateProfile(userId: string, input: ProfileInput): Promise<void> {
      await repo.updateUser(db, userId, { display_name: input.displayName, locale: input.locale, updated_at: isoNow(clock) });
    },

    /** Spends a one-time link only when it has this purpose (by prefix), so a link meant for something else stays usable. */
    consumeLink: (token: string, purposePrefix: string) => repo.consumeLoginTokenByPrefix(db, hashToken(token), purposePrefix, null, isoNow(clock)),

    /** Spends a one-time link only when it is this user's and of this purpose (by prefix); returns its full purpose. */
    consumeLinkOf: async (token: string, userId: string, purposePrefix: string) => (await repo.consumeLoginTokenByPrefix(db, hashToken(token), purposePrefix, userId, isoNow(clock)))?.purpose,

    /** Deletes an account for good (GDPR erasure); issued credentials are handled by the caller. */
    delete: (userId: string) => repo.deleteUser(db, userId),

  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
