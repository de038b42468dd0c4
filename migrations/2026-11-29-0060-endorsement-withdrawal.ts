import type { Kysely } from "kysely";

// Endorsements can be withdrawn: the endorser's credential carries a revocation entry in its
// issuer's status list (`status_index`, "given" rows; the same index space as its credentials),
// and both sides keep the withdrawal date. Issuers may also be endorsed (no achievement then).
// Per template, whether newly issued credentials embed its verified endorsements (absent row: no — see src/federation/endorsements.service.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endorsements").addColumn("status_index", "integer").execute();
  await db.schema.alterTable("endorsements").addColumn("withdrawn_at", "text").execute();
  await db.schema.createIndex("endorsements_issuer_status_idx").on("endorsements").columns(["issuer_id", "status_index"]).execute();
  await db.schema.createIndex("endorsements_actor_idx").on("endorsements").columns(["actor_id", "direction"]).execute();

  await db.schema
    .createTable("endorsement_settings")
    .addColumn("achievement_id", "text", (c) => c.primaryKey().references("achievements.id").onDelete("cascade"))
    .addColumn("embed", "integer", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
