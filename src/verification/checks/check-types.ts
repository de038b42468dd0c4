import type { GetOptions, RemoteError, RemoteResponse } from "../remote-fetch.ts";
import type { Result } from "../../shared/result.ts";

/** The lines of a verification report, in the order they are shown. */
export type CheckName =
  | "input" | "structure" | "schema" | "proof" | "key" | "issuer" | "status" | "dates" | "recipient"
  | "hosted" | "badgeclass" | "endorsement" | "endorsements" | "partner";

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

/** An i18n key and its parameters (rendered in FR or EN by the route). */
export interface Message {
  key: string;
  params?: Record<string, string | number>;
  /** A nested explanation, rendered into the `{cause}` parameter. */
  cause?: Message;
}

/** One line of the report. `outcome` refines a failure for the verdict (revoked, expired…). */
export interface Check {
  check: CheckName;
  status: CheckStatus;
  message: Message;
  outcome?: "revoked" | "suspended" | "expired" | "not-yet-valid";
  /** A reason given by the issuer (revocation, suspension), shown with the verdict. */
  reason?: string;
}

/** Builds a report line. */
export function line(check: CheckName, status: CheckStatus, key: string, params?: Record<string, string | number>, extra: Partial<Check> = {}): Check {
  return { check, status, message: params ? { key, params } : { key }, ...extra };
}

/** Where the checks read documents: this node's own in-process, others' through the guarded fetcher. */
export interface DocumentSource {
  /** A JSON document (our own, or remote); `revalidate` asks a remote site again even if cached. */
  json(url: string, opts?: GetOptions): Promise<Result<{ url: string; json: unknown }, RemoteError>>;
  /** Raw bytes of a remote (or local) resource, for URLs given to the verifier. */
  get(url: string, accept: string): Promise<Result<RemoteResponse, RemoteError>>;
}

/** The message key and parameters that explain a failed fetch. */
export function fetchProblem(e: RemoteError): Message {
  switch (e.kind) {
    case "status": return { key: "verification.fetch.status", params: { url: e.url, status: e.status } };
    case "timeout": return { key: "verification.fetch.timeout", params: { url: e.url, seconds: Math.round(e.ms / 100) / 10 } };
    case "too-large": return { key: "verification.fetch.tooLarge", params: { url: e.url, mb: Math.round(e.max / 104857.6) / 10 } };
    case "private-address": return { key: "verification.fetch.private", params: { url: e.url } };
    case "not-json": return { key: "verification.fetch.notJson", params: { url: e.url, type: e.contentType } };
    case "network": return { key: "verification.fetch.network", params: { url: e.url, detail: e.detail } };
    default: return { key: `verification.fetch.${e.kind === "bad-url" ? "badUrl" : e.kind}`, params: { url: e.url } };
  }
}

/** A plain object (JSON), or null. */
export function asObject(value: unknown): Record<string, any> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, any>) : null;
}

/** A value or list of values as a list. */
export function asArray<T = unknown>(value: unknown): T[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? (value as T[]) : [value as T];
}

/** The id of a value that may be a string or an object with an id. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const id = asObject(value)?.id;
  return typeof id === "string" ? id : undefined;
}
