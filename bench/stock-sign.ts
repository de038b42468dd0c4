// The stock library path, for comparison: @digitalbazaar/vc + DataIntegrityProof + eddsa-rdfc-2022 +
// ed25519-multikey's own signer (which re-imports the key on every signature), and jsonld as installed.
// Never import src/credentials/signing.ts next to this: it installs the jsonld speed-up.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import type { WorkerSign } from "../src/credentials/signing-pool.ts";
import type { SigningKey } from "../src/credentials/signing.ts";

/** Throws if jsonld's active contexts are not cloned the stock way in this thread. */
export function assertStockJsonld(): void {
  const jsonldMain = createRequire(fileURLToPath(import.meta.resolve("@digitalbazaar/vc"))).resolve("jsonld");
  const context = createRequire(jsonldMain)("./context.js") as { getInitialContext(o: object): { clone: { name: string } } };
  if (context.getInitialContext({}).clone.name !== "_cloneActiveContext") throw new Error("jsonld is patched in a stock benchmark thread");
}

const signers = new WeakMap<SigningKey, Promise<unknown>>();

/** Same input and output shape as our signCredential (eddsa-rdfc-2022 only, proof as an array). */
export const stockSign: WorkerSign = async (credential, key, { documentLoader, created }) => {
  let signer = signers.get(key);
  if (!signer) {
    signer = Ed25519Multikey.from({ "@context": "https://w3id.org/security/multikey/v1", type: "Multikey", ...key }).then((pair) => pair.signer());
    signers.set(key, signer);
  }
  const suite = new DataIntegrityProof({ signer: await signer, cryptosuite, date: created });
  const { proof, ...signed } = await vc.issue({ credential: structuredClone(credential), suite, documentLoader });
  return { ...signed, proof: [proof] };
};
