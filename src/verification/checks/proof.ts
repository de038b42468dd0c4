import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { Ed25519Signature2020 } from "@digitalbazaar/ed25519-signature-2020";
import { cryptosuite as eddsaRdfc2022 } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import { createDocumentLoader, type RemoteDocument } from "../../credentials/document-loader.ts";
import { asArray, asObject, idOf, line, type Check, type DocumentSource, type Message } from "./check-types.ts";
import { resolveKey, type ResolvedKey } from "./keys.ts";

type Suite = "eddsa-rdfc-2022" | "eddsa-2022" | "Ed25519Signature2020";

// Contexts only; every other document the library asks for comes from the resolved keys.
const contextsOnly = createDocumentLoader();

// `eddsa-2022` is the draft name of eddsa-rdfc-2022: same canonicalisation (URDNA2015), hash and
// Ed25519 signature, with the Data Integrity v1 context. @digitalbazaar/data-integrity matches a
// proof by cryptosuite name only, so the current suite under the old name verifies it.
const legacyEddsa2022 = { ...eddsaRdfc2022, name: "eddsa-2022" };

// The library's issuance purpose also demands issuer = key controller; that rule is our own
// "issuer" line (a did:key signing for another issuer is a warning there, as 1EdTech has it), so
// only its parent's check is kept: the controller lists the key under assertionMethod.
const IssuancePurpose = (vc as unknown as { CredentialIssuancePurpose: new () => { validate(p: unknown, o: unknown): Promise<unknown> } }).CredentialIssuancePurpose;
const assertionMethodOnly = Object.getPrototypeOf(IssuancePurpose.prototype).validate as (p: unknown, o: unknown) => Promise<unknown>;
class AssertionPurpose extends IssuancePurpose {
  override validate(proof: unknown, options: unknown) {
    return assertionMethodOnly.call(this, proof, options);
  }
}

function suiteOf(proof: Record<string, any>): Suite | null {
  if (proof.type === "Ed25519Signature2020") return "Ed25519Signature2020";
  if (proof.type !== "DataIntegrityProof") return null;
  return proof.cryptosuite === "eddsa-rdfc-2022" || proof.cryptosuite === "eddsa-2022" ? proof.cryptosuite : null;
}

/** The three lines about a signature: the proof itself, its key, and that the key is the issuer's. */
export interface ProofLines {
  proof: Check;
  key: Check;
  issuer: Check;
}

function describeProofs(proofs: Record<string, any>[]): string {
  return proofs.map((p) => [p.type, p.cryptosuite].filter(Boolean).join(" ")).join(", ") || "?";
}

// The library's words for the usual failures, as sentences a visitor understands. jsonld.js puts
// the useful part in `details` (the context URL it could not load, the term it had to drop).
function proofFailure(error: any): Message {
  const message = String(error?.message ?? error ?? "");
  const details = error?.details ?? {};
  if (/invalid signature/i.test(message)) return { key: "verification.proof.invalid" };
  if (details.code === "loading remote context failed" || /not available offline/.test(message)) {
    return { key: "verification.proof.unknownContext", params: { url: String(details.url ?? message.split(": ").at(-1) ?? "") } };
  }
  if (error?.name === "jsonld.ValidationError" || /safe mode/i.test(message)) {
    const event = details.event ?? {};
    const term = event.details?.property ?? event.details?.type ?? event.details?.term ?? event.code ?? message;
    return { key: "verification.proof.undefinedTerms", params: { detail: String(term).slice(0, 200) } };
  }
  return { key: "verification.proof.error", params: { detail: message.slice(0, 200) } };
}

function firstError(result: any): unknown {
  const errors = [result?.error, ...(result?.results ?? []).map((r: any) => r?.error)].flat().filter(Boolean);
  const e = errors[0];
  return e?.errors?.[0] ?? e ?? new Error("proof not verified");
}

// jsonld-signatures counts a credential as verified when any proof verifies; we want every
// supported proof to hold (an altered second proof is a tampered document too).
async function runLibrary(doc: Record<string, any>, keys: ResolvedKey[], now: Date): Promise<{ ok: boolean; error?: unknown }> {
  const documents = new Map(keys.flatMap((k) => k.documents));
  const documentLoader = async (url: string): Promise<RemoteDocument> =>
    documents.has(url) ? { contextUrl: null, documentUrl: url, document: documents.get(url) } : contextsOnly(url);
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020(), new DataIntegrityProof({ cryptosuite: legacyEddsa2022, legacyContext: true })];
  const verify = vc.verifyCredential as (options: object) => Promise<any>;
  try {
    const result = await verify({ credential: doc, suite, documentLoader, now, purpose: new AssertionPurpose(), checkStatus: async () => ({ verified: true }) });
    const each = (result.results ?? []) as Array<{ verified: boolean }>;
    if (result.verified && each.every((r) => r.verified)) return { ok: true };
    return { ok: false, error: firstError(result) };
  } catch (error) {
    return { ok: false, error };
  }
}

function keyLine(keys: ResolvedKey[], issuerId: string): Check {
  const unconfirmed = keys.find((k) => !k.confirmed);
  if (unconfirmed) {
    const params = { vm: unconfirmed.vmId, controller: unconfirmed.controller };
    const cause = unconfirmed.unconfirmedBecause;
    return { check: "key", status: "warn", message: { key: "verification.key.fragmentOnly", params, ...(cause ? { cause } : {}) } };
  }
  const k = keys[0]!;
  if (k.how === "did:key") return line("key", "pass", "verification.key.didKey", { vm: k.vmId });
  if (k.how === "did:web") return line("key", "pass", "verification.key.didWeb", { vm: k.vmId });
  return line("key", "pass", "verification.key.published", { vm: k.vmId, controller: k.controller, issuer: issuerId });
}

function issuerLine(keys: ResolvedKey[], issuerId: string): Check {
  if (!issuerId) return line("issuer", "fail", "verification.issuer.missing");
  const other = keys.find((k) => k.controller !== issuerId);
  if (!other) return line("issuer", "pass", "verification.issuer.controls", { issuer: issuerId });
  // A did:key proves integrity but not who signed: OB 3.0 samples sign for a urn:uuid issuer that way.
  if (other.how === "did:key") return line("issuer", "warn", "verification.issuer.didKey", { issuer: issuerId, controller: other.controller });
  return line("issuer", "fail", "verification.issuer.mismatch", { issuer: issuerId, controller: other.controller });
}

/** Checks a signed document's proofs: supported suite, key resolved, signature valid, key controlled by the issuer. */
export async function checkProofs(doc: Record<string, any>, source: DocumentSource, now: Date): Promise<ProofLines> {
  const issuerId = idOf(doc.issuer) ?? "";
  const proofs = asArray(doc.proof).map(asObject).filter((p): p is Record<string, any> => !!p);
  const skipped = (key: string) => ({ key: line("key", "skip", key), issuer: line("issuer", "skip", key) });
  if (proofs.length === 0) return { proof: line("proof", "fail", "verification.proof.none"), ...skipped("verification.key.noProof") };
  const supported = proofs.filter((p) => suiteOf(p));
  if (supported.length === 0) return { proof: line("proof", "fail", "verification.proof.unsupported", { types: describeProofs(proofs) }), ...skipped("verification.key.noProof") };
  const keys: ResolvedKey[] = [];
  for (const vmId of new Set(supported.map((p) => idOf(p.verificationMethod)))) {
    const resolved = await resolveKey(vmId, source);
    if (!resolved.ok) return { proof: line("proof", "skip", "verification.proof.noKey"), key: { check: "key", status: "fail", message: resolved.error }, issuer: line("issuer", "skip", "verification.key.noKey") };
    keys.push(resolved.value);
  }
  const result = await runLibrary({ ...doc, proof: supported }, keys, now);
  const suites = [...new Set(supported.map((p) => suiteOf(p)!))];
  const proof = !result.ok ? { check: "proof" as const, status: "fail" as const, message: proofFailure(result.error) }
    : suites.includes("eddsa-2022") ? line("proof", "warn", "verification.proof.legacy", { suite: suites.join(", ") })
      : line("proof", "pass", "verification.proof.valid", { suite: suites.join(", ") });
  return { proof, key: keyLine(keys, issuerId), issuer: issuerLine(keys, issuerId) };
}
