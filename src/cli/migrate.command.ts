import type { Config } from "../config/config.schema.ts";
import { EXIT_OK, type CliCommand } from "./context.ts";

/** The database a command works on, without the password of a PostgreSQL URL. */
export function describeDatabase(database: Config["database"]): string {
  if (database.kind === "sqlite") return `SQLite ${database.path}`;
  const url = new URL(database.url);
  if (url.password) url.password = "***";
  return `PostgreSQL ${url.toString()}`;
}

/** `migrate`: applies pending migrations, as the server does at start. */
export const migrateCommand: CliCommand = {
  name: "migrate",
  synopsis: "",
  summary: "Apply pending database migrations",
  options: {},
  async run(ctx) {
    const { applied } = await ctx.open({ logMigrations: false }); // printed below instead
    ctx.io.out(`Database: ${describeDatabase(ctx.config.database)}`);
    if (applied.length === 0) {
      ctx.io.out("Schema up to date: no pending migration.");
      return EXIT_OK;
    }
    ctx.io.out(`Applied ${applied.length} migration(s):`);
    for (const name of applied) ctx.io.out(`  ${name}`);
    return EXIT_OK;
  },
};
