import { createHash } from "node:crypto";
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider } from "@node-saml/node-saml";
import { err, ok, type Result } from "../shared/result.ts";
import { children, parseXml, type IdpDescriptor } from "./saml-metadata.ts";

/** Our side of SAML: entity ID, assertion consumer URL, and the key pair IdPs encrypt to and that signs our requests. */
export interface SpSettings {
  entityId: string;
  acsUrl: string;
  privateKey: string;
  cert: string;
  requireEncryption: boolean;
}

/** Where the AuthnRequests we send are remembered (InResponseTo must name one of them). */
export interface RequestStore {
  save(id: string, createdAt: string): Promise<void>;
  /** The request's creation time while it may still be answered, else null. */
  openSince(id: string): Promise<string | null>;
}

export type SamlFailure =
  | "unsolicited" // InResponseTo missing, unknown, expired or already answered (replay)
  | "bad-signature"
  | "expired"
  | "wrong-audience"
  | "unknown-idp"
  | "not-encrypted"
  | "idp-refused" // the IdP answered with an error status (cancelled, authentication failed)
  | "invalid-response";

const REQUEST_TTL_MS = 15 * 60_000;

// node-saml throws plain Errors; their messages (lib/saml.js, 5.1.0) tell the reasons apart.
function classify(e: unknown): SamlFailure {
  if (e instanceof SamlStatusError) return "idp-refused";
  const m = (e as Error).message ?? "";
  if (/InResponseTo/i.test(m)) return "unsolicited";
  if (/signature/i.test(m)) return "bad-signature";
  // A SubjectConfirmation is only ever discarded for its timestamps (NotBefore / NotOnOrAfter).
  if (/expired|not yet valid|no valid subject confirmation/i.test(m)) return "expired";
  if (/audience/i.test(m)) return "wrong-audience";
  return "invalid-response";
}

function samlFor(sp: SpSettings, idp: IdpDescriptor, store: RequestStore): SAML {
  const cacheProvider: CacheProvider = {
    saveAsync: async (key, value) => { await store.save(key, value); return { value, createdAt: Date.parse(value) }; },
    getAsync: (key) => store.openSince(key),
    // The service marks the request answered itself, atomically, once the login is accepted.
    removeAsync: async () => null,
  };
  return new SAML({
    entryPoint: idp.ssoUrl, issuer: sp.entityId, callbackUrl: sp.acsUrl, audience: sp.entityId,
    idpCert: idp.signingCerts, idpIssuer: idp.entityId,
    wantAssertionsSigned: true, wantAuthnResponseSigned: false, // v5 defaults to true; many IdPs sign the assertion only
    validateInResponseTo: ValidateInResponseTo.always, requestIdExpirationPeriodMs: REQUEST_TTL_MS, cacheProvider,
    identifierFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    decryptionPvk: sp.privateKey, privateKey: sp.privateKey, signatureAlgorithm: "sha256",
    disableRequestedAuthnContext: true, acceptedClockSkewMs: 30_000,
  });
}

/** The IdP URL (HTTP-Redirect binding) carrying a new signed AuthnRequest; the request is stored first. */
export function authorizeUrl(sp: SpSettings, idp: IdpDescriptor, store: RequestStore): Promise<string> {
  return samlFor(sp, idp, store).getAuthorizeUrlAsync("", undefined, {});
}

/** InResponseTo and Issuer of a response, read without trusting them: only to find the request (and IdP) it answers. */
export function peekResponse(samlResponse: string): { inResponseTo: string | null; issuer: string | null } {
  try {
    const root = parseXml(Buffer.from(samlResponse, "base64").toString("utf8"));
    if (root.localName !== "Response") return { inResponseTo: null, issuer: null };
    const issuer = children(root, "urn:oasis:names:tc:SAML:2.0:assertion", "Issuer")[0]?.textContent?.trim() || null;
    return { inResponseTo: root.getAttribute("InResponseTo") || null, issuer };
  } catch {
    return { inResponseTo: null, issuer: null };
  }
}

function hasEncryptedAssertion(samlResponse: string): boolean {
  const root = parseXml(Buffer.from(samlResponse, "base64").toString("utf8"));
  return children(root, "urn:oasis:names:tc:SAML:2.0:assertion", "EncryptedAssertion").length === 1;
}

/** Checks a POSTed SAMLResponse from this IdP; returns its attributes. */
export async function validateResponse(sp: SpSettings, idp: IdpDescriptor, store: RequestStore, samlResponse: string):
  Promise<Result<{ attributes: Record<string, unknown>; inResponseTo: string }, { kind: SamlFailure; detail: string }>> {
  try {
    if (sp.requireEncryption && !hasEncryptedAssertion(samlResponse)) return err({ kind: "not-encrypted", detail: "plain assertion refused (requireEncryption)" });
    const { profile } = await samlFor(sp, idp, store).validatePostResponseAsync({ SAMLResponse: samlResponse });
    if (!profile) return err({ kind: "invalid-response", detail: "no assertion" });
    if (profile.issuer !== idp.entityId) return err({ kind: "unknown-idp", detail: `assertion issued by ${profile.issuer}, expected ${idp.entityId}` });
    const inResponseTo = String(profile["inResponseTo"] ?? "");
    return ok({ attributes: (profile["attributes"] as Record<string, unknown> | undefined) ?? {}, inResponseTo });
  } catch (e) {
    return err({ kind: classify(e), detail: (e as Error).message });
  }
}

/** Our SP metadata (what an institution or Renater registers); stable for a given key and URL. */
export function spMetadata(sp: SpSettings): string {
  const id = "_" + createHash("sha256").update(sp.entityId + sp.cert).digest("hex").slice(0, 40);
  const saml = new SAML({
    issuer: sp.entityId, callbackUrl: sp.acsUrl, idpCert: sp.cert, wantAssertionsSigned: true,
    identifierFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient", generateUniqueId: () => id,
    privateKey: sp.privateKey, signatureAlgorithm: "sha256", decryptionPvk: sp.privateKey,
  });
  return saml.generateServiceProviderMetadata(sp.cert, sp.cert);
}

