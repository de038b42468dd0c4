import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { Ed25519Signature2020 } from "@digitalbazaar/ed25519-signature-2020";
import { cryptosuite as eddsaRdfc2022 } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import type { DocumentLoader } from "./document-loader.ts";
import { installJsonldSpeedup } from "./jsonld-speedup.ts";

// Verifying expands and canonicalizes like signing does, so it spends its time in the same active-
// context clones; install the copy-on-write contexts here too rather than rely on signing.ts having
// been imported first in this thread.
installJsonldSpeedup();

export interface ProofCheck {
  verified: boolean;
  /** The first reason a proof failed, in the library's words. */
  error?: string;
}

/** Status is checked by our own status-list code; the library only needs to be told to go on. */
const statusCheckedElsewhere = async () => ({ verified: true });

function firstError(result: any): string | undefined {
  const errors = [result?.error, ...(result?.results ?? []).map((r: any) => r?.error)].filter(Boolean);
  const e = errors[0];
  const nested = e?.errors?.[0] ?? e;
  return nested ? String(nested.message ?? nested) : undefined;
}

/** Verifies the proofs of a credential: eddsa-rdfc-2022 and Ed25519Signature2020, issuer = key controller. */
export async function verifyProofs(credential: object, documentLoader: DocumentLoader, now?: Date): Promise<ProofCheck> {
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020()];
  try {
    const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus: statusCheckedElsewhere, ...(now ? { now } : {}) });
    return result.verified ? { verified: true } : { verified: false, error: firstError(result) ?? "proof not verified" };
  } catch (error) {
    return { verified: false, error: (error as Error).message };
  }
}
