import type { AuditService } from "../audit/audit.service.ts";
import type { Db, UserRow } from "../db/database.ts";
import { isoIn, isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { hashToken, newId, randomToken } from "../shared/tokens.ts";
import { dummyHash, verifyPassword } from "./password.ts";
import * as repo from "./auth.repository.ts";

const THROTTLE_WINDOW_MS = 15 * 60_000;

export type LoginError = "invalid" | "throttled" | "disabled" | "password-login-off" | "sso-required";

export interface AuthDeps {
  db: Db;
  clock: Clock;
  sessionDays: number;
  maxFailedLogins: number;
  passwordLogin: boolean;
  /** log2 of scrypt's N for new hashes: an unknown account is checked at the same cost. */
  passwordHashCost: number;
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  /** Sign-ins, successful or refused, go to the audit trail. */
  audit: AuditService;
  /** Whether this account may use its password (sso.staffPasswordLogin); asked only after the password matched. */
  passwordLoginAllowed?(user: UserRow): Promise<boolean>;
}

/** Sign-in, sessions and login throttling. */
export function createAuthService(deps: AuthDeps) {
  const { db, clock } = deps;
  const sessionMs = deps.sessionDays * 86_400_000;

  async function isThrottled(email: string, ip: string | null): Promise<boolean> {
    const since = isoIn(clock, -THROTTLE_WINDOW_MS);
    if ((await repo.countFailedAttempts(db, { email }, since)) >= deps.maxFailedLogins) return true;
    // An address gets more room than an account: a campus NAT hides many people.
    return ip !== null && (await repo.countFailedAttempts(db, { ip }, since)) >= deps.maxFailedLogins * 10;
  }

  async function startSession(userId: string, ip: string | null, userAgent: string | null): Promise<string> {
    const token = randomToken();
    const now = isoNow(clock);
    await repo.insertSession(db, { id: hashToken(token), user_id: userId, created_at: now, last_seen_at: now, expires_at: isoIn(clock, sessionMs), ip, user_agent: userAgent?.slice(0, 300) ?? null });
    return token;
  }

  return {
    startSession,

    /** Checks e-mail + password; on success opens a session and returns its cookie token. */
    async login(input: { email: string; password: string; ip: string | null; userAgent: string | null }): Promise<Result<{ token: string; user: UserRow }, LoginError>> {
      if (!deps.passwordLogin) return err("password-login-off");
      const email = input.email.trim().toLowerCase();
      if (await isThrottled(email, input.ip)) return err("throttled");
      const user = await deps.findUserByEmail(email);
      const valid = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash(deps.passwordHashCost)));
      await repo.insertLoginAttempt(db, { id: newId(), email, ip: input.ip, succeeded: valid && user ? 1 : 0, at: isoNow(clock) });
      const refused = !user || !valid ? "invalid" : user.disabled_at ? "disabled"
        : deps.passwordLoginAllowed && !(await deps.passwordLoginAllowed(user)) ? "sso-required" : null;
      const actor = { userId: user?.id ?? null, label: email, ip: input.ip };
      if (refused || !user) {
        await deps.audit.record(actor, { action: "auth.login.failed", objectType: "user", objectId: user?.id ?? null, details: { reason: refused, method: "password" } });
        return err(refused ?? "invalid");
      }
      await deps.audit.record(actor, { action: "auth.login", objectType: "user", objectId: user.id, details: { method: "password" } });
      return ok({ token: await startSession(user.id, input.ip, input.userAgent), user });
    },

    /** The signed-in user of a session cookie, sliding the session forward. */
    async resolveSession(token: string): Promise<UserRow | null> {
      const now = isoNow(clock);
      const found = await repo.findSessionUser(db, hashToken(token), now);
      if (!found || found.user.disabled_at) return null;
      // Write at most once a minute per session, not on every request.
      if (Date.parse(now) - Date.parse(found.session_last_seen_at) > 60_000) await repo.touchSession(db, hashToken(token), now, isoIn(clock, sessionMs));
      return found.user;
    },

    logout: (token: string) => repo.deleteSession(db, hashToken(token)),
    /** Ends every other session of a user (after a password change). */
    endOtherSessions: (userId: string, keepToken?: string, tx: Db = db) => repo.deleteUserSessions(tx, userId, keepToken ? hashToken(keepToken) : undefined),
    purge: () => repo.purgeExpired(db, isoIn(clock, -7 * 86_400_000), isoNow(clock)),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
