import type { Kysely } from "kysely";

// Awarding settings per template: whether a jury must validate award lists ("no jury" when 0),
// and the subject/message of the award notification e-mail (used by the mail outbox).
// Also where a CSV award list came from (encoding, separator), shown on its preview page.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("achievement_award_settings")
    .addColumn("achievement_id", "text", (c) => c.primaryKey().references("achievements.id").onDelete("cascade"))
    .addColumn("jury_required", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("mail_subject", "text")
    .addColumn("mail_message", "text")
    .addColumn("updated_at", "text")
    .execute();

  await db.schema.alterTable("award_lists").addColumn("source_detail", "text").execute();
  await db.schema.createIndex("award_lists_job_idx").on("award_lists").column("job_id").execute();
}
