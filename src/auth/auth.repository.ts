import type { Db, UserRow } from "../db/database.ts";

/** Stores a session (the id is the hash of the cookie value). */
export async function insertSession(db: Db, row: { id: string; user_id: string; created_at: string; expires_at: string; last_seen_at: string; ip: string | null; user_agent: string | null }): Promise<void> {
  await db.insertInto("sessions").values(row).execute();
}

/** Finds the live session and its user. */
export async function findSessionUser(db: Db, id: string, now: string): Promise<{ session_expires_at: string; session_last_seen_at: string; user: UserRow } | undefined> {
  const row = await db.selectFrom("sessions").innerJoin("users", "users.id", "sessions.user_id")
    .selectAll("users").select(["sessions.expires_at as session_expires_at", "sessions.last_seen_at as session_last_seen_at"])
    .where("sessions.id", "=", id).where("sessions.expires_at", ">", now).executeTakeFirst();
  if (!row) return undefined;
  const { session_expires_at, session_last_seen_at, ...user } = row;
  return { session_expires_at, session_last_seen_at, user };
}

/** Slides a session's expiry forward. */
export async function touchSession(db: Db, id: string, now: string, expiresAt: string): Promise<void> {
  await db.updateTable("sessions").set({ last_seen_at: now, expires_at: expiresAt }).where("id", "=", id).execute();
}

/** Deletes one session (logout). */
export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", id).execute();
}

/** Deletes every session of a user (password change). */
export async function deleteUserSessions(db: Db, userId: string, exceptId?: string): Promise<void> {
  await db.deleteFrom("sessions").where("user_id", "=", userId).$if(!!exceptId, (qb) => qb.where("id", "!=", exceptId!)).execute();
}

/** Records a login attempt. */
export async function insertLoginAttempt(db: Db, row: { id: string; email: string; ip: string | null; succeeded: number; at: string }): Promise<void> {
  await db.insertInto("login_attempts").values(row).execute();
}

/** Counts failed attempts for an e-mail, or from an address, since a time. */
export async function countFailedAttempts(db: Db, by: { email?: string; ip?: string }, since: string): Promise<number> {
  const row = await db.selectFrom("login_attempts").select((eb) => eb.fn.countAll().as("n"))
    .where("succeeded", "=", 0).where("at", ">", since)
    .$if(by.email !== undefined, (qb) => qb.where("email", "=", by.email!))
    .$if(by.ip !== undefined, (qb) => qb.where("ip", "=", by.ip!))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Forgets old attempts, expired sessions and expired login links (setup, reset, magic). */
export async function purgeExpired(db: Db, attemptsBefore: string, now: string): Promise<void> {
  await db.deleteFrom("login_attempts").where("at", "<", attemptsBefore).execute();
  await db.deleteFrom("sessions").where("expires_at", "<", now).execute();
  await db.deleteFrom("login_tokens").where("expires_at", "<", now).execute();
}
