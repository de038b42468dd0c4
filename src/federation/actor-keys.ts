import { exportJwk, generateCryptoKeyPair, importJwk } from "@fedify/fedify";
import type { Db } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { open, seal } from "../shared/secret-box.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./federation.repository.ts";

// The secret-box purpose label: actor keys never share an encryption key with OB signing keys.
const PURPOSE = "actor-key";
const RSA = "RSASSA-PKCS1-v1_5";
const ED25519 = "Ed25519";

/** A key pair as Fedify's key-pairs dispatcher returns it (WebCrypto, Fedify's own typing). */
export type KeyPair = Awaited<ReturnType<typeof generateCryptoKeyPair>>;

/** The owner name of the node's own Application actor's keys. */
export const NODE_KEY_OWNER = "_node";

// RSA-2048, as Mastodon: keys are made on first use (inside a request), and 4096-bit generation
// can take seconds on a small machine. Ed25519 serves Object Integrity Proofs (FEP-8b32).
async function generate(algorithm: string): Promise<KeyPair> {
  if (algorithm === ED25519) return generateCryptoKeyPair("Ed25519");
  return (await crypto.subtle.generateKey({ name: RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as unknown as KeyPair;
}

/**
 * ActivityPub key pairs of issuers and of the node (RSA for HTTP Signatures, Ed25519 for proofs),
 * kept apart from the OB signing keys; private halves are sealed with the node secret.
 */
export function createActorKeys(deps: { db: Db; clock: Clock; secret: string }) {
  const cache = new Map<string, Promise<KeyPair[]>>();

  async function ensure(owner: string): Promise<void> {
    const have = new Set((await repo.listActorKeys(deps.db, owner)).map((r) => r.algorithm));
    for (const algorithm of [RSA, ED25519]) {
      if (have.has(algorithm)) continue;
      const pair = await generate(algorithm);
      await repo.insertActorKeyIfAbsent(deps.db, {
        id: newId(), owner, algorithm, created_at: isoNow(deps.clock),
        public_jwk: JSON.stringify(await exportJwk(pair.publicKey)),
        private_jwk_sealed: seal(deps.secret, PURPOSE, JSON.stringify(await exportJwk(pair.privateKey))),
      });
    }
  }

  async function load(owner: string): Promise<KeyPair[]> {
    await ensure(owner);
    const rows = await repo.listActorKeys(deps.db, owner);
    return Promise.all(rows.map(async (r) => ({
      publicKey: await importJwk(JSON.parse(r.public_jwk), "public"),
      privateKey: await importJwk(JSON.parse(open(deps.secret, PURPOSE, r.private_jwk_sealed)), "private"),
    })));
  }

  return {
    /** The owner's key pairs, RSA first; made on first use. */
    pairs(owner: string): Promise<KeyPair[]> {
      let pending = cache.get(owner);
      if (!pending) {
        pending = load(owner);
        cache.set(owner, pending);
        pending.catch(() => cache.delete(owner));
      }
      return pending;
    },
  };
}

export type ActorKeys = ReturnType<typeof createActorKeys>;
