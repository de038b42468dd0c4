import { sql, type Kysely } from "kysely";

/** Whether the node can serve: today, whether the database answers. */
export function createHealthService(deps: { db: Kysely<any> }) {
  return {
    /** True once a trivial query succeeds. */
    async databaseAnswers(): Promise<boolean> {
      try {
        await sql`select 1`.execute(deps.db);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
