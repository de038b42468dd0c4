import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

/** Hashes a password with scrypt (node:crypto); the cost travels in the hash so it can be raised later. */
export async function hashPassword(password: string, logN = 17): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** logN;
  const key = await scryptAsync(password.normalize("NFC"), salt, 64, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
  return `scrypt$${logN}$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/** Checks a password against a stored hash in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !logN || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const N = 2 ** Number(logN);
  const key = await scryptAsync(password.normalize("NFC"), Buffer.from(salt, "base64url"), expected.length, {
    N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r),
  });
  return timingSafeEqual(key, expected);
}

// Hashes to verify against when the account does not exist, so timing does not reveal it: one
// per cost, derived once (lazily) with the same parameters as a real hash of that cost.
const dummies = new Map<number, Promise<string>>();

/** A throwaway hash with the configured cost, computed on first use and then kept. */
export function dummyHash(logN: number): Promise<string> {
  let hash = dummies.get(logN);
  if (!hash) {
    hash = hashPassword(randomBytes(24).toString("base64url"), logN);
    dummies.set(logN, hash);
  }
  return hash;
}
