import type { Db, InvitationRow } from "../db/database.ts";

/** Direct roles of a user in some issuers. */
export function listRolesOfUser(db: Db, userId: string, issuerIds: string[]) {
  if (issuerIds.length === 0) return Promise.resolve([]);
  return db.selectFrom("memberships").select(["issuer_id", "role"]).where("user_id", "=", userId).where("issuer_id", "in", issuerIds).execute();
}

/** Every membership of a user with its issuer (for the home page). */
export function listMembershipsOfUser(db: Db, userId: string) {
  return db.selectFrom("memberships").innerJoin("issuers", "issuers.id", "memberships.issuer_id")
    .select(["issuers.id", "issuers.slug", "issuers.name", "memberships.role"]).where("user_id", "=", userId).orderBy("issuers.name").execute();
}

/** Members of an issuer with their roles. */
export function listMembers(db: Db, issuerId: string) {
  return db.selectFrom("memberships").innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id as user_id", "users.email", "users.display_name", "memberships.role", "memberships.created_at"])
    .where("issuer_id", "=", issuerId).orderBy("users.email").execute();
}

/** Grants a role; granting it twice changes nothing. */
export async function insertMembership(db: Db, row: { issuer_id: string; user_id: string; role: string; created_at: string; created_by: string | null }): Promise<boolean> {
  const res = await db.insertInto("memberships").values(row).onConflict((oc) => oc.columns(["issuer_id", "user_id", "role"]).doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes one role of a member. */
export async function deleteMembership(db: Db, issuerId: string, userId: string, role: string): Promise<boolean> {
  const res = await db.deleteFrom("memberships").where("issuer_id", "=", issuerId).where("user_id", "=", userId).where("role", "=", role).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Counts the admins of an issuer. */
export async function countAdmins(db: Db, issuerId: string): Promise<number> {
  const row = await db.selectFrom("memberships").select((eb) => eb.fn.countAll().as("n")).where("issuer_id", "=", issuerId).where("role", "=", "admin").executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Stores an invitation. */
export async function insertInvitation(db: Db, row: InvitationRow): Promise<void> {
  await db.insertInto("invitations").values(row).execute();
}

/** Open invitations of an issuer. */
export function listOpenInvitations(db: Db, issuerId: string, now: string): Promise<InvitationRow[]> {
  return db.selectFrom("invitations").selectAll().where("issuer_id", "=", issuerId).where("accepted_at", "is", null)
    .where("revoked_at", "is", null).where("expires_at", ">", now).orderBy("created_at", "desc").execute();
}

/** The open invitation of an e-mail for a role, if any. */
export function findOpenInvitation(db: Db, issuerId: string, email: string, role: string, now: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("issuer_id", "=", issuerId).where("email", "=", email).where("role", "=", role)
    .where("accepted_at", "is", null).where("revoked_at", "is", null).where("expires_at", ">", now).executeTakeFirst();
}

/** Finds a usable invitation by the hash of its token. */
export function findInvitationByTokenHash(db: Db, tokenHash: string, now: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("invitations").selectAll().where("token_hash", "=", tokenHash).where("accepted_at", "is", null)
    .where("revoked_at", "is", null).where("expires_at", ">", now).executeTakeFirst();
}

/** Marks an invitation accepted (only once). */
export async function markInvitationAccepted(db: Db, id: string, userId: string, now: string): Promise<boolean> {
  const res = await db.updateTable("invitations").set({ accepted_at: now, accepted_by: userId }).where("id", "=", id).where("accepted_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Revokes an open invitation. */
export async function revokeInvitation(db: Db, issuerId: string, id: string, now: string): Promise<boolean> {
  const res = await db.updateTable("invitations").set({ revoked_at: now }).where("id", "=", id).where("issuer_id", "=", issuerId).where("accepted_at", "is", null)
    .where("revoked_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
