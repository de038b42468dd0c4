import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createServices, type Services } from "../../src/app.ts";
import { resolveConfig } from "../../src/config/load-config.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/db.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ORIGIN = "http://localhost:8080";
const PASSWORD = "a long enough password";

// Each test starts several Node processes; on a busy two-core CI box one start can take seconds.
vi.setConfig({ testTimeout: 180_000 });

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let database: TestDatabase;
let services: Services;

// The CLI reads FRANCEBADGE_* like the server: start from a clean slate so the outer shell cannot leak in.
function cliEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("FRANCEBADGE_") && k !== "NODE_OPTIONS") env[k] = v;
  const setting = database.setting;
  return {
    ...env,
    FRANCEBADGE_DATA_DIR: database.dir,
    FRANCEBADGE_DATABASE_URL: setting.kind === "postgres" ? setting.url : setting.path,
    FRANCEBADGE_ORIGIN: ORIGIN,
    FRANCEBADGE_DEMO: "false",
    FRANCEBADGE_LOCALE: "en",
    FRANCEBADGE_LOG_LEVEL: "warning",
    FRANCEBADGE_AUTH_PASSWORD_HASH_COST: "10",
    ...overrides,
  };
}

/** Runs the real CLI (`node src/cli.ts …`) in a child process. */
function cli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["src/cli.ts", ...args], { cwd: ROOT, env: cliEnv(opts.env ?? {}) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** Checks the exit code; on failure the diff shows the CLI's stderr, which says why. */
function expectExit(run: CliRun, code: number): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: expect.any(String) });
}

/** A usage error: exit 2 and `message` on stderr. */
function expectRefused(run: CliRun, message: string): void {
  expectExit(run, 2);
  expect(run.stderr).toContain(message);
}

async function countRows(table: "issuers" | "memberships" | "invitations" | "api_tokens" | "users"): Promise<number> {
  const row = await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function createIssuer(slug: string, parent?: string) {
  const created = await services.issuers.create(
    { userId: null, label: "test", ip: null },
    { slug, name: `Issuer ${slug}`, description: "", website: null, email: null, logoUrl: null, parent: parent ?? null },
  );
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  return created.value;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const resolved = resolveConfig({ dataDir: database.dir, demo: false, auth: { passwordHashCost: 10 } }, {});
  if (!resolved.ok) throw new Error(resolved.problems.join("\n"));
  services = createServices({ config: { ...resolved.config, database: database.setting }, db: database.db, dialect: database.dialect });
});

afterAll(async () => {
  await database?.destroy();
});

describe("cli: usage", () => {
  it("prints the usage with exit 0 for help and for no command", async () => {
    const [help, none] = await Promise.all([cli(["help"]), cli([])]);
    for (const run of [help, none]) {
      expectExit(run, 0);
      expect(run.stdout).toContain("issuer create --slug S --name N");
      expect(run.stdout).toContain("token revoke --issuer S --id ID");
    }
  });

  it("refuses an unknown command or option with exit 2", async () => {
    const [command, option, missing] = await Promise.all([
      cli(["frobnicate"]), cli(["migrate", "--force"]), cli(["issuer", "create", "--slug", "abc"]),
    ]);
    expectRefused(command, "unknown command: frobnicate");
    expectRefused(option, "--force");
    expectRefused(missing, "missing --name");
  });
});

describe("cli: failures", () => {
  it("exits 1 with one error line when the database cannot be opened", async () => {
    // A path below a regular file: no directory can be made there.
    const file = join(database.dir, "not-a-directory");
    writeFileSync(file, "");
    const run = await cli(["migrate"], { env: { FRANCEBADGE_DATABASE_URL: join(file, "db.sqlite") } });
    expectExit(run, 1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: Database error: cannot open \S+\/not-a-directory\/db\.sqlite: (ENOTDIR|EEXIST)/)]);
  });

  it("an unreachable PostgreSQL is one line with the password masked, not a stack trace", async () => {
    const run = await cli(["migrate"], { env: { FRANCEBADGE_DATABASE_URL: "postgres://fb:hunter2-secret@127.0.0.1:1/fb" } });
    expectExit(run, 1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: Database error: cannot connect to postgres:\/\/fb:\*\*\*@127\.0\.0\.1:1\/fb: ECONNREFUSED/)]);
    expect(run.stderr).not.toContain("hunter2");
  });
});

describe("cli: migrate", () => {
  it("applies the migrations of a new database, then says it is up to date", async () => {
    const path = join(database.dir, "fresh.sqlite");
    const env = { FRANCEBADGE_DATABASE_URL: path };
    const first = await cli(["migrate"], { env });
    expectExit(first, 0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\)/);
    expect(first.stdout).toContain("2026-11-28-0001-foundation");
    const second = await cli(["migrate"], { env });
    expectExit(second, 0);
    expect(second.stdout).toContain("up to date");
    expect(second.stdout).not.toContain("2026-11-28-0001-foundation");
    // The schema really is there: migrating the file again from here finds nothing to do.
    const reopened = openDatabase({ kind: "sqlite", path });
    expect(await migrateToLatest(reopened.db)).toEqual([]);
    await reopened.close();
    rmSync(path, { force: true });
  });

  it("finds the test database (SQLite or PostgreSQL) up to date", async () => {
    const run = await cli(["migrate"]);
    expectExit(run, 0);
    expect(run.stdout).toContain(database.dialect === "postgres" ? "PostgreSQL" : "SQLite");
    expect(run.stdout).toContain("up to date");
  });
});

describe("cli: admin create", () => {
  it("creates a node administrator whose piped password signs in", async () => {
    const run = await cli(["admin", "create", "--email", "Root@Univ.example"], { input: `${PASSWORD}\n` });
    expectExit(run, 0);
    expect(run.stdout).toContain("root@univ.example");
    const user = await services.accounts.findByEmail("root@univ.example");
    expect(user?.is_node_admin).toBe(1);
    const login = await services.auth.login({ email: "root@univ.example", password: PASSWORD, ip: null, userAgent: null });
    expect(login.ok).toBe(true);
  });

  it("promotes an existing account and replaces its password", async () => {
    const created = await services.accounts.create({ email: "staff@univ.example", displayName: "Staff", password: "old password 123" });
    expect(created.ok).toBe(true);
    const run = await cli(["admin", "create", "--email", "staff@univ.example"], { input: `${PASSWORD}\nignored second line\n` });
    expectExit(run, 0);
    expect((await services.accounts.findByEmail("staff@univ.example"))?.is_node_admin).toBe(1);
    const login = (password: string) => services.auth.login({ email: "staff@univ.example", password, ip: null, userAgent: null });
    expect((await login(PASSWORD)).ok).toBe(true);
    expect((await login("old password 123")).ok).toBe(false);
    // Promotion, password and audit event were written together: one event, by the command line.
    const events = await services.audit.listForObject("user", created.ok ? created.value.id : "");
    expect(events.filter((e) => e.action === "account.promote").map((e) => [e.actor_label, JSON.parse(e.details ?? "{}")])).toEqual([
      ["cli", { email: "staff@univ.example", wasNodeAdmin: false, passwordSet: true }],
    ]);
  });

  it("refuses a password under 10 characters, or none, and stores nothing", async () => {
    const before = await countRows("users");
    const [short, none] = await Promise.all([
      cli(["admin", "create", "--email", "short@univ.example"], { input: "123456789\n" }),
      cli(["admin", "create", "--email", "none@univ.example"]),
    ]);
    expectRefused(short, "at least 10 characters");
    expectRefused(none, "no password");
    expect(await countRows("users")).toBe(before);
  });
});

describe("cli: issuer create", () => {
  it("creates an issuer and a sub-issuer under it", async () => {
    const parent = await cli(["issuer", "create", "--slug", "cli-univ", "--name", "Université CLI", "--website", "https://univ.example", "--email", "contact@univ.example"]);
    expectExit(parent, 0);
    expect(parent.stdout).toContain(`${ORIGIN}/issuers/cli-univ`);
    const child = await cli(["issuer", "create", "--slug", "cli-school", "--name", "École CLI", "--parent", "cli-univ", "--description", "Une école"]);
    expectExit(child, 0);
    const univ = await services.issuers.findBySlug("cli-univ");
    const school = await services.issuers.findBySlug("cli-school");
    expect(univ).toMatchObject({ name: "Université CLI", website: "https://univ.example", email: "contact@univ.example", parent_id: null });
    expect(school).toMatchObject({ name: "École CLI", description: "Une école", parent_id: univ!.id });
  });

  it("refuses a duplicate slug with exit 2 and keeps the first issuer", async () => {
    await createIssuer("cli-dup");
    const before = await countRows("issuers");
    const run = await cli(["issuer", "create", "--slug", "cli-dup", "--name", "Another name"]);
    expectRefused(run, "--slug: This identifier is already in use.");
    expect(await countRows("issuers")).toBe(before);
    expect((await services.issuers.findBySlug("cli-dup"))?.name).toBe("Issuer cli-dup");
  });

  it("refuses an unknown parent, including the issuer being created (no cycle possible)", async () => {
    const before = await countRows("issuers");
    const [unknown, self] = await Promise.all([
      cli(["issuer", "create", "--slug", "cli-orphan", "--name", "Orphan", "--parent", "no-such-issuer"]),
      cli(["issuer", "create", "--slug", "cli-self", "--name", "Self", "--parent", "cli-self"]),
    ]);
    for (const run of [unknown, self]) expectRefused(run, "--parent: No issuer has this identifier.");
    expect(await countRows("issuers")).toBe(before);
  });

  it("prints one line per bad value and stores nothing", async () => {
    const before = await countRows("issuers");
    const run = await cli(["issuer", "create", "--slug", "Bad Slug!", "--name", " ", "--website", "ftp://x", "--email", "not-an-email"]);
    expectExit(run, 2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(4);
    for (const flag of ["--slug", "--name", "--website", "--email"]) expect(lines.some((l) => l.startsWith(`error: ${flag}:`))).toBe(true);
    expect(await countRows("issuers")).toBe(before);
  });
});

describe("cli: member add", () => {
  it("grants a role to an existing account", async () => {
    const issuer = await createIssuer("cli-members");
    const created = await services.accounts.create({ email: "jury@univ.example", displayName: "Jury" });
    if (!created.ok) throw new Error(created.error);
    const run = await cli(["member", "add", "--issuer", "cli-members", "--email", "JURY@univ.example", "--role", "jury"]);
    expectExit(run, 0);
    expect(run.stdout).toContain("Role jury granted to jury@univ.example");
    const members = await services.members.list(issuer.id);
    expect(members).toEqual([expect.objectContaining({ email: "jury@univ.example", roles: ["jury"] })]);
  });

  it("stores an invitation for an unknown e-mail and prints its link", async () => {
    await createIssuer("cli-invite");
    const run = await cli(["member", "add", "--issuer", "cli-invite", "--email", "newcomer@univ.example", "--role", "creator"]);
    expectExit(run, 0);
    const token = run.stdout.match(new RegExp(`${ORIGIN}/invitations/([A-Za-z0-9_-]+)`))?.[1];
    expect(token).toBeDefined();
    const found = await services.members.findInvitation(token!);
    expect(found?.invitation).toMatchObject({ email: "newcomer@univ.example", role: "creator" });
    expect(found?.issuer.slug).toBe("cli-invite");
  });

  it("refuses an unknown role, issuer or a bad e-mail with exit 2 and changes nothing", async () => {
    await createIssuer("cli-strict");
    const before = [await countRows("memberships"), await countRows("invitations")];
    const [role, issuer, email] = await Promise.all([
      cli(["member", "add", "--issuer", "cli-strict", "--email", "x@univ.example", "--role", "boss"]),
      cli(["member", "add", "--issuer", "no-such-issuer", "--email", "x@univ.example", "--role", "viewer"]),
      cli(["member", "add", "--issuer", "cli-strict", "--email", "not an email", "--role", "viewer"]),
    ]);
    expectRefused(role, "--role: Unknown role. (admin, creator, awarder, jury, viewer)");
    expectRefused(issuer, "--issuer:");
    expectRefused(email, "--email: This e-mail address is not valid.");
    expect([await countRows("memberships"), await countRows("invitations")]).toEqual(before);
  });
});

describe("cli: API tokens", () => {
  it("prints a token once that authenticates, lists it without the secret, and revokes it", async () => {
    const issuer = await createIssuer("cli-tokens");
    const created = await cli(["token", "create", "--issuer", "cli-tokens", "--scopes", "award,read", "--name", "SI scolarité"]);
    expectExit(created, 0);
    const token = created.stdout.match(/fbt_[A-Za-z0-9_-]+/)?.[0];
    expect(token).toBeDefined();
    const principal = await services.tokens.authenticate(token!);
    expect(principal?.issuerId).toBe(issuer.id);
    expect([...principal!.scopes].sort()).toEqual(["award", "read"]);

    const list = await cli(["token", "list", "--issuer", "cli-tokens"]);
    expectExit(list, 0);
    expect(list.stdout).toContain(principal!.token.id);
    expect(list.stdout).toContain("SI scolarité");
    expect(list.stdout).not.toContain(token!);
    expect(list.stdout).not.toContain(principal!.token.token_hash);

    const revoked = await cli(["token", "revoke", "--issuer", "cli-tokens", "--id", principal!.token.id]);
    expectExit(revoked, 0);
    expect(await services.tokens.authenticate(token!)).toBeNull();
    const again = await cli(["token", "revoke", "--issuer", "cli-tokens", "--id", principal!.token.id]);
    expectExit(again, 2);
  });

  it("refuses unknown scopes or issuer with exit 2 and stores no token", async () => {
    await createIssuer("cli-scopes");
    const before = await countRows("api_tokens");
    const [scope, issuer] = await Promise.all([
      cli(["token", "create", "--issuer", "cli-scopes", "--scopes", "read,everything"]),
      cli(["token", "create", "--issuer", "no-such-issuer", "--scopes", "read"]),
    ]);
    expectRefused(scope, "unknown scope(s) everything");
    expect(scope.stdout).not.toContain("fbt_");
    expectExit(issuer, 2);
    expect(await countRows("api_tokens")).toBe(before);
  });
});

describe("cli: audit trail", () => {
  it("records every change it makes with the actor label cli", async () => {
    const admin = await cli(["admin", "create", "--email", "audited@univ.example"], { input: `${PASSWORD}\n` });
    const issuer = await cli(["issuer", "create", "--slug", "cli-audit", "--name", "Audited"]);
    const member = await cli(["member", "add", "--issuer", "cli-audit", "--email", "audited@univ.example", "--role", "viewer"]);
    const token = await cli(["token", "create", "--issuer", "cli-audit", "--scopes", "read"]);
    for (const run of [admin, issuer, member, token]) expectExit(run, 0);
    const audited = await services.issuers.findBySlug("cli-audit");
    const user = await services.accounts.findByEmail("audited@univ.example");
    const rows = await database.db.selectFrom("audit_events").select(["action", "object_id", "issuer_id"])
      .where("actor_label", "=", "cli").execute();
    const actions = rows.filter((r) => r.issuer_id === audited!.id).map((r) => r.action).sort();
    expect(actions).toEqual(["issuer.create", "member.add", "token.create"]);
    expect(rows.filter((r) => r.object_id === user!.id).map((r) => r.action)).toContain("account.create");
  });
});
