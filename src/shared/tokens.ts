import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A new random identifier for a row. */
export function newId(): string {
  return randomUUID();
}

/** A URL-safe random secret (256 bits by default). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** Secrets are stored only as their SHA-256, so a database leak reveals no usable token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
