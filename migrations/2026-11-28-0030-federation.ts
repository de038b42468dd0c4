import type { Kysely } from "kysely";

// Federation (ActivityPub through Fedify): Fedify's key–value store, the actors' own keys, partner
// relations, cached remote actors, templates received from partners, blocks, processed activities.
// Fedify's message queue needs no table: it rides on `jobs` (durable, retried, transactional).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("fedify_kv")
    .addColumn("key", "text", (c) => c.primaryKey()) // JSON of Fedify's key tuple
    .addColumn("value", "text", (c) => c.notNull()) // JSON
    .addColumn("expires_at", "text")
    .execute();
  await db.schema.createIndex("fedify_kv_expires_idx").on("fedify_kv").column("expires_at").execute();

  // ActivityPub keys, kept apart from the OB signing keys (issuer_keys): other purpose, other rotation.
  await db.schema
    .createTable("actor_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("owner", "text", (c) => c.notNull()) // issuer id, or "_node" for the node's Application actor
    .addColumn("algorithm", "text", (c) => c.notNull()) // "RSASSA-PKCS1-v1_5" | "Ed25519"
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk_sealed", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("actor_keys_owner_algorithm_uq", ["owner", "algorithm"])
    .execute();

  await db.schema
    .createTable("federation_settings")
    .addColumn("issuer_id", "text", (c) => c.primaryKey().references("issuers.id").onDelete("cascade"))
    .addColumn("accept_policy", "text", (c) => c.notNull()) // "auto" | "manual"
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("federation_follows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("direction", "text", (c) => c.notNull()) // "following" (we follow them) | "follower" (they follow us)
    .addColumn("actor_id", "text", (c) => c.notNull()) // the remote actor's URL
    .addColumn("state", "text", (c) => c.notNull()) // "pending" | "accepted"
    .addColumn("activity_id", "text", (c) => c.notNull()) // the Follow activity's id
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("federation_follows_uq", ["issuer_id", "direction", "actor_id"])
    .execute();
  await db.schema.createIndex("federation_follows_actor_idx").on("federation_follows").columns(["actor_id", "direction", "state"]).execute();
  await db.schema.createIndex("federation_follows_activity_idx").on("federation_follows").column("activity_id").execute();

  await db.schema
    .createTable("remote_actors")
    .addColumn("id", "text", (c) => c.primaryKey()) // actor URL
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("handle", "text", (c) => c.notNull()) // "@slug@host"
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("inbox", "text", (c) => c.notNull())
    .addColumn("shared_inbox", "text")
    .addColumn("url", "text")
    .addColumn("summary", "text")
    .addColumn("fetched_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("remote_templates")
    .addColumn("id", "text", (c) => c.primaryKey()) // local id, for local URLs
    .addColumn("ap_id", "text", (c) => c.notNull().unique()) // the AS2 Document's id
    .addColumn("ob_id", "text", (c) => c.notNull()) // the OB 3.0 Achievement's id
    .addColumn("actor_id", "text", (c) => c.notNull()) // the sender (owner)
    .addColumn("creator_id", "text", (c) => c.notNull()) // OB creator (differs from actor for a reused template)
    .addColumn("related", "text", (c) => c.notNull()) // JSON: OB related ids
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("search_text", "text", (c) => c.notNull())
    .addColumn("achievement_type", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("tags", "text", (c) => c.notNull()) // "\ttag\ttag\t" for exact-tag matching
    .addColumn("image_url", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("ob_json", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull()) // "published" | "archived"
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("archived_at", "text")
    .execute();
  await db.schema.createIndex("remote_templates_status_name_idx").on("remote_templates").columns(["status", "name"]).execute();
  await db.schema.createIndex("remote_templates_actor_idx").on("remote_templates").column("actor_id").execute();
  await db.schema.createIndex("remote_templates_ob_idx").on("remote_templates").column("ob_id").execute();

  await db.schema
    .createTable("blocked_domains")
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("blocked_domains_pk", ["issuer_id", "domain"])
    .execute();
  await db.schema.createIndex("blocked_domains_domain_idx").on("blocked_domains").column("domain").execute();

  // Partners that reused one of our templates (they sent an Announce of it): "reused by N institutions".
  await db.schema
    .createTable("template_reuses")
    .addColumn("achievement_id", "text", (c) => c.notNull().references("achievements.id").onDelete("cascade"))
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("activity_id", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("template_reuses_pk", ["achievement_id", "actor_id"])
    .execute();

  // OB 3.0 EndorsementCredentials between partners: "given" (ours, about a partner's template) and
  // "received" (a partner's, about one of ours; kept only once its proof verified).
  await db.schema
    .createTable("endorsements")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("direction", "text", (c) => c.notNull()) // "given" | "received"
    .addColumn("issuer_id", "text", (c) => c.references("issuers.id").onDelete("cascade")) // our endorser ("given")
    .addColumn("actor_id", "text", (c) => c.notNull()) // the endorser's actor URL
    .addColumn("achievement_id", "text", (c) => c.references("achievements.id").onDelete("cascade")) // our endorsed template ("received")
    .addColumn("subject_id", "text", (c) => c.notNull()) // OB id of the endorsed Achievement
    .addColumn("ap_id", "text", (c) => c.notNull().unique()) // the AS2 Document carrying it
    .addColumn("comment", "text", (c) => c.notNull())
    .addColumn("vc_json", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("endorsements_achievement_idx").on("endorsements").columns(["achievement_id", "direction"]).execute();

  // Our own record of handled activities: Fedify's idempotency marks expire after a day.
  await db.schema
    .createTable("federation_activities")
    .addColumn("id", "text", (c) => c.primaryKey()) // activity id
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull()) // "stored" | "dropped:<reason>" | ...
    .addColumn("received_at", "text", (c) => c.notNull())
    .execute();
}
