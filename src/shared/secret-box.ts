import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from "node:crypto";

// AES-256-GCM under a key derived (HKDF-SHA256) from the node secret and a purpose label,
// so the same secret never encrypts two kinds of data with the same key.
// Derived once per secret and purpose: a bulk award seals thousands of queued e-mails, and the
// derivation and key import cost more than the encryption itself.
const derived = new Map<string, KeyObject>();
function deriveKey(secret: string, purpose: string): KeyObject {
  const id = `${purpose}\u0000${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = createSecretKey(Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.from("francebadge"), Buffer.from(purpose), 32)));
    derived.set(id, key);
  }
  return key;
}

/** Encrypts text for storage at rest: "v1.<iv>.<ciphertext>.<tag>" (base64url). */
export function seal(secret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** Decrypts what seal() produced; throws if the secret is wrong or the data was altered. */
export function open(secret: string, purpose: string, sealed: string): string {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== "v1" || !iv || !body || !tag) throw new Error("unsupported sealed value");
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret, purpose), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
