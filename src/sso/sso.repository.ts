import type { Insertable, Selectable } from "kysely";
import type { Db } from "../db/database.ts";
import type { UserIdentitiesTable } from "./sso.tables.ts";

export type IdentityRow = Selectable<UserIdentitiesTable>;

/** Finds the identity a provider's subject is linked to. */
export function findIdentity(db: Db, provider: string, subject: string): Promise<IdentityRow | undefined> {
  return db.selectFrom("user_identities").selectAll().where("provider", "=", provider).where("subject", "=", subject).executeTakeFirst();
}

/** Lists the identities of an account. */
export function listIdentitiesOfUser(db: Db, userId: string): Promise<IdentityRow[]> {
  return db.selectFrom("user_identities").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
}

/** True when the account already has an identity from this provider. */
export async function hasIdentityFrom(db: Db, userId: string, provider: string): Promise<boolean> {
  const row = await db.selectFrom("user_identities").select("id").where("user_id", "=", userId).where("provider", "=", provider).executeTakeFirst();
  return !!row;
}

/** Inserts an identity. */
export async function insertIdentity(db: Db, row: Insertable<UserIdentitiesTable>): Promise<void> {
  await db.insertInto("user_identities").values(row).execute();
}

/** Refreshes what the provider said at the latest login. */
export async function updateIdentity(db: Db, id: string, changes: Pick<IdentityRow, "eppn" | "email" | "email_verified" | "affiliation" | "home_org" | "last_login_at">): Promise<void> {
  await db.updateTable("user_identities").set(changes).where("id", "=", id).execute();
}

/** The account a verified address belongs to. */
export async function findUserIdByVerifiedEmail(db: Db, email: string): Promise<string | undefined> {
  const row = await db.selectFrom("user_emails").select("user_id").where("email", "=", email).where("verified_at", "is not", null).executeTakeFirst();
  return row?.user_id;
}

/** Records an address of an account; an address already known (to anyone) is left as it is, but gets verified when it is this account's. */
export async function upsertEmail(db: Db, row: { email: string; user_id: string; verified_at: string | null; source: string; created_at: string }): Promise<void> {
  await db.insertInto("user_emails").values(row).onConflict((oc) => oc.column("email").doNothing()).execute();
  if (row.verified_at) {
    await db.updateTable("user_emails").set({ verified_at: row.verified_at, source: row.source })
      .where("email", "=", row.email).where("user_id", "=", row.user_id).where("verified_at", "is", null).execute();
  }
}

/** The verified addresses of an account. */
export async function listVerifiedEmails(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom("user_emails").select("email").where("user_id", "=", userId).where("verified_at", "is not", null).orderBy("email").execute();
  return rows.map((r) => r.email);
}

/** Stores an AuthnRequest we sent. */
export async function insertSamlRequest(db: Db, row: { id: string; idp_entity_id: string; next: string | null; created_at: string }): Promise<void> {
  await db.insertInto("saml_requests").values({ ...row, used_at: null }).execute();
}

/** A request that was sent after `since` and not answered yet. */
export function findOpenSamlRequest(db: Db, id: string, since: string) {
  return db.selectFrom("saml_requests").selectAll().where("id", "=", id).where("used_at", "is", null).where("created_at", ">", since).executeTakeFirst();
}

/** Marks a request answered; false when it already was (a replayed response). */
export async function markSamlRequestUsed(db: Db, id: string, now: string): Promise<boolean> {
  const r = await db.updateTable("saml_requests").set({ used_at: now }).where("id", "=", id).where("used_at", "is", null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Forgets requests older than `before` (answered ones are kept that long to recognise replays). */
export async function deleteSamlRequestsBefore(db: Db, before: string): Promise<void> {
  await db.deleteFrom("saml_requests").where("created_at", "<", before).execute();
}

/** Forgets one address of an account (its badges stop showing in that account's backpack). */
export async function deleteEmail(db: Db, userId: string, email: string): Promise<void> {
  await db.deleteFrom("user_emails").where("user_id", "=", userId).where("email", "=", email).execute();
}
