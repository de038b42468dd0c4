import type { Kysely } from "kysely";

// Single sign-on: federated identities (SAML / OpenID Connect) linked to accounts, every
// verified e-mail address of an account, and the SAML requests we sent (InResponseTo, replay).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("user_identities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // "saml:<IdP entityID>" or "oidc:<provider id>"
    .addColumn("provider", "text", (c) => c.notNull())
    // The persistent identifier's value: eppn, subject-id, pairwise-id or the OIDC sub.
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("subject_type", "text", (c) => c.notNull())
    // eduPersonPrincipalName when the IdP released one (badges can be awarded to it).
    .addColumn("eppn", "text")
    .addColumn("email", "text")
    .addColumn("email_verified", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("affiliation", "text") // space-separated (scoped) affiliations
    .addColumn("home_org", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_login_at", "text", (c) => c.notNull())
    .addUniqueConstraint("user_identities_provider_subject_uq", ["provider", "subject"])
    .execute();
  await db.schema.createIndex("user_identities_user_idx").on("user_identities").column("user_id").execute();
  await db.schema.createIndex("user_identities_eppn_idx").on("user_identities").column("eppn").execute();

  await db.schema
    .createTable("user_emails")
    .addColumn("email", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("verified_at", "text")
    .addColumn("source", "text", (c) => c.notNull()) // "account", "saml:…", "oidc:…"
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("user_emails_user_idx").on("user_emails").column("user_id").execute();

  await db.schema
    .createTable("saml_requests")
    .addColumn("id", "text", (c) => c.primaryKey()) // the AuthnRequest ID, echoed as InResponseTo
    .addColumn("idp_entity_id", "text", (c) => c.notNull())
    .addColumn("next", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("used_at", "text")
    .execute();
  await db.schema.createIndex("saml_requests_created_idx").on("saml_requests").column("created_at").execute();
}
