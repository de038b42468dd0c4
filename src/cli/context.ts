import { getLogger } from "@logtape/logtape";
import type { Services } from "../app.ts";
import type { Config } from "../config/config.schema.ts";
import type { IssuerRow } from "../db/database.ts";
import type { OpenDatabase } from "../db/open-database.ts";
import { translator, type Translate } from "../i18n/i18n.ts";
import type { FieldErrors } from "../shared/result.ts";
import type { CliIo } from "./io.ts";

/** Exit codes: scripts tell a refused input from a crash. */
export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;

/** Option values as node:util parseArgs returns them (every CLI option is a string). */
export type CliValues = Record<string, string | undefined>;

/** One `francebadge <name>` command. */
export interface CliCommand {
  name: string; // "issuer create"
  synopsis: string; // options, as shown in the usage text
  summary: string;
  options: Record<string, { type: "string" }>;
  required?: string[];
  run(ctx: CliContext, values: CliValues): Promise<number>;
}

/** What a command receives: settings, output, messages, and the database once it asks for it. */
export interface CliContext {
  config: Config;
  io: CliIo;
  t: Translate;
  /** Opens the database, applies pending migrations (logged unless told not to) and builds the services, once. */
  open(options?: { logMigrations?: boolean }): Promise<{ services: Services; applied: string[] }>;
  /** Prints one `error:` line per problem on stderr and returns the bad-input exit code. */
  fail(problems: string[]): number;
  /** Field errors of a form schema or service as `--flag: message` lines. */
  fieldProblems(errors: FieldErrors): string[];
  close(): Promise<void>;
}

/** camelCase form field → kebab-case flag (logoUrl → --logo-url). */
export function flagOf(field: string): string {
  return "--" + field.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The issuer named by `--issuer`, or the problem line when no issuer has this slug. */
export async function findIssuerOption(ctx: CliContext, slug: string): Promise<{ issuer: IssuerRow } | { problem: string }> {
  const { services } = await ctx.open();
  const issuer = await services.issuers.findBySlug(slug.trim().toLowerCase());
  return issuer ? { issuer } : { problem: `--issuer: ${ctx.t("errors.parentUnknown")} (${slug})` };
}

/** Builds the context of one CLI run; the database stays closed until a command needs it. */
export function createCliContext(config: Config, io: CliIo): CliContext {
  const t = translator(config.locale);
  let opened: { database: OpenDatabase; services: Services; applied: string[] } | null = null;
  const fail = (problems: string[]) => {
    for (const problem of problems) io.err(`error: ${problem}`);
    return EXIT_BAD_INPUT;
  };
  return {
    config, io, t, fail,
    async open(options = {}) {
      if (opened) return opened;
      // Loaded on demand: the app and database drivers take about a second to import, which
      // `help` and input refused before touching the database should not pay.
      const [{ createServices }, { openMigratedDatabase }] = await Promise.all([import("../app.ts"), import("../db/open-database.ts")]);
      // A database that cannot be reached is a DatabaseStartError: one clear line, no stack trace.
      const { database, applied } = await openMigratedDatabase(config.database);
      try {
        if (applied.length && options.logMigrations !== false) getLogger(["francebadge", "cli"]).info("Applied migrations: {applied}", { applied });
        const services = createServices({ config, db: database.db, dialect: database.dialect });
        opened = { database, services, applied };
        return opened;
      } catch (error) {
        await database.close();
        throw error;
      }
    },
    fieldProblems(errors) {
      return Object.entries(errors).map(([field, key]) => `${flagOf(field)}: ${t(key)}`);
    },
    async close() {
      await opened?.database.close();
      opened = null;
    },
  };
}
