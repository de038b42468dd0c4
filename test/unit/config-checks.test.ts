import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { configSchema } from "../../src/config/config.schema.ts";
import { applyEnv, envName, loadConfig, resolveConfig } from "../../src/config/load-config.ts";

const SECRET = "s".repeat(40);
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "fb-config-checks-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function problems(input: Parameters<typeof resolveConfig>[0], env: Record<string, string>): string[] {
  const r = resolveConfig(input, env, tempDir());
  if (r.ok) throw new Error("expected configuration problems, got a valid config");
  return r.problems;
}

/** Every leaf of the config schema (objects are walked; lists and scalars are leaves), as dotted paths. */
function schemaLeaves(schema: z.ZodType, prefix = ""): string[] {
  let s = schema as unknown as { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> } };
  while (["optional", "default", "prefault", "nullable"].includes(s.def.type)) s = s.def.innerType as unknown as typeof s;
  if (s.def.type !== "object") return [prefix];
  return Object.entries(s.def.shape!).flatMap(([key, child]) => schemaLeaves(child, prefix ? `${prefix}.${key}` : key));
}

// A sample value for the environment and what it must become in the settings.
function sampleFor(path: string): { raw: string; expected: unknown } {
  if (/oidc$|idps$|roleRules$/.test(path)) return { raw: '[{"id":"env-set"}]', expected: [{ id: "env-set" }] };
  if (path.startsWith("sso.attributeMap.")) return { raw: "first,second", expected: ["first", "second"] };
  return { raw: "sample-value", expected: "sample-value" };
}

function at(settings: Record<string, unknown>, path: string): unknown {
  return path.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], settings);
}

describe("every setting can come from the environment", () => {
  const leaves = schemaLeaves(configSchema);

  it("the schema walk finds the keys the README documents, sso included", () => {
    expect(leaves.length).toBeGreaterThanOrEqual(59);
    expect(leaves).toEqual(expect.arrayContaining(["port", "sso.oidc", "sso.saml.idps", "sso.roleRules", "sso.attributeMap.email", "mail.smtp.password", "verification.ratePerMinute"]));
  });

  it.each(leaves)("%s has a FRANCEBADGE_* override", (path) => {
    const { raw, expected } = sampleFor(path);
    const found: string[] = [];
    const settings = applyEnv({}, { [envName(path)]: raw }, found);
    expect(found).toEqual([]);
    // Numbers and booleans are coerced; the sample text shows up as NaN or stays as text, either way it was applied.
    const value = at(settings, path);
    if (typeof value === "number") expect(value).toBeNaN();
    else expect(value).toEqual(expected);
  });

  it("reads the sso lists as JSON and attribute names as JSON or comma-separated", () => {
    const r = resolveConfig({}, {
      FRANCEBADGE_SSO_OIDC: JSON.stringify([{ id: "univ", issuer: "https://id.univ.example", clientId: "fb", label: "Univ" }]),
      FRANCEBADGE_SSO_OIDC_UNIV_CLIENT_SECRET: "from-env",
      FRANCEBADGE_SSO_ROLE_RULES: JSON.stringify([{ affiliation: "staff", issuer: "univ", role: "viewer" }]),
      FRANCEBADGE_SSO_ATTRIBUTE_MAP_EMAIL: "mail, email",
      FRANCEBADGE_SSO_ATTRIBUTE_MAP_EPPN: '["eduPersonPrincipalName"]',
    }, tempDir());
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.config.sso.oidc[0]).toMatchObject({ id: "univ", clientSecret: "from-env", scopes: ["openid", "email", "profile"] });
    expect(r.config.sso.roleRules).toEqual([{ affiliation: "staff", issuer: "univ", role: "viewer" }]);
    expect(r.config.sso.attributeMap.email).toEqual(["mail", "email"]);
    expect(r.config.sso.attributeMap.eppn).toEqual(["eduPersonPrincipalName"]);
  });

  it("refuses bad JSON with one line naming the variable", () => {
    const found = problems({}, { FRANCEBADGE_SSO_OIDC: "[{id: univ}]" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^FRANCEBADGE_SSO_OIDC: is not valid JSON/);
  });

  it("reports misspelt FRANCEBADGE_* variables, and leaves the ones read elsewhere alone", () => {
    const found = problems({}, { FRANCEBADGE_PROT: "8080", FRANCEBADGE_CONFIG: "x", FRANCEBADGE_SHARED_DIR: "/x", FRANCEBADGE_DATABASE_URL: "db.sqlite", FRANCEBADGE_SSO_OIDC_NOPE_CLIENT_SECRET: "x" });
    expect(found).toEqual([
      "FRANCEBADGE_PROT: unknown environment variable, no setting has this name (did you mean FRANCEBADGE_PORT?)",
      "FRANCEBADGE_SSO_OIDC_NOPE_CLIENT_SECRET: no sso.oidc provider has this id (ids: none)",
    ]);
  });
});

describe("clear lines for bad settings", () => {
  it("refuses an origin with a path, a query or a fragment", () => {
    for (const origin of ["https://x.example/path", "https://x.example/?a=1", "https://x.example/#top"]) {
      expect(problems({ origin }, { FRANCEBADGE_SECRET: SECRET })).toEqual([expect.stringMatching(/^origin: must be scheme:\/\/host\[:port\] with no path/)]);
    }
    expect(resolveConfig({ origin: "https://x.example:8443/" }, { FRANCEBADGE_SECRET: SECRET }, tempDir()).ok).toBe(true);
  });

  it("accepts a file path or a postgres URL as database, refuses any other URL scheme", () => {
    expect(problems({}, { FRANCEBADGE_DATABASE: "mysql://u@h/db" })).toEqual(["database: must be a file path (SQLite) or a postgres:// URL, not a mysql:// URL"]);
    const pg = resolveConfig({ database: "postgresql://u@h/db" }, {}, tempDir());
    expect(pg.ok && pg.config.database.kind).toBe("postgres");
    const file = resolveConfig({ database: "db/fb.sqlite" }, {}, tempDir());
    expect(file.ok && file.config.database.kind).toBe("sqlite");
  });

  it("a data folder that cannot be created is one line, not a stack trace", () => {
    const found = problems({ dataDir: "/etc/hostname/x" }, {});
    expect(found).toEqual([expect.stringMatching(/^dataDir: cannot .*\/etc\/hostname\/x \((ENOTDIR|EACCES|ENOENT)/)]);
  });

  it("creates the local data folder 700 and the secret 600", () => {
    const dataDir = join(tempDir(), "fresh");
    expect(resolveConfig({ dataDir }, {}, tempDir()).ok).toBe(true);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, "secret")).mode & 0o777).toBe(0o600);
  });

  it("lists every problem at once: a bad port does not hide the cross-field checks", () => {
    expect(problems({}, { FRANCEBADGE_PORT: "0", FRANCEBADGE_ORIGIN: "http://x.example" })).toEqual([
      'port: must be between 1 and 65535 (from FRANCEBADGE_PORT="0")',
      "origin: must use https:// outside localhost (got http://x.example)",
      "secret: FRANCEBADGE_SECRET must be set (32+ characters) when the origin is not localhost",
    ]);
    const several = problems({ auth: { sesionDays: 3 } as never, mail: { transport: "smtp" } }, { FRANCEBADGE_LOCALE: "de" });
    expect(several).toEqual(expect.arrayContaining([
      expect.stringMatching(/^auth: unknown setting\(s\) sesionDays/), expect.stringMatching(/^locale: /), expect.stringMatching(/^mail.transport: smtp needs/),
    ]));
  });
});

describe("loopback means loopback", () => {
  it.each(["http://127.example.com", "http://127.0.0.1.nip.io", "http://localhost.example.com"])("%s is a production origin", (origin) => {
    const r = resolveConfig({ origin }, { FRANCEBADGE_SECRET: SECRET }, tempDir());
    expect(r.ok ? "accepted" : r.problems).toEqual([`origin: must use https:// outside localhost (got ${origin})`]);
    const https = resolveConfig({ origin: origin.replace("http:", "https:") }, { FRANCEBADGE_SECRET: SECRET }, tempDir());
    if (!https.ok) throw new Error(https.problems.join("; "));
    expect(https.config).toMatchObject({ production: true, demo: false, federation: { allowPrivateAddress: false }, verification: { allowPrivateAddress: false } });
  });

  it.each(["http://127.0.0.1:8080", "http://127.1.2.3", "http://[::1]:8080", "http://localhost", "http://node-a.localhost:8080"])("%s is a local try", (origin) => {
    const r = resolveConfig({ origin }, {}, tempDir());
    if (!r.ok) throw new Error(r.problems.join("; "));
    expect(r.config.production).toBe(false);
  });

  it("an OIDC issuer on a 127.* host name must use https", () => {
    const oidc = [{ id: "u", issuer: "http://127.example.com", clientId: "c", label: "U" }];
    expect(problems({ sso: { oidc } }, {})).toEqual([expect.stringMatching(/the issuer of "u" must use https/)]);
  });
});

describe("secrets come only from the environment", () => {
  async function loadFile(body: string, env: Record<string, string> = {}): Promise<string[]> {
    const cwd = tempDir();
    writeFileSync(join(cwd, "node.config.mjs"), `export default ${body};\n`);
    const r = await loadConfig({ FRANCEBADGE_CONFIG: "node.config.mjs", ...env }, cwd);
    return r.ok ? [] : r.problems;
  }

  it("refuses mail.smtp.password and an OIDC clientSecret in the file, pointing at the variable", async () => {
    expect(await loadFile(`{ mail: { smtp: { host: "smtp.example", password: "pw" } } }`)).toEqual([
      "mail.smtp.password: must come from the environment (FRANCEBADGE_MAIL_SMTP_PASSWORD), not from node.config.ts",
    ]);
    expect(await loadFile(`{ sso: { oidc: [{ id: "univ-lyon", issuer: "https://id.example", clientId: "c", clientSecret: "x", label: "L" }] } }`)).toEqual([
      `sso.oidc: the clientSecret of "univ-lyon" must come from the environment (FRANCEBADGE_SSO_OIDC_UNIV_LYON_CLIENT_SECRET), not from node.config.ts`,
    ]);
  });

  it("takes them from the environment", async () => {
    const body = `{ mail: { smtp: { host: "smtp.example", user: "u" } }, sso: { oidc: [{ id: "univ-lyon", issuer: "https://id.example", clientId: "c", label: "L" }] } }`;
    expect(await loadFile(body, { FRANCEBADGE_MAIL_SMTP_PASSWORD: "pw", FRANCEBADGE_SSO_OIDC_UNIV_LYON_CLIENT_SECRET: "x" })).toEqual([]);
  });
});

describe("the README's configuration reference", () => {
  it("names every key of the config schema", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const missing = schemaLeaves(configSchema).filter((path) => !readme.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });
});
