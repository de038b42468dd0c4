import type { Kysely } from "kysely";

// An award row may name a federation identifier (eppn) as the recipient and an e-mail address to
// notify: the badge is bound to the eppn, the award e-mail goes to this "contact" address.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("award_items").addColumn("contact_email", "text").execute();
}
