import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { configSchema, isLoopbackOrigin, type Config, type ConfigInput } from "./config.schema.ts";
import { applyEnv, envName, oidcSecretEnvName } from "./config-env.ts";
import { resolveSsoPaths, ssoProblems } from "./sso.schema.ts";

type Env = Record<string, string | undefined>;
type Parsed = z.output<typeof configSchema>;

export { applyEnv, envName } from "./config-env.ts";

function describeIssue(issue: z.core.$ZodIssue, env: Env): string {
  const path = issue.path.join(".");
  if (issue.code === "unrecognized_keys") return `${path ? path + ": " : ""}unknown setting(s) ${issue.keys.join(", ")}`;
  const name = envName(path);
  const fromEnv = env[name] !== undefined ? ` (from ${name}="${env[name]}")` : "";
  return `${path || "config"}: ${issue.message}${fromEnv}`;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Resolves settings (file + environment) into the frozen Config, or lists every problem at once. */
export function resolveConfig(input: ConfigInput, env: Env, cwd = process.cwd()): ConfigResult {
  const problems: string[] = [];
  const settings = applyEnv(input, env, problems);
  const parsed = configSchema.safeParse(settings);
  let values: Parsed | null = parsed.success ? parsed.data : null;
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => describeIssue(i, env)));
    values = parseWhatIsValid(settings, parsed.error.issues);
  }
  // The cross-field checks run on whatever parsed, so one run lists every problem.
  if (values) problems.push(...crossFieldProblems(values, input, cwd));
  if (problems.length || !values) return { ok: false, problems };
  try {
    return { ok: true, config: deepFreeze(buildConfig(values, cwd)) };
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
}

// Drops each refused value (its default applies) and parses again, so the cross-field checks can
// still look at the rest. Gives up after a few rounds: null means nothing usable.
function parseWhatIsValid(settings: Record<string, unknown>, issues: z.core.$ZodIssue[]): Parsed | null {
  let current = structuredClone(settings);
  let pending = issues;
  for (let round = 0; round < 8; round++) {
    for (const issue of pending) {
      const path = issue.path.map(String);
      if (issue.code === "unrecognized_keys") for (const key of issue.keys) dropPath(current, [...path, key]);
      else if (!dropPath(current, path)) dropPath(current, path.slice(0, -1));
    }
    const again = configSchema.safeParse(current);
    if (again.success) return again.data;
    pending = again.error.issues;
    current = structuredClone(current);
  }
  return null;
}

function dropPath(target: Record<string, unknown>, path: string[]): boolean {
  if (path.length === 0) return false;
  let node: unknown = target;
  for (const part of path.slice(0, -1)) {
    node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  }
  if (typeof node !== "object" || node === null) return false;
  const last = path.at(-1)!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (!(index in node)) return false;
    node.splice(index, 1);
    return true;
  }
  if (!(last in node)) return false;
  delete (node as Record<string, unknown>)[last];
  return true;
}

const origin = (v: Parsed) => (v.origin ?? `http://localhost:${v.port}`).replace(/\/+$/, "");
const dataDirOf = (v: Parsed, cwd: string) => (isAbsolute(v.dataDir) ? v.dataDir : resolve(cwd, v.dataDir));

// SQLite by default (a file path), PostgreSQL with a postgres:// URL; any other URL is a mistake.
function databaseOf(v: Parsed, cwd: string): Config["database"] | { problem: string } {
  const setting = v.database ?? join(dataDirOf(v, cwd), "francebadge.sqlite");
  if (/^postgres(ql)?:\/\//i.test(setting)) return { kind: "postgres", url: setting };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(setting);
  if (scheme) return { problem: `database: must be a file path (SQLite) or a postgres:// URL, not a ${scheme[1]}:// URL` };
  return { kind: "sqlite", path: isAbsolute(setting) ? setting : resolve(cwd, setting) };
}

function crossFieldProblems(v: Parsed, input: ConfigInput, cwd: string): string[] {
  const problems: string[] = [];
  const loopback = isLoopbackOrigin(origin(v));
  const database = databaseOf(v, cwd);
  if ("problem" in database) problems.push(database.problem);
  if (!loopback && !origin(v).startsWith("https://")) problems.push(`origin: must use https:// outside localhost (got ${origin(v)})`);
  if (!loopback && !v.secret) problems.push("secret: FRANCEBADGE_SECRET must be set (32+ characters) when the origin is not localhost");
  if (v.secret && input.secret) problems.push("secret: must come from the environment (FRANCEBADGE_SECRET), not from node.config.ts");
  if (v.mail.transport === "smtp" && !v.mail.smtp) problems.push("mail.transport: smtp needs mail.smtp.host (FRANCEBADGE_MAIL_SMTP_HOST)");
  problems.push(...ssoProblems(v.sso));
  return problems;
}

function buildConfig(v: Parsed, cwd: string): Config {
  const loopback = isLoopbackOrigin(origin(v));
  const dataDir = dataDirOf(v, cwd);
  return {
    origin: origin(v), port: v.port, host: v.host ?? (loopback ? "127.0.0.1" : "0.0.0.0"), dataDir, database: databaseOf(v, cwd) as Config["database"],
    demo: v.demo ?? loopback, locale: v.locale, production: !loopback, trustProxy: v.trustProxy,
    log: { level: v.log.level, format: v.log.format ?? (loopback ? "pretty" : "json"), fedifyLevel: v.log.fedifyLevel ?? (v.log.level === "debug" ? "info" : "warning") },
    admin: v.admin, auth: v.auth, jobs: v.jobs, signing: v.signing,
    federation: { enabled: v.federation.enabled, allowPrivateAddress: v.federation.allowPrivateAddress ?? loopback },
    mail: {
      from: v.mail.from, ...(v.mail.smtp ? { smtp: v.mail.smtp } : {}),
      transport: v.mail.transport ?? (v.mail.smtp ? "smtp" : "file"),
      dir: v.mail.dir ? (isAbsolute(v.mail.dir) ? v.mail.dir : resolve(cwd, v.mail.dir)) : join(dataDir, "mail"),
    },
    sso: resolveSsoPaths(v.sso, (p) => (isAbsolute(p) ? p : resolve(cwd, p))),
    verification: {
      allowPrivateAddress: v.verification.allowPrivateAddress ?? loopback,
      fetchTimeoutMs: v.verification.fetchTimeoutMs, maxBytes: v.verification.maxBytes,
      schemasDir: schemasDir(v.verification.schemasDir, cwd),
      rateBurst: v.verification.rateBurst, ratePerMinute: v.verification.ratePerMinute,
    },
    secret: v.secret ?? localSecret(dataDir),
  };
}

// The official OB 3.0 JSON Schemas are not on npm (ob3.md §6): an operator names their folder; a
// checkout beside ../shared uses its copy. Absent, the verifier says "schema not checked".
function schemasDir(setting: string | undefined, cwd: string): string | null {
  if (setting) return isAbsolute(setting) ? setting : resolve(cwd, setting);
  const beside = resolve(cwd, "../shared/ob3/schema");
  return existsSync(beside) ? beside : null;
}

/** On localhost the secret is generated once and kept in dataDir, so sessions survive restarts. */
function localSecret(dataDir: string): string {
  const file = join(dataDir, "secret");
  try {
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString("base64url");
    writeFileSync(file, secret + "\n", { mode: 0o600 });
    chmodSync(file, 0o600);
    return secret;
  } catch (error) {
    throw new Error(`dataDir: cannot keep the local secret in ${dataDir} (${describeFsError(error)})`, { cause: error });
  }
}

/** "ENOTDIR: not a directory" rather than a stack trace. */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message.replace(/^\w+: /, "").replace(/,.*$/, "")}` : String(e.message ?? error);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Loads node.config.ts (or FRANCEBADGE_CONFIG) and the environment. */
export async function loadConfig(env: Env = process.env, cwd = process.cwd()): Promise<ConfigResult> {
  const file = resolve(cwd, env.FRANCEBADGE_CONFIG ?? "node.config.ts");
  let input: ConfigInput = {};
  if (existsSync(file)) {
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: ConfigInput };
      input = mod.default ?? {};
    } catch (error) {
      return { ok: false, problems: [`${file}: cannot be loaded (${(error as Error).message})`] };
    }
  } else if (env.FRANCEBADGE_CONFIG) {
    return { ok: false, problems: [`${file}: no such config file`] };
  }
  const result = resolveConfig(input, env, cwd);
  const secrets = secretsInFile(input);
  if (!secrets.length) return result;
  return { ok: false, problems: [...secrets, ...(result.ok ? [] : result.problems)] };
}

// Secrets come only from the environment: a config file is copied, versioned and shown around.
// (`secret` itself is checked by resolveConfig; SAML keys are files, named by spPrivateKeyPath.)
function secretsInFile(input: ConfigInput): string[] {
  const problems: string[] = [];
  if (input.mail?.smtp?.password !== undefined) {
    problems.push(`mail.smtp.password: must come from the environment (${envName("mail.smtp.password")}), not from node.config.ts`);
  }
  for (const p of input.sso?.oidc ?? []) {
    if (p.clientSecret !== undefined) {
      problems.push(`sso.oidc: the clientSecret of "${p.id}" must come from the environment (${oidcSecretEnvName(String(p.id))}), not from node.config.ts`);
    }
  }
  return problems;
}
