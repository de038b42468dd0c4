import { z } from "zod";
import { isLoopbackHost } from "./loopback.ts";
import { ssoSchema, type SsoConfig } from "./sso.schema.ts";

/** Loopback hosts: a node whose origin is one of these is a local try, not production. */
export function isLoopbackOrigin(origin: string): boolean {
  return isLoopbackHost(new URL(origin).hostname);
}

// An origin is scheme://host[:port]: a path, query, fragment or user name would end up in every
// identifier the node issues (and Fedify refuses it later, with a stack trace).
function isBareOrigin(value: string): boolean {
  if (!URL.canParse(value)) return true; // z.url() reports it
  const url = new URL(value);
  return (url.pathname === "/" || url.pathname === "") && !url.search && !url.hash && !url.username && !url.password && !/[?#]/.test(value);
}

const smtpSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  password: z.string().optional(),
}).strict();

/** Operator settings. Every key has a default so that no config file is needed for a local try.
 * Every level is strict: a misspelt key (auth.sesionDays) is reported, not silently ignored. */
export const configSchema = z
  .object({
    origin: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://badges.example.edu" })
      .refine(isBareOrigin, "must be scheme://host[:port] with no path, query or fragment (such as https://badges.example.edu)").optional(),
    port: z.number({ error: "must be a number" }).int().min(1, "must be between 1 and 65535").max(65535, "must be between 1 and 65535").default(8080),
    host: z.string().min(1).optional(),
    dataDir: z.string().min(1).default("./data"),
    database: z.string().min(1).optional(),
    demo: z.boolean({ error: "must be true or false" }).optional(),
    locale: z.enum(["fr", "en"], { error: "must be fr or en" }).default("fr"),
    trustProxy: z.boolean({ error: "must be true or false" }).default(false),
    log: z
      .object({
        level: z.enum(["debug", "info", "warning", "error"]).default("info"),
        format: z.enum(["pretty", "json"]).optional(),
        // Fedify's own logs (deliveries, signatures, retries); default warning (info when level is debug).
        fedifyLevel: z.enum(["debug", "info", "warning", "error"]).optional(),
      })
      .strict()
      .prefault({}),
    admin: z.strictObject({ email: z.email({ error: "must be an e-mail address" }).default("admin@francebadge.localhost") }).prefault({}),
    auth: z
      .object({
        passwordLogin: z.boolean().default(true),
        sessionDays: z.number().int().min(1).max(365).default(14),
        maxFailedLogins: z.number().int().min(1).default(5),
        // log2 of scrypt's N: 17 follows OWASP; tests lower it to stay fast.
        passwordHashCost: z.number().int().min(10).max(20).default(17),
      })
      .strict()
      .prefault({}),
    mail: z
      .object({
        from: z.string().default("FranceBadge <no-reply@francebadge.localhost>"),
        smtp: smtpSchema.optional(),
        // "file" writes each message as an .eml file under `dir` (the default without smtp);
        // "smtp" sends through mail.smtp (the default when it is set).
        transport: z.enum(["smtp", "file"], { error: "must be smtp or file" }).optional(),
        dir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        concurrency: z.number().int().min(1).max(64).default(4),
        pollMs: z.number().int().min(10).default(500),
        visibilityTimeoutMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        // OB 3.0 certification wants eddsa-rdfc-2022; an additional Ed25519Signature2020 proof helps older verifiers.
        ed25519Signature2020: z.boolean().default(false),
        workers: z.number().int().min(0).max(16).default(0),
      })
      .strict()
      .prefault({}),
    federation: z
      .object({
        enabled: z.boolean({ error: "must be true or false" }).default(true),
        // Lets Fedify fetch private/loopback addresses (two local nodes over http). Default: true only
        // when the origin is loopback; never in production (SSRF guard).
        allowPrivateAddress: z.boolean({ error: "must be true or false" }).optional(),
      })
      .strict()
      .prefault({}),
    sso: ssoSchema,
    verification: z
      .object({
        // Lets the verifier fetch private/loopback addresses (keys, status lists, OB 2.0 hosted
        // badges of a local node). Default: true only when the origin is loopback (SSRF guard).
        allowPrivateAddress: z.boolean({ error: "must be true or false" }).optional(),
        fetchTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
        // Largest upload and largest remote answer the verifier reads.
        maxBytes: z.number().int().min(64 * 1024).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
        // Folder with the official OB 3.0 JSON Schemas (not on npm); default ../shared/ob3/schema when present.
        schemasDir: z.string().min(1).optional(),
        // Public verifier, per client address (page and API together): a burst, then a steady rate.
        // A campus behind one NAT address may need more.
        rateBurst: z.number().int().min(1).max(100_000).default(30),
        ratePerMinute: z.number().int().min(1).max(1_000_000).default(30),
      })
      .strict()
      .prefault({}),
    secret: z.string().min(32, "must be at least 32 characters").optional(),
  })
  .strict();

/** What an operator writes in node.config.ts (every key optional). */
export type ConfigInput = z.input<typeof configSchema>;

/** The resolved, frozen configuration passed down to the whole node. */
export interface Config {
  readonly origin: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: { readonly kind: "sqlite"; readonly path: string } | { readonly kind: "postgres"; readonly url: string };
  readonly demo: boolean;
  readonly locale: "fr" | "en";
  readonly production: boolean;
  readonly trustProxy: boolean;
  readonly log: {
    readonly level: "debug" | "info" | "warning" | "error";
    readonly format: "pretty" | "json";
    readonly fedifyLevel: "debug" | "info" | "warning" | "error";
  };
  readonly admin: { readonly email: string };
  readonly auth: { readonly passwordLogin: boolean; readonly sessionDays: number; readonly maxFailedLogins: number; readonly passwordHashCost: number };
  readonly mail: {
    readonly from: string;
    readonly smtp?: z.output<typeof smtpSchema>;
    readonly transport: "smtp" | "file";
    /** Where the file transport writes its .eml files (default <dataDir>/mail). */
    readonly dir: string;
  };
  readonly jobs: { readonly concurrency: number; readonly pollMs: number; readonly visibilityTimeoutMs: number };
  readonly signing: { readonly ed25519Signature2020: boolean; readonly workers: number };
  readonly federation: { readonly enabled: boolean; readonly allowPrivateAddress: boolean };
  readonly sso: SsoConfig;
  readonly verification: {
    readonly allowPrivateAddress: boolean; readonly fetchTimeoutMs: number; readonly maxBytes: number; readonly schemasDir: string | null;
    readonly rateBurst: number; readonly ratePerMinute: number;
  };
  readonly secret: string;
}
