import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/config.schema.ts";
import { applyEnv, envName, resolveConfig } from "../../src/config/load-config.ts";

const SECRET = "s".repeat(40);
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "fb-config-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function resolved(input: Parameters<typeof resolveConfig>[0], env: Record<string, string>, cwd = tempDir()): Config {
  const r = resolveConfig(input, env, cwd);
  if (!r.ok) throw new Error(`unexpected problems: ${r.problems.join("; ")}`);
  return r.config;
}

function problems(input: Parameters<typeof resolveConfig>[0], env: Record<string, string>): string[] {
  const r = resolveConfig(input, env, tempDir());
  if (r.ok) throw new Error("expected configuration problems, got a valid config");
  return r.problems;
}

describe("configuration defaults on localhost", () => {
  it("needs no file: origin, port, demo, locale, sqlite under dataDir", () => {
    const cwd = tempDir();
    const config = resolved({}, {}, cwd);
    expect(config.origin).toBe("http://localhost:8080");
    expect(config.port).toBe(8080);
    expect(config.host).toBe("127.0.0.1");
    expect(config.demo).toBe(true);
    expect(config.production).toBe(false);
    expect(config.locale).toBe("fr");
    expect(config.dataDir).toBe(join(cwd, "data"));
    expect(config.database).toEqual({ kind: "sqlite", path: join(cwd, "data", "francebadge.sqlite") });
    expect(config.auth.maxFailedLogins).toBe(5);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
  });

  it("generates a secret, keeps it in dataDir (mode 600) and reuses it", () => {
    const cwd = tempDir();
    const first = resolved({}, {}, cwd);
    const file = join(cwd, "data", "secret");
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, "utf8").trim()).toBe(first.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = resolved({}, {}, cwd);
    expect(second.secret).toBe(first.secret);
  });

  it("uses FRANCEBADGE_SECRET instead of writing a file when it is given", () => {
    const cwd = tempDir();
    const config = resolved({}, { FRANCEBADGE_SECRET: SECRET }, cwd);
    expect(config.secret).toBe(SECRET);
    expect(existsSync(join(cwd, "data", "secret"))).toBe(false);
  });
});

describe("environment overrides", () => {
  it("names variables FRANCEBADGE_ + the key path in SNAKE_CASE", () => {
    expect(envName("dataDir")).toBe("FRANCEBADGE_DATA_DIR");
    expect(envName("auth.sessionDays")).toBe("FRANCEBADGE_AUTH_SESSION_DAYS");
    expect(envName("mail.smtp.host")).toBe("FRANCEBADGE_MAIL_SMTP_HOST");
  });

  it("applies top-level and nested variables over the file, with types", () => {
    const out = applyEnv({ port: 9000, auth: { maxFailedLogins: 7 } }, {
      FRANCEBADGE_PORT: "8181", FRANCEBADGE_DEMO: "false", FRANCEBADGE_AUTH_SESSION_DAYS: "3",
    });
    expect(out.port).toBe(8181);
    expect(out.demo).toBe(false);
    expect(out.auth).toEqual({ maxFailedLogins: 7, sessionDays: 3 });
  });

  it("lets two nodes run side by side from one checkout", () => {
    const cwd = tempDir();
    const dataDir = join(cwd, "node-b");
    const config = resolved({ port: 9000 }, {
      FRANCEBADGE_PORT: "8282", FRANCEBADGE_ORIGIN: "http://127.0.0.1:8282/", FRANCEBADGE_DATA_DIR: dataDir,
      FRANCEBADGE_DEMO: "false", FRANCEBADGE_AUTH_SESSION_DAYS: "2", FRANCEBADGE_LOCALE: "en",
    }, cwd);
    expect(config.port).toBe(8282);
    expect(config.origin).toBe("http://127.0.0.1:8282"); // trailing slash dropped
    expect(config.dataDir).toBe(dataDir);
    expect(config.database).toEqual({ kind: "sqlite", path: join(dataDir, "francebadge.sqlite") });
    expect(config.demo).toBe(false);
    expect(config.auth.sessionDays).toBe(2);
    expect(config.locale).toBe("en");
    expect(existsSync(join(dataDir, "secret"))).toBe(true);
  });

  it("FRANCEBADGE_DATABASE_URL selects PostgreSQL", () => {
    const url = "postgres://fb:pw@db.internal:5432/francebadge";
    expect(resolved({}, { FRANCEBADGE_DATABASE_URL: url }).database).toEqual({ kind: "postgres", url });
    expect(resolved({ database: "postgresql://localhost/fb" }, {}).database).toEqual({ kind: "postgres", url: "postgresql://localhost/fb" });
  });

  it("a relative SQLite path is resolved from the working directory", () => {
    const cwd = tempDir();
    expect(resolved({ database: "db/fb.sqlite" }, {}, cwd).database).toEqual({ kind: "sqlite", path: join(cwd, "db", "fb.sqlite") });
  });
});

describe("invalid configuration: one clear line per problem", () => {
  it("FRANCEBADGE_PORT=abc", () => {
    expect(problems({}, { FRANCEBADGE_PORT: "abc" })).toEqual(['port: must be a number (from FRANCEBADGE_PORT="abc")']);
  });

  it("a port out of range", () => {
    expect(problems({ port: 70000 }, {})).toEqual(["port: must be between 1 and 65535"]);
  });

  it('locale "de"', () => {
    expect(problems({ locale: "de" as "fr" }, {})).toEqual(["locale: must be fr or en"]);
  });

  it("FRANCEBADGE_DEMO=maybe", () => {
    expect(problems({}, { FRANCEBADGE_DEMO: "maybe" })).toEqual(['demo: must be true or false (from FRANCEBADGE_DEMO="maybe")']);
  });

  it("an unknown key, top-level or nested", () => {
    expect(problems({ colour: "blue" } as never, {})).toEqual(["unknown setting(s) colour"]);
    const nested = problems({ auth: { sesionDays: 3 } } as never, {});
    expect(nested).toHaveLength(1);
    expect(nested[0]).toMatch(/^auth: unknown setting\(s\) sesionDays$/);
  });

  it("lists every problem, one line each", () => {
    const list = problems({ locale: "de" as "fr" }, { FRANCEBADGE_PORT: "abc" });
    expect(list).toHaveLength(2);
    expect(list.some((l) => l.startsWith("port: "))).toBe(true);
    expect(list.some((l) => l.startsWith("locale: "))).toBe(true);
    for (const line of list) expect(line).not.toContain("\n");
  });

  it("a production (https) origin without FRANCEBADGE_SECRET", () => {
    expect(problems({ origin: "https://badges.example.edu" }, {})).toEqual([
      "secret: FRANCEBADGE_SECRET must be set (32+ characters) when the origin is not localhost",
    ]);
  });

  it("a production origin with FRANCEBADGE_SECRET is fine and turns demo off", () => {
    const config = resolved({ origin: "https://badges.example.edu" }, { FRANCEBADGE_SECRET: SECRET });
    expect(config.production).toBe(true);
    expect(config.demo).toBe(false);
    expect(config.host).toBe("0.0.0.0");
    expect(config.log.format).toBe("json");
  });

  it("plain http outside localhost", () => {
    const list = problems({}, { FRANCEBADGE_ORIGIN: "http://badges.example.edu", FRANCEBADGE_SECRET: SECRET });
    expect(list).toEqual(["origin: must use https:// outside localhost (got http://badges.example.edu)"]);
  });

  it("a secret written in the config file", () => {
    expect(problems({ secret: SECRET }, {})).toEqual([
      "secret: must come from the environment (FRANCEBADGE_SECRET), not from node.config.ts",
    ]);
  });

  it("a short FRANCEBADGE_SECRET", () => {
    expect(problems({}, { FRANCEBADGE_SECRET: "short" })[0]).toMatch(/^secret: must be at least 32 characters/);
  });
});

describe("node src/main.ts with an invalid configuration", () => {
  it("exits non-zero with 'Configuration error: port…' before opening the database or binding", async () => {
    const dataDir = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, FRANCEBADGE_PORT: "abc", FRANCEBADGE_DATA_DIR: dataDir };
    delete env.FRANCEBADGE_CONFIG;
    const child = spawn(process.execPath, ["src/main.ts"], {
      cwd: join(import.meta.dirname, "..", ".."),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "", stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { child.kill("SIGKILL"); resolve(null); }, 80_000);
      child.on("exit", (c) => { clearTimeout(timer); resolve(c); });
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toMatch(/^Configuration error: port: must be a number/m);
    expect(stdout).not.toMatch(/listening/i);
    // Nothing was created: no database file, no generated secret.
    expect(readdirSync(dataDir)).toEqual([]);
  }, 90_000); // a cold start of the whole module graph is slow on a busy CI machine
});
