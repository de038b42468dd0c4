import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { Ed25519Signature2020 } from "@digitalbazaar/ed25519-signature-2020";
import { Ed25519VerificationKey2020 } from "@digitalbazaar/ed25519-verification-key-2020";
import { cryptosuite as eddsaRdfc2022 } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import { createPrivateKey, createPublicKey, sign as ed25519Sign, type KeyObject } from "node:crypto";
import type { DocumentLoader } from "./document-loader.ts";
import { installJsonldSpeedup } from "./jsonld-speedup.ts";

// Copy-on-write active contexts for jsonld (jsonld.js#414): ~3× faster eddsa-rdfc-2022 signing,
// byte-identical proofs (test/unit/signing-equivalence.test.ts). Throws here if jsonld changed.
installJsonldSpeedup();

/** An issuer's Ed25519 signing key as Multikey strings (the secret is decrypted only for signing). */
export interface SigningKey {
  /** The verification method URL (our separate HTTPS key URL; ob3.md §1.11). */
  id: string;
  controller: string;
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

export type ProofSuite = "eddsa-rdfc-2022" | "Ed25519Signature2020";

export interface SignOptions {
  documentLoader: DocumentLoader;
  /** Proof creation time (defaults to now). */
  created?: Date;
  /** eddsa-rdfc-2022 always comes first; Ed25519Signature2020 may be added for older verifiers. */
  suites?: ProofSuite[];
}

/** What DataIntegrityProof needs from a signer (the shape @digitalbazaar/ed25519-multikey returns). */
interface Ed25519Signer {
  algorithm: "Ed25519";
  id: string;
  sign(input: { data: Uint8Array }): Promise<Uint8Array>;
}

// PKCS#8 DER prefix for a raw Ed25519 seed (RFC 8410), as in @digitalbazaar/ed25519-multikey's ed25519.js.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const signers = new WeakMap<SigningKey, Promise<Ed25519Signer>>();

// perf-baseline.md ("Key import on every signature"): ed25519-multikey's signer re-imports the DER key
// with createPrivateKey on every signature (~90 µs, more than the signature itself). We import it once
// per SigningKey object (the keys service and the signing workers keep theirs) and sign with the same
// node:crypto call, so the signature bytes are unchanged (Ed25519 is deterministic).
function cachedSigner(key: SigningKey): Promise<Ed25519Signer> {
  let signer = signers.get(key);
  if (!signer) {
    signer = createSigner(key);
    signers.set(key, signer);
    signer.catch(() => signers.delete(key));
  }
  return signer;
}

async function createSigner(key: SigningKey): Promise<Ed25519Signer> {
  // Multikey's secret is the 32-byte seed (multicodec 0x8026); the library decodes and checks it.
  const pair = await Ed25519Multikey.from({ "@context": "https://w3id.org/security/multikey/v1", type: "Multikey", ...key });
  const raw = await pair.export({ publicKey: true, secretKey: true, raw: true });
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw.secretKey.subarray(0, 32)]), format: "der", type: "pkcs8" });
  const derivedPublic = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  if (!derivedPublic.equals(Buffer.from(raw.publicKey))) throw new Error(`signing key ${key.id}: the secret key does not match publicKeyMultibase`);
  return { algorithm: "Ed25519", id: key.id, sign: async ({ data }) => ed25519Sign(null, data, privateKey) };
}

// Ed25519VerificationKey2020 wants the same multibase secret as privateKeyMultibase, so one stored key
// serves both suites.
async function suiteFor(name: ProofSuite, key: SigningKey, created: Date | undefined) {
  if (name === "eddsa-rdfc-2022") {
    return new DataIntegrityProof({ signer: await cachedSigner(key), cryptosuite: eddsaRdfc2022, date: created });
  }
  const pair = await Ed25519VerificationKey2020.from({
    type: "Ed25519VerificationKey2020", id: key.id, controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase, privateKeyMultibase: key.secretKeyMultibase,
  });
  return new Ed25519Signature2020({ key: pair, date: created });
}

/** Signs a credential; `proof` is always an array (OB 3.0 plain-JSON schema, ob3.md §5.4 pitfall 3). */
export async function signCredential<T extends object>(credential: T, key: SigningKey, options: SignOptions): Promise<T & { proof: object[] }> {
  const suites = options.suites?.length ? options.suites : (["eddsa-rdfc-2022"] as ProofSuite[]);
  let doc: Record<string, unknown> = structuredClone(credential) as Record<string, unknown>;
  const proofs: object[] = [];
  for (const name of ["eddsa-rdfc-2022", "Ed25519Signature2020"] as const) {
    if (!suites.includes(name)) continue;
    const { proof: _previous, ...unsigned } = doc;
    const signed = await vc.issue({ credential: unsigned, suite: await suiteFor(name, key, options.created), documentLoader: options.documentLoader });
    const { proof, ...rest } = signed as Record<string, unknown>;
    proofs.push(...(Array.isArray(proof) ? proof : [proof as object]));
    doc = rest;
  }
  return { ...(doc as T), proof: proofs };
}
