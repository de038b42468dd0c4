import type { Kysely } from "kysely";

// Issuing: issuer signing keys, award lists (jury workflow), issued credentials, status lists.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("issuer_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("kid", "text", (c) => c.notNull())
    .addColumn("public_key_multibase", "text", (c) => c.notNull())
    .addColumn("secret_encrypted", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("retired_at", "text")
    .addColumn("revoked_at", "text")
    .addColumn("revocation_reason", "text")
    .addUniqueConstraint("issuer_keys_kid_uq", ["issuer_id", "kid"])
    .execute();

  await db.schema
    .createTable("award_lists")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("notify", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("idempotency_key", "text", (c) => c.unique())
    .addColumn("created_by", "text")
    .addColumn("created_label", "text", (c) => c.notNull())
    .addColumn("submitted_at", "text")
    .addColumn("reviewed_by", "text")
    .addColumn("reviewed_at", "text")
    .addColumn("review_comment", "text")
    .addColumn("job_id", "text")
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("valid", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("issued", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("award_lists_issuer_idx").on("award_lists").columns(["issuer_id", "status", "created_at"]).execute();

  await db.schema
    .createTable("award_items")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("list_id", "text", (c) => c.notNull().references("award_lists.id").onDelete("cascade"))
    .addColumn("row_number", "integer", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("recipient_type", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("evidence_url", "text")
    .addColumn("narrative", "text")
    .addColumn("result", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("errors", "text")
    .addColumn("override_reason", "text")
    .addColumn("credential_id", "text")
    .execute();
  await db.schema.createIndex("award_items_list_idx").on("award_items").columns(["list_id", "row_number"]).execute();

  await db.schema
    .createTable("credentials")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id"))
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id"))
    .addColumn("achievement_version", "integer", (c) => c.notNull())
    .addColumn("award_item_id", "text", (c) => c.unique())
    .addColumn("recipient", "text")
    .addColumn("recipient_type", "text", (c) => c.notNull())
    .addColumn("recipient_name", "text")
    .addColumn("identity_hash", "text", (c) => c.notNull())
    .addColumn("salt", "text", (c) => c.notNull())
    .addColumn("result", "text")
    .addColumn("document", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_reason", "text")
    .addColumn("status_changed_at", "text")
    .addColumn("status_index", "integer", (c) => c.notNull())
    .addColumn("valid_from", "text", (c) => c.notNull())
    .addColumn("valid_until", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("credentials_status_index_uq", ["issuer_id", "status_index"])
    .execute();
  await db.schema.createIndex("credentials_recipient_idx").on("credentials").columns(["recipient", "achievement_id"]).execute();
  await db.schema.createIndex("credentials_achievement_idx").on("credentials").columns(["achievement_id", "status"]).execute();

  await db.schema
    .createTable("status_lists")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("document", "text")
    .addColumn("etag", "text")
    .addColumn("dirty", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("status_lists_issuer_purpose_uq", ["issuer_id", "purpose"])
    .execute();
}
