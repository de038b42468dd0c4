import { sql, type Kysely } from "kysely";

// One index space per issuer and status list: a credential and an endorsement of the same issuer
// used to draw their revocation-list index separately (each reading only the other's stored rows),
// so withdrawing the endorsement could revoke a learner's credential. Both now claim their index
// here, in the transaction that stores them; the primary key refuses a second claim.
// Backfilled from the credentials, then from the given endorsements; an endorsement that already
// shares its index with a credential cannot be fixed (it is signed) and is left unclaimed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("status_indexes")
    .addColumn("issuer_id", "text", (c) => c.notNull().references("issuers.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("idx", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("status_indexes_pk", ["issuer_id", "purpose", "idx"])
    .execute();

  await db.insertInto("status_indexes").columns(["issuer_id", "purpose", "idx", "kind", "object_id"])
    .expression(db.selectFrom("credentials").select(["issuer_id", sql.lit("revocation").as("purpose"), "status_index", sql.lit("credential").as("kind"), "id"]))
    .execute();
  await db.insertInto("status_indexes").columns(["issuer_id", "purpose", "idx", "kind", "object_id"])
    .expression(db.selectFrom("endorsements as e")
      .select(["e.issuer_id", sql.lit("revocation").as("purpose"), "e.status_index", sql.lit("endorsement").as("kind"), "e.id"])
      .where("e.direction", "=", "given").where("e.issuer_id", "is not", null).where("e.status_index", "is not", null)
      .where((eb) => eb.not(eb.exists(eb.selectFrom("status_indexes as s").select("s.idx")
        .whereRef("s.issuer_id", "=", "e.issuer_id").where("s.purpose", "=", "revocation").whereRef("s.idx", "=", "e.status_index")))))
    .execute();
}
