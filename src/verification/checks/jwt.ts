import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { compactVerify, importJWK, type JWK } from "jose";
import { asArray, asObject, fetchProblem, idOf, line, type Check, type DocumentSource, type Message } from "./check-types.ts";
import { didWebUrl } from "./keys.ts";

// VC-JWT as OB 3.0 allows it (ob3.md §1.11): JOSE header `alg` (RS256 at least), key in `jwk` or
// `kid`; payload = the credential (VC-JOSE-COSE) or `vc` plus iss/jti/nbf/exp/sub (VC 1.1 JWT).

const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "Ed25519"];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A decoded (not yet verified) compact JWS. */
export interface DecodedJws {
  jws: string;
  header: Record<string, any>;
  payload: Record<string, any>;
}

/** Decodes a compact JWS whose header and payload are JSON objects, or null. */
export function decodeJws(text: string): DecodedJws | null {
  const jws = text.trim();
  if (!COMPACT_JWS.test(jws)) return null;
  try {
    const [h = "", p = ""] = jws.split(".");
    const header = asObject(JSON.parse(Buffer.from(h, "base64url").toString("utf8")));
    const payload = asObject(JSON.parse(Buffer.from(p, "base64url").toString("utf8")));
    return header && payload ? { jws, header, payload } : null;
  } catch {
    return null;
  }
}

/** The credential a VC-JWT carries, with its registered claims folded back in (VC Data Model 1.1 §6.3.1). */
export function credentialOfJwt(payload: Record<string, any>): Record<string, any> | null {
  const vc = asObject(payload.vc);
  if (!vc) return payload["@context"] ? payload : null;
  const credential: Record<string, any> = { ...vc };
  if (!credential.issuer && payload.iss) credential.issuer = payload.iss;
  if (!credential.id && payload.jti) credential.id = payload.jti;
  if (!credential.issuanceDate && !credential.validFrom && typeof payload.nbf === "number") credential.issuanceDate = new Date(payload.nbf * 1000).toISOString();
  if (!credential.expirationDate && !credential.validUntil && typeof payload.exp === "number") credential.expirationDate = new Date(payload.exp * 1000).toISOString();
  const subject = asObject(credential.credentialSubject);
  if (subject && !subject.id && payload.sub) credential.credentialSubject = { ...subject, id: payload.sub };
  return credential;
}

interface JwtKey { jwk: JWK; controller: string | null; where: string }

// A JWK out of what a kid points at: a JWK, a JWK Set, a verification method or a controller/DID document.
function jwkIn(doc: Record<string, any>, kid: string): JwtKey | null {
  if (typeof doc.kty === "string") return { jwk: doc as JWK, controller: null, where: kid };
  const keys = asArray(doc.keys).map(asObject).filter((k): k is Record<string, any> => !!k);
  const fragment = kid.split("#")[1];
  const inSet = keys.find((k) => k.kid === kid || (fragment && k.kid === fragment)) ?? (keys.length === 1 ? keys[0] : undefined);
  if (inSet) return { jwk: inSet as JWK, controller: null, where: kid };
  const base = String(doc.id ?? kid.split("#")[0]);
  const vms = [doc, ...asArray(doc.verificationMethod).map(asObject)].filter((v): v is Record<string, any> => !!v);
  const vm = vms.find((v) => v.publicKeyJwk && (v.id === kid || base + String(v.id) === kid || v === doc));
  return vm ? { jwk: vm.publicKeyJwk as JWK, controller: typeof vm.controller === "string" ? vm.controller : (doc.id ?? null), where: kid } : null;
}

async function didKeyJwk(kid: string): Promise<JwtKey | null> {
  const did = kid.split("#")[0]!;
  try {
    const key = await Ed25519Multikey.from({ type: "Multikey", publicKeyMultibase: did.slice("did:key:".length) });
    const raw = await key.export({ publicKey: true, raw: true });
    return { jwk: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw.publicKey).toString("base64url") }, controller: did, where: kid };
  } catch {
    return null;
  }
}

async function findKey(header: Record<string, any>, source: DocumentSource): Promise<{ ok: true; key: JwtKey; embedded: boolean } | { ok: false; message: Message }> {
  if (asObject(header.jwk)) {
    if (header.jwk.d) return { ok: false, message: { key: "verification.jwt.privateKey" } };
    return { ok: true, key: { jwk: header.jwk as JWK, controller: null, where: "jwk" }, embedded: true };
  }
  const kid = typeof header.kid === "string" ? header.kid : "";
  if (!kid) return { ok: false, message: { key: "verification.jwt.noKey" } };
  if (kid.startsWith("did:key:")) {
    const key = await didKeyJwk(kid);
    return key ? { ok: true, key, embedded: false } : { ok: false, message: { key: "verification.key.unsupportedKey", params: { vm: kid } } };
  }
  const url = kid.startsWith("did:web:") ? didWebUrl(kid.split("#")[0]!) : kid.split("#")[0]!;
  if (!url) return { ok: false, message: { key: "verification.key.badDid", params: { vm: kid } } };
  const got = await source.json(url);
  if (!got.ok) return { ok: false, message: { key: "verification.key.unreachable", params: { vm: kid }, cause: fetchProblem(got.error) } };
  const doc = asObject(got.value.json);
  const key = doc ? jwkIn(doc, kid) : null;
  return key ? { ok: true, key, embedded: false } : { ok: false, message: { key: "verification.key.notKey", params: { vm: kid } } };
}

function issuerLine(credential: Record<string, any>, payload: Record<string, any>, key: JwtKey, embedded: boolean): Check {
  const issuerId = idOf(credential.issuer) ?? "";
  if (payload.iss && payload.iss !== issuerId) return line("issuer", "fail", "verification.jwt.issMismatch", { iss: String(payload.iss), issuer: issuerId });
  if (embedded) return line("issuer", "warn", "verification.issuer.unproven", { issuer: issuerId });
  if (key.controller) return key.controller === issuerId
    ? line("issuer", "pass", "verification.issuer.controls", { issuer: issuerId })
    : line("issuer", "fail", "verification.issuer.mismatch", { issuer: issuerId, controller: key.controller });
  // A bare JWK names no controller: a key published under the issuer's own URL is the issuer's.
  return key.where.startsWith(issuerId) && issuerId
    ? line("issuer", "pass", "verification.issuer.controls", { issuer: issuerId })
    : line("issuer", "warn", "verification.issuer.unproven", { issuer: issuerId });
}

/** Verifies a VC-JWT: algorithm, key (jwk, kid URL, did:key, did:web), signature, and iss = issuer. */
export async function checkJwtProof(decoded: DecodedJws, credential: Record<string, any>, source: DocumentSource): Promise<{ proof: Check; key: Check; issuer: Check }> {
  const alg = String(decoded.header.alg ?? "");
  const skip = { key: line("key", "skip", "verification.key.noProof"), issuer: line("issuer", "skip", "verification.key.noProof") };
  if (!ALGORITHMS.includes(alg)) return { proof: line("proof", "fail", "verification.jwt.badAlg", { alg: alg || "none" }), ...skip };
  const found = await findKey(decoded.header, source);
  if (!found.ok) {
    const noKey = found.message.key === "verification.jwt.noKey";
    return noKey ? { proof: { check: "proof", status: "fail", message: found.message }, ...skip }
      : { proof: line("proof", "skip", "verification.proof.noKey"), key: { check: "key", status: "fail", message: found.message }, issuer: line("issuer", "skip", "verification.key.noKey") };
  }
  let proof: Check;
  try {
    await compactVerify(decoded.jws, await importJWK(found.key.jwk, alg), { algorithms: [alg] });
    proof = line("proof", "pass", "verification.jwt.valid", { alg });
  } catch {
    proof = line("proof", "fail", "verification.proof.invalid");
  }
  const key = found.embedded ? line("key", "warn", "verification.jwt.embeddedKey") : line("key", "pass", "verification.jwt.kid", { vm: found.key.where });
  return { proof, key, issuer: issuerLine(credential, decoded.payload, found.key, found.embedded) };
}
