import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { configSchema, isLoopbackOrigin, type Config, type ConfigInput } from "./config.schema.ts";
import { applyOidcSecrets, resolveSsoPaths, ssoProblems } from "./sso.schema.ts";

type Leaf = "string" | "number" | "boolean";
type Env = Record<string, string | undefined>;

// Every settable key and its type; the environment variable is FRANCEBADGE_ + the path in SNAKE_CASE.
const leaves: ReadonlyArray<readonly [string, Leaf]> = [
  ["origin", "string"], ["port", "number"], ["host", "string"], ["dataDir", "string"], ["database", "string"],
  ["demo", "boolean"], ["locale", "string"], ["trustProxy", "boolean"],
  ["log.level", "string"], ["log.format", "string"], ["log.fedifyLevel", "string"], ["admin.email", "string"],
  ["auth.passwordLogin", "boolean"], ["auth.sessionDays", "number"], ["auth.maxFailedLogins", "number"], ["auth.passwordHashCost", "number"],
  ["mail.from", "string"], ["mail.smtp.host", "string"], ["mail.smtp.port", "number"], ["mail.smtp.secure", "boolean"],
  ["mail.smtp.user", "string"], ["mail.smtp.password", "string"], ["mail.transport", "string"], ["mail.dir", "string"],
  ["jobs.concurrency", "number"], ["jobs.pollMs", "number"], ["jobs.visibilityTimeoutMs", "number"],
  ["signing.ed25519Signature2020", "boolean"], ["signing.workers", "number"],
  ["federation.enabled", "boolean"], ["federation.allowPrivateAddress", "boolean"],
  ["sso.saml.spEntityId", "string"], ["sso.saml.spPrivateKeyPath", "string"], ["sso.saml.spCertPath", "string"],
  ["sso.saml.federationMetadataPath", "string"], ["sso.saml.federationCertPath", "string"], ["sso.saml.requireEncryption", "boolean"],
  ["sso.staffPasswordLogin", "boolean"],
  ["verification.allowPrivateAddress", "boolean"], ["verification.fetchTimeoutMs", "number"], ["verification.maxBytes", "number"],
  ["verification.schemasDir", "string"], ["verification.rateBurst", "number"], ["verification.ratePerMinute", "number"],
  ["secret", "string"],
];

/** FRANCEBADGE_DATA_DIR for "dataDir", FRANCEBADGE_MAIL_SMTP_HOST for "mail.smtp.host". */
export function envName(path: string): string {
  return "FRANCEBADGE_" + path.split(".").map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_");
}

// Aliases the README promises besides the generic names.
const aliases: Record<string, string> = { FRANCEBADGE_DATABASE_URL: "database" };

function coerce(raw: string, leaf: Leaf): unknown {
  if (leaf === "number") return raw.trim() === "" ? raw : Number(raw);
  if (leaf === "boolean") {
    const v = raw.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    return raw;
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node = (node[part] = typeof next === "object" && next !== null ? { ...(next as object) } : {}) as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

/** Applies FRANCEBADGE_* variables over the file's settings. */
export function applyEnv(input: ConfigInput, env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(input) as Record<string, unknown>;
  for (const [path, leaf] of leaves) {
    const raw = env[envName(path)];
    if (raw !== undefined) setPath(out, path, coerce(raw, leaf));
  }
  for (const [name, path] of Object.entries(aliases)) {
    const raw = env[name];
    if (raw !== undefined) setPath(out, path, raw);
  }
  applyOidcSecrets(out, env);
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, env: Env): string {
  const path = issue.path.join(".");
  if (issue.code === "unrecognized_keys") return `${path ? path + ": " : ""}unknown setting(s) ${issue.keys.join(", ")}`;
  const name = envName(path);
  const fromEnv = env[name] !== undefined ? ` (from ${name}="${env[name]}")` : "";
  return `${path || "config"}: ${issue.message}${fromEnv}`;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Resolves settings (file + environment) into the frozen Config, or lists every problem. */
export function resolveConfig(input: ConfigInput, env: Env, cwd = process.cwd()): ConfigResult {
  const parsed = configSchema.safeParse(applyEnv(input, env));
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => describeIssue(i, env)) };
  const v = parsed.data;
  const origin = (v.origin ?? `http://localhost:${v.port}`).replace(/\/+$/, "");
  const loopback = isLoopbackOrigin(origin);
  const dataDir = isAbsolute(v.dataDir) ? v.dataDir : resolve(cwd, v.dataDir);
  const problems: string[] = [];
  const dbSetting = v.database ?? join(dataDir, "francebadge.sqlite");
  const database = /^postgres(ql)?:\/\//.test(dbSetting)
    ? ({ kind: "postgres", url: dbSetting } as const)
    : ({ kind: "sqlite", path: isAbsolute(dbSetting) ? dbSetting : resolve(cwd, dbSetting) } as const);
  if (!loopback && !origin.startsWith("https://")) problems.push(`origin: must use https:// outside localhost (got ${origin})`);
  if (!loopback && !v.secret) problems.push("secret: FRANCEBADGE_SECRET must be set (32+ characters) when the origin is not localhost");
  if (v.secret && input.secret) problems.push("secret: must come from the environment (FRANCEBADGE_SECRET), not from node.config.ts");
  if (v.mail.transport === "smtp" && !v.mail.smtp) problems.push("mail.transport: smtp needs mail.smtp.host (FRANCEBADGE_MAIL_SMTP_HOST)");
  problems.push(...ssoProblems(v.sso));
  if (problems.length) return { ok: false, problems };
  const config: Config = {
    origin, port: v.port, host: v.host ?? (loopback ? "127.0.0.1" : "0.0.0.0"), dataDir, database,
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
  return { ok: true, config: deepFreeze(config) };
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
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
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
  return resolveConfig(input, env, cwd);
}
