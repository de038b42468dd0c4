import { closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.ts";
import { migrateToLatest } from "./migrate.ts";

export type DatabaseSetting = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** An open database with the dialect it speaks. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  close(): Promise<void>;
}

/** Opens SQLite (WAL, foreign keys, busy timeout) or PostgreSQL, as the setting says. */
export function openDatabase(setting: DatabaseSetting): OpenDatabase {
  if (setting.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: setting.url, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: "postgres", close: () => db.destroy() };
  }
  if (setting.path !== ":memory:") createPrivately(setting.path);
  const sqlite = new SqliteDatabase(setting.path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

// A database the node creates is readable by its own user only: folder 700, file 600 (SQLite gives
// its -wal and -shm files the main file's mode). Existing folders and files are left as they are.
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600)); // an empty file is an empty SQLite database
}

/** Why the database could not be opened or migrated, as one line (a PostgreSQL password is masked). */
export class DatabaseStartError extends Error {
  override name = "DatabaseStartError";
}

/** Opens the database and applies pending migrations; any failure is a DatabaseStartError with one clear line. */
export async function openMigratedDatabase(setting: DatabaseSetting): Promise<{ database: OpenDatabase; applied: string[] }> {
  let database: OpenDatabase | undefined;
  try {
    database = openDatabase(setting);
    return { database, applied: await migrateToLatest(database.db) };
  } catch (error) {
    await database?.close().catch(() => undefined);
    throw new DatabaseStartError(`Database error: ${describeDatabaseError(setting, error)}`, { cause: error });
  }
}

/** postgres://user:***@host/db: the URL with its password hidden. */
export function maskDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/:[^:@/]*@/, ":***@");
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

type ErrorWithCode = Error & { code?: string; errors?: ErrorWithCode[] };

function rootCause(error: unknown): ErrorWithCode {
  let e = error as ErrorWithCode;
  while (e && (e as { cause?: unknown }).cause) e = (e as { cause: ErrorWithCode }).cause;
  return e && typeof e === "object" ? e : new Error(String(error));
}

// Network failures (refused, unknown host, time-out) and PostgreSQL's refusals to let us in
// (28xxx: bad password; 3D000: no such database) all mean "cannot connect".
const CONNECT_CODES = /^(E[A-Z]+|28[0-9A-Z]{3}|3D000)$/;

function describeDatabaseError(setting: DatabaseSetting, error: unknown): string {
  const where = setting.kind === "postgres" ? maskDatabaseUrl(setting.url) : setting.path;
  const root = rootCause(error);
  const code = root.code ?? root.errors?.find((e) => e.code)?.code;
  const detail = (root.message || "").replace(/^[A-Z]+: /, "").replace(/, (open|mkdir) '.*'$/, "");
  if (code && CONNECT_CODES.test(code)) {
    const why = /^E[A-Z]+$/.test(code) ? (detail ? `${code} (${detail})` : code) : detail;
    return `cannot ${setting.kind === "postgres" ? "connect to" : "open"} ${where}: ${why}`;
  }
  if (code?.startsWith("SQLITE_")) return `cannot open ${where}: ${code} (${detail})`;
  return `${where}: ${(error as Error).message ?? String(error)}`;
}
