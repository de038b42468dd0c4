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
export function createAccountsService(deps: { db: Db; clock: Clock; passwordHashCost: number }) {
  const { db, clock } = deps;

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
  async function issueToken(userId: string, purpose: string, ttlMs = 7 * DAY): Promise<string> {
    const token = randomToken();
    await repo.insertLoginToken(db, { id: hashToken(token), user_id: userId, purpose, created_at: isoNow(clock), expires_at: isoIn(clock, ttlMs) });
    return token;
  }

  return {
    create,
    issueToken,
    findById: (id: string) => repo.findUserById(db, id),
    findByEmail: (email: string) => repo.findUserByEmail(db, email.trim().toLowerCase()),
    list: () => repo.listUsers(db),

    /** On first start: creates the node administrator and a setup link, once. */
    async ensureNodeAdmin(email: string): Promise<{ email: string; setupToken: string } | null> {
      if ((await repo.countNodeAdmins(db)) > 0) return null;
      const existing = await repo.findUserByEmail(db, email);
      let userId = existing?.id;
      if (existing) await repo.updateUser(db, existing.id, { is_node_admin: 1, updated_at: isoNow(clock) });
      else {
        const created = await create({ email, displayName: "Administrateur", isNodeAdmin: true });
        if (!created.ok) throw new Error(`cannot create the administrator ${email}`);
        userId = created.value.id;
      }
      return { email, setupToken: await issueToken(userId!, "setup") };
    },

    /** The account a setup/reset link belongs to, if the link is still usable. */
    peekToken: (token: string, purpose: "setup" | "reset") => repo.findUsableLoginToken(db, hashToken(token), purpose, isoNow(clock)),

    /** Sets a password through a one-time link (which is then spent). */
    async setPasswordWithToken(token: string, purpose: "setup" | "reset", password: string): Promise<Result<UserRow, "invalid-token">> {
      const userId = await repo.consumeLoginToken(db, hashToken(token), purpose, isoNow(clock));
      if (!userId) return err("invalid-token");
      await repo.updateUser(db, userId, { password_hash: await hashPassword(password, deps.passwordHashCost), updated_at: isoNow(clock) });
      return ok((await repo.findUserById(db, userId))!);
    },

    /** Changes a signed-in user's password after checking the current one. */
    async changePassword(userId: string, current: string, next: string): Promise<Result<void, "wrong-password">> {
      const user = await repo.findUserById(db, userId);
      if (!user?.password_hash || !(await verifyPassword(current, user.password_hash))) return err("wrong-password");
      await repo.updateUser(db, userId, { password_hash: await hashPassword(next, deps.passwordHashCost), updated_at: isoNow(clock) });
      return ok(undefined);
    },

    /** Sets a password directly (CLI). */
    async setPassword(userId: string, password: string): Promise<void> {
      await repo.updateUser(db, userId, { password_hash: await hashPassword(password, deps.passwordHashCost), updated_at: isoNow(clock) });
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

    async makeNodeAdmin(userId: string): Promise<void> {
      await repo.updateUser(db, userId, { is_node_admin: 1, updated_at: isoNow(clock) });
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
