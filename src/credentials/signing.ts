import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { Ed25519Signature2020 } from "@digitalbazaar/ed25519-signature-2020";
import { Ed25519VerificationKey2020 } from "@digitalbazaar/ed25519-verification-key-2020";
import { cryptosuite as eddsaRdfc2022 } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import type { DocumentLoader } from "./document-loader.ts";

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

// Multikey's secret is the 32-byte seed (multicodec 0x8026); Ed25519VerificationKey2020 wants the same
// multibase string as privateKeyMultibase, so one stored key serves both suites.
async function suiteFor(name: ProofSuite, key: SigningKey, created: Date | undefined) {
  if (name === "eddsa-rdfc-2022") {
    const pair = await Ed25519Multikey.from({ "@context": "https://w3id.org/security/multikey/v1", type: "Multikey", ...key });
    return new DataIntegrityProof({ signer: pair.signer(), cryptosuite: eddsaRdfc2022, date: created });
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
