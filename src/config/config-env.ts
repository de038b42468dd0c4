import type { ConfigInput } from "./config.schema.ts";

/** How a FRANCEBADGE_* value is read: scalars as text, a list of names as JSON or comma-separated, objects and lists of objects as JSON. */
export type LeafKind = "string" | "number" | "boolean" | "list" | "json";
type Env = Record<string, string | undefined>;

const attributeMapKeys = [
  "eppn", "subjectId", "pairwiseId", "email", "emailVerified", "displayName", "givenName", "surname", "affiliation", "scopedAffiliation", "homeOrganization",
];

// Every settable key and its kind; the environment variable is FRANCEBADGE_ + the path in SNAKE_CASE.
// test/unit/config-checks.test.ts walks the schema to check that no key is missing here.
export const leaves: ReadonlyArray<readonly [string, LeafKind]> = [
  ["origin", "string"], ["port", "number"], ["host", "string"], ["dataDir", "string"], ["database", "string"],
  ["demo", "boolean"], ["locale", "string"], ["trustProxy", "boolean"],
  ["log.level", "string"], ["log.format", "string"], ["log.fedifyLevel", "string"], ["admin.email", "string"],
  ["auth.passwordLogin", "boolean"], ["auth.sessionDays", "number"], ["auth.maxFailedLogins", "number"], ["auth.passwordHashCost", "number"],
  ["mail.from", "string"], ["mail.smtp.host", "string"], ["mail.smtp.port", "number"], ["mail.smtp.secure", "boolean"],
  ["mail.smtp.user", "string"], ["mail.smtp.password", "string"], ["mail.transport", "string"], ["mail.dir", "string"],
  ["jobs.concurrency", "number"], ["jobs.pollMs", "number"], ["jobs.visibilityTimeoutMs", "number"],
  ["signing.ed25519Signature2020", "boolean"], ["signing.workers", "number"],
  ["federation.enabled", "boolean"], ["federation.allowPrivateAddress", "boolean"],
  ["sso.oidc", "json"], ["sso.saml.idps", "json"], ["sso.roleRules", "json"],
  ["sso.saml.spEntityId", "string"], ["sso.saml.spPrivateKeyPath", "string"], ["sso.saml.spCertPath", "string"],
  ["sso.saml.federationMetadataPath", "string"], ["sso.saml.federationCertPath", "string"], ["sso.saml.requireEncryption", "boolean"],
  ...attributeMapKeys.map((k) => [`sso.attributeMap.${k}`, "list"] as const),
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

// FRANCEBADGE_* variables read elsewhere, which are not settings: the config file's path, and the
// shared spec folder the tests read (test/helpers/shared-data.ts).
const notSettings = new Set(["FRANCEBADGE_CONFIG", "FRANCEBADGE_SHARED_DIR"]);
const OIDC_SECRET = /^FRANCEBADGE_SSO_OIDC_([A-Z0-9_]+)_CLIENT_SECRET$/;

/** The variable carrying one OIDC provider's client secret (dashes as underscores). */
export function oidcSecretEnvName(id: string): string {
  return `FRANCEBADGE_SSO_OIDC_${id.toUpperCase().replace(/-/g, "_")}_CLIENT_SECRET`;
}

type Coerced = { value: unknown } | { problem: string };

function coerce(name: string, raw: string, leaf: LeafKind): Coerced {
  if (leaf === "number") return { value: raw.trim() === "" ? raw : Number(raw) };
  if (leaf === "boolean") {
    const v = raw.trim().toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return { value: true };
    if (["0", "false", "no", "off"].includes(v)) return { value: false };
    return { value: raw };
  }
  if (leaf === "list" && !raw.trim().startsWith("[")) return { value: raw.split(",").map((s) => s.trim()).filter(Boolean) };
  if (leaf === "list" || leaf === "json") {
    try {
      return { value: JSON.parse(raw) };
    } catch (error) {
      return { problem: `${name}: is not valid JSON (${(error as Error).message}); write it as in node.config.ts, e.g. ${name}='[{"id":"…"}]'` };
    }
  }
  return { value: raw };
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

/** FRANCEBADGE_SSO_OIDC_<ID>_CLIENT_SECRET over each provider's clientSecret. */
function applyOidcSecrets(input: Record<string, unknown>, env: Env): void {
  const sso = input.sso as { oidc?: unknown } | undefined;
  if (!sso || !Array.isArray(sso.oidc)) return;
  sso.oidc = sso.oidc.map((p: unknown) => {
    if (typeof p !== "object" || p === null || typeof (p as { id?: unknown }).id !== "string") return p;
    const name = oidcSecretEnvName((p as { id: string }).id);
    return env[name] === undefined ? p : { ...p, clientSecret: env[name] };
  });
}

/** Applies FRANCEBADGE_* variables over the file's settings; unreadable values are added to `problems`. */
export function applyEnv(input: ConfigInput, env: Env, problems: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(input) as Record<string, unknown>;
  for (const [path, leaf] of leaves) {
    const name = envName(path);
    const raw = env[name];
    if (raw === undefined) continue;
    const coerced = coerce(name, raw, leaf);
    if ("problem" in coerced) problems.push(coerced.problem);
    else setPath(out, path, coerced.value);
  }
  for (const [name, path] of Object.entries(aliases)) {
    const raw = env[name];
    if (raw !== undefined) setPath(out, path, raw);
  }
  applyOidcSecrets(out, env);
  problems.push(...unknownVariables(env, out));
  return out;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** FRANCEBADGE_* variables that name no setting (FRANCEBADGE_PROT): reported like unknown keys of the file. */
function unknownVariables(env: Env, settings: Record<string, unknown>): string[] {
  const known = [...leaves.map(([path]) => envName(path)), ...Object.keys(aliases), ...notSettings];
  const oidc = (settings.sso as { oidc?: unknown } | undefined)?.oidc;
  const ids = Array.isArray(oidc) ? oidc.map((p) => (p as { id?: unknown })?.id).filter((id): id is string => typeof id === "string") : [];
  const problems: string[] = [];
  for (const name of Object.keys(env).filter((n) => n.startsWith("FRANCEBADGE_")).sort()) {
    if (known.includes(name) || env[name] === undefined) continue;
    if (OIDC_SECRET.test(name)) {
      if (!ids.some((id) => oidcSecretEnvName(id) === name)) problems.push(`${name}: no sso.oidc provider has this id (ids: ${ids.join(", ") || "none"})`);
      continue;
    }
    const near = known.filter((k) => distance(k, name) <= 2);
    problems.push(`${name}: unknown environment variable, no setting has this name${near.length ? ` (did you mean ${near.join(" or ")}?)` : ""}`);
  }
  return problems;
}
