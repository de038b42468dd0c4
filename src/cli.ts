#!/usr/bin/env node
import { parseArgs } from "node:util";
import { getLogger } from "@logtape/logtape";
import { adminCreateCommand } from "./cli/admin.command.ts";
import { createCliContext, EXIT_BAD_INPUT, EXIT_OK, EXIT_UNEXPECTED, type CliCommand, type CliValues } from "./cli/context.ts";
import { processIo, type CliIo } from "./cli/io.ts";
import { issuerCreateCommand } from "./cli/issuer.command.ts";
import { memberAddCommand } from "./cli/member.command.ts";
import { migrateCommand } from "./cli/migrate.command.ts";
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from "./cli/token.command.ts";
import { loadConfig } from "./config/load-config.ts";
import { configureLogging } from "./logging.ts";
import { VERSION } from "./version.ts";

const COMMANDS: CliCommand[] = [
  migrateCommand, adminCreateCommand, issuerCreateCommand, memberAddCommand,
  tokenCreateCommand, tokenListCommand, tokenRevokeCommand,
];

function usage(): string[] {
  const entries = [...COMMANDS.map((c) => [`${c.name} ${c.synopsis}`.trim(), c.summary]), ["help [command]", "Show this help, or one command's"]];
  return [
    `FranceBadge node ${VERSION} — command line`,
    "",
    "Usage: francebadge <command> [options]    (from a checkout: npm run cli -- <command> [options])",
    "",
    "Commands:",
    ...entries.flatMap(([synopsis, summary]) => [`  ${synopsis}`, `      ${summary}`]),
    "",
    "Settings come from node.config.ts and FRANCEBADGE_* variables, as for the server.",
    "Exit codes: 0 done, 1 unexpected error, 2 bad input (nothing was changed).",
  ];
}

const commandUsage = (c: CliCommand) => `usage: francebadge ${c.name} ${c.synopsis}`.trimEnd();

/** The command named by the first one or two words, with the remaining arguments. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | null {
  for (const words of [2, 1]) {
    const command = COMMANDS.find((c) => c.name === argv.slice(0, words).join(" "));
    if (command) return { command, rest: argv.slice(words) };
  }
  return null;
}

function parseOptions(command: CliCommand, args: string[]): { values: CliValues & { help?: boolean } } | { problem: string } {
  try {
    const options = { ...command.options, help: { type: "boolean", short: "h" } } as const;
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return { values: values as CliValues & { help?: boolean } };
  } catch (error) {
    // parseArgs reports unknown options, missing values and stray words as ERR_PARSE_ARGS_*.
    const e = error as { code?: string; message: string };
    if (e.code?.startsWith("ERR_PARSE_ARGS")) return { problem: e.message };
    throw error;
  }
}

/** Runs one command line and returns its exit code; never exits the process itself. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const named = first === "help" && argv.length > 1 ? findCommand(argv.slice(1)) : null;
    for (const line of named ? [commandUsage(named.command), named.command.summary] : usage()) io.out(line);
    return EXIT_OK;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`error: unknown command: ${argv.join(" ")}`);
    for (const line of usage()) io.err(line);
    return EXIT_BAD_INPUT;
  }
  const { command, rest } = found;
  const parsed = parseOptions(command, rest);
  if ("problem" in parsed) return badUsage(io, command, [parsed.problem]);
  if (parsed.values.help) {
    io.out(commandUsage(command));
    io.out(command.summary);
    return EXIT_OK;
  }
  const missing = (command.required ?? []).filter((name) => parsed.values[name] === undefined);
  if (missing.length) return badUsage(io, command, missing.map((name) => `missing --${name}`));
  return runCommand(command, parsed.values, io);
}

function badUsage(io: CliIo, command: CliCommand, problems: string[]): number {
  for (const problem of problems) io.err(`error: ${problem}`);
  io.err(commandUsage(command));
  return EXIT_BAD_INPUT;
}

async function runCommand(command: CliCommand, values: CliValues, io: CliIo): Promise<number> {
  const loaded = await loadConfig();
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.err(`Configuration error: ${problem}`);
    return EXIT_BAD_INPUT;
  }
  await configureLogging(loaded.config.log.level, loaded.config.log.format, loaded.config.log.fedifyLevel);
  const ctx = createCliContext(loaded.config, io);
  try {
    return await command.run(ctx, values);
  } catch (error) {
    // The database cannot be reached: its one line says why, a stack trace would only hide it.
    if ((error as Error).name === "DatabaseStartError") {
      io.err(`error: ${(error as Error).message}`);
      return EXIT_UNEXPECTED;
    }
    getLogger(["francebadge", "cli"]).error("{command} failed: {error}", { command: command.name, error });
    io.err(`error: ${command.name} failed unexpectedly: ${(error as Error).message ?? error}`);
    return EXIT_UNEXPECTED;
  } finally {
    await ctx.close();
  }
}

// Run only as a program, so tests and tools may import runCli without side effects.
if (import.meta.main) process.exitCode = await runCli(process.argv.slice(2), processIo());
