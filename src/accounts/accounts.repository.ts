import { sql, type Insertable, type Updateable } from "kysely";
import type { Db, UserRow, UsersTable } from "../db/database.ts";

/** Finds a user by id. */
export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds a user by (normalised, lower-case) e-mail. */
export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

/** The saved languages of the accounts with these e-mails (lower-case), in a few queries. */
export async function findLocalesByEmails(db: Db, emails: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < emails.length; i += 500) {
    const rows = await db.selectFrom("users").select(["email", "locale"]).where("email", "in", emails.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.email, r.locale);
  }
  return out;
}

/** Inserts a user. */
export async function insertUser(db: Db, user: Insertable<UsersTable>): Promise<void> {
  await db.insertInto("users").values(user).execute();
}

/** Updates a user's fields. */
export async function updateUser(db: Db, id: string, changes: Updateable<UsersTable>): Promise<void> {
  await db.updateTable("users").set(changes).where("id", "=", id).execute();
}

/** Counts node administrators. */
export async function countNodeAdmins(db: Db): Promise<number> {
  const row = await db.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).where("is_node_admin", "=", 1).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Lists users by e-mail. */
export function listUsers(db: Db, limit = 500): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().orderBy("email").limit(limit).execute();
}

/** Stores a one-time login token (hash only). */
export async function insertLoginToken(db: Db, row: { id: string; user_id: string; purpose: string; created_at: string; expires_at: string }): Promise<void> {
  await db.insertInto("login_tokens").values({ ...row, used_at: null }).execute();
}

/** Marks an unused, unexpired token used; returns its user id when that worked. */
export async function consumeLoginToken(db: Db, id: string, purpose: string, now: string): Promise<string | undefined> {
  const row = await db.updateTable("login_tokens").set({ used_at: now })
    .where("id", "=", id).where("purpose", "=", purpose).where("used_at", "is", null).where("expires_at", ">", now)
    .returning("user_id").executeTakeFirst();
  return row?.user_id;
}

/** Finds a usable token without consuming it (to show the form). */
export function findUsableLoginToken(db: Db, id: string, purpose: string, now: string) {
  return db.selectFrom("login_tokens").innerJoin("users", "users.id", "login_tokens.user_id")
    .select(["login_tokens.user_id", "users.email"])
    .where("login_tokens.id", "=", id).where("purpose", "=", purpose).where("used_at", "is", null).where("expires_at", ">", now)
    .executeTakeFirst();
}

/** Spends a usable token only if its purpose starts so (and, when given, it is this user's), in one UPDATE: any other use leaves it usable. */
export async function consumeLoginTokenByPrefix(db: Db, id: string, purposePrefix: string, userId: string | null, now: string): Promise<{ user_id: string; purpose: string } | undefined> {
  let q = db.updateTable("login_tokens").set({ used_at: now })
    .where("id", "=", id).where(sql<string>`substr(purpose, 1, ${sql.lit(purposePrefix.length)})`, "=", purposePrefix)
    .where("used_at", "is", null).where("expires_at", ">", now);
  if (userId !== null) q = q.where("user_id", "=", userId);
  return q.returning(["user_id", "purpose"]).executeTakeFirst();
}

/** Deletes a user (sessions, tokens, e-mails and backpack go with it). */
export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom("users").where("id", "=", id).execute();
}
