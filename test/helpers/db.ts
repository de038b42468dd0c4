import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { openDatabase, type DatabaseSetting, type OpenDatabase } from "../../src/db/open-database.ts";

/** PostgreSQL server URL for the PostgreSQL pass of the suite (unset: SQLite). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export interface TestDatabase extends OpenDatabase {
  setting: DatabaseSetting;
  dir: string;
  /** Closes and deletes the database. */
  destroy(): Promise<void>;
}

async function freshPostgres(): Promise<{ setting: DatabaseSetting; drop: () => Promise<void> }> {
  const name = `fb_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    setting: { kind: "postgres", url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh, migrated database: a real SQLite file, or a new PostgreSQL database when TEST_DATABASE_URL is set. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "fb-test-"));
  const pgdb = TEST_DATABASE_URL ? await freshPostgres() : null;
  const setting: DatabaseSetting = pgdb?.setting ?? { kind: "sqlite", path: join(dir, "test.sqlite") };
  const opened = openDatabase(setting);
  await migrateToLatest(opened.db);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await opened.close();
  };
  return {
    ...opened, close, setting, dir,
    async destroy() {
      await close();
      await pgdb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reopens the same database (to simulate a restart). */
export async function reopen(t: TestDatabase): Promise<OpenDatabase> {
  return openDatabase(t.setting);
}
