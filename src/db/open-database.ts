import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Database } from "./database.ts";

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
  if (setting.path !== ":memory:") mkdirSync(dirname(setting.path), { recursive: true });
  const sqlite = new SqliteDatabase(setting.path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: "sqlite", close: () => db.destroy() };
}
