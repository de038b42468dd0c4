import { sql, type Insertable } from "kysely";
import type { CredentialRow, CredentialsTable, Db } from "../db/database.ts";
import { recipientKey, recipientsByType, type TypedRecipient } from "../sso/recipient-type.ts";

/** Stores issued credentials with one statement per 100 (a bulk award stores thousands). */
export async function insertCredentials(db: Db, rows: Insertable<CredentialsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) await db.insertInto("credentials").values(rows.slice(i, i + 100)).execute();
}

/** The award lines (among some) that already have their credential (idempotency, one query per 500). */
export async function listIssuedItems(db: Db, awardItemIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < awardItemIds.length; i += 500) {
    const rows = await db.selectFrom("credentials").select("award_item_id").where("award_item_id", "in", awardItemIds.slice(i, i + 500)).execute();
    for (const r of rows) if (r.award_item_id) out.add(r.award_item_id);
  }
  return out;
}

/** Finds a credential by id. */
export function findCredential(db: Db, id: string): Promise<CredentialRow | undefined> {
  return db.selectFrom("credentials").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Finds the credential issued for an award line (idempotency). */
export function findCredentialByItem(db: Db, awardItemId: string): Promise<CredentialRow | undefined> {
  return db.selectFrom("credentials").selectAll().where("award_item_id", "=", awardItemId).executeTakeFirst();
}

/** Credentials a recipient (type and value) holds for some templates, not revoked. */
export function listHeldCredentials(db: Db, recipient: TypedRecipient, achievementIds: string[]) {
  if (achievementIds.length === 0) return Promise.resolve([] as Pick<CredentialRow, "id" | "achievement_id" | "status">[]);
  return db.selectFrom("credentials").select(["id", "achievement_id", "status"]).where("recipient_type", "=", recipient.type)
    .where("recipient", "=", recipient.value).where("achievement_id", "in", achievementIds).where("status", "!=", "revoked").execute();
}

/** Recipients (among some, by type and value) who already hold a template, not revoked: their `recipientKey`s. */
export async function listHolders(db: Db, achievementId: string, recipients: TypedRecipient[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [type, values] of recipientsByType(recipients)) {
    for (let i = 0; i < values.length; i += 500) {
      const rows = await db.selectFrom("credentials").select("recipient").where("achievement_id", "=", achievementId)
        .where("recipient_type", "=", type).where("recipient", "in", values.slice(i, i + 500)).where("status", "!=", "revoked").execute();
      for (const r of rows) if (r.recipient) out.add(recipientKey({ type, value: r.recipient }));
    }
  }
  return out;
}

/**
 * How many learners hold each template: distinct recipients (identity type and value) with an
 * active credential (revoked and suspended ones do not count; a learner awarded twice counts once).
 * A credential whose recipient erased their data counts as one learner (nothing left to match it).
 */
export async function countHolders(db: Db, achievementIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < achievementIds.length; i += 500) {
    const holders = db.selectFrom("credentials")
      .select(["achievement_id", "recipient_type", (eb) => eb.fn.coalesce("recipient", sql<string>`'#' || id`).as("who")]).distinct()
      .where("achievement_id", "in", achievementIds.slice(i, i + 500)).where("status", "=", "active");
    const rows = await db.selectFrom(holders.as("h")).select(["h.achievement_id", (eb) => eb.fn.countAll().as("n")]).groupBy("h.achievement_id").execute();
    for (const r of rows) out.set(r.achievement_id, Number(r.n));
  }
  return out;
}

/** Status-list bits: revoked credentials, or currently suspended ones. */
export async function listStatusIndexes(db: Db, issuerId: string, status: "revoked" | "suspended"): Promise<number[]> {
  const rows = await db.selectFrom("credentials").select("status_index").where("issuer_id", "=", issuerId).where("status", "=", status).execute();
  return rows.map((r) => r.status_index);
}

/** An issuer's credentials in some statuses, with their reasons (OB 2.0 revocation list). */
export function listCredentialsInStatus(db: Db, issuerId: string, statuses: string[]) {
  return db.selectFrom("credentials").select(["id", "status", "status_reason"]).where("issuer_id", "=", issuerId)
    .where("status", "in", statuses).orderBy("status_changed_at").orderBy("id").execute();
}

/** Changes a credential's status; returns false if it was not in the expected state. */
export async function updateCredentialStatus(db: Db, id: string, from: string[], to: string, reason: string | null, at: string): Promise<boolean> {
  const res = await db.updateTable("credentials").set({ status: to, status_reason: reason, status_changed_at: at })
    .where("id", "=", id).where("status", "in", from).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Credentials issued to some recipients (matched on type and value), newest first. */
export function listCredentialsOfRecipient(db: Db, recipients: TypedRecipient[]): Promise<CredentialRow[]> {
  const groups = [...recipientsByType(recipients)];
  if (groups.length === 0) return Promise.resolve([]);
  return db.selectFrom("credentials").selectAll()
    .where((eb) => eb.or(groups.map(([type, values]) => eb.and([eb("recipient_type", "=", type), eb("recipient", "in", values)]))))
    .orderBy("created_at", "desc").execute();
}


/** Issuing figures of some issuers: counts per status and per month (YYYY-MM) since a date. */
export async function credentialStats(db: Db, issuerIds: string[], since: string) {
  if (issuerIds.length === 0) return { byStatus: [] as { status: string; n: number }[], byMonth: [] as { month: string; n: number }[], byAchievement: [] as { achievement_id: string; n: number }[] };
  const [byStatus, byMonth, byAchievement] = await Promise.all([
    db.selectFrom("credentials").select(["status", (eb) => eb.fn.countAll().as("n")]).where("issuer_id", "in", issuerIds).groupBy("status").execute(),
    db.selectFrom("credentials").select([sql<string>`substr(created_at, 1, 7)`.as("month"), (eb) => eb.fn.countAll().as("n")])
      .where("issuer_id", "in", issuerIds).where("created_at", ">=", since).groupBy(sql`substr(created_at, 1, 7)`).execute(),
    db.selectFrom("credentials").select(["achievement_id", (eb) => eb.fn.countAll().as("n")]).where("issuer_id", "in", issuerIds)
      .where("status", "!=", "revoked").groupBy("achievement_id").orderBy(sql`count(*)`, "desc").limit(10).execute(),
  ]);
  return {
    byStatus: byStatus.map((r) => ({ status: r.status, n: Number(r.n) })),
    byMonth: byMonth.map((r) => ({ month: String(r.month), n: Number(r.n) })),
    byAchievement: byAchievement.map((r) => ({ achievement_id: r.achievement_id, n: Number(r.n) })),
  };
}

/** Erases recipients' personal data from their credentials; the signed documents stay (hashed identities only). */
export async function forgetRecipients(db: Db, recipients: TypedRecipient[]): Promise<number> {
  const groups = [...recipientsByType(recipients)];
  if (groups.length === 0) return 0;
  const res = await db.updateTable("credentials").set({ recipient: null, recipient_name: null })
    .where((eb) => eb.or(groups.map(([type, values]) => eb.and([eb("recipient_type", "=", type), eb("recipient", "in", values)])))).executeTakeFirst();
  return Number(res.numUpdatedRows);
}
