import { readFileSync } from "node:fs";
import { SignedXml } from "xml-crypto";
import { err, ok, type Result } from "../shared/result.ts";
import { children, displayName, NS, parseXml, readIdps, type IdpDescriptor } from "./saml-metadata.ts";

export type FederationError =
  | { kind: "unreadable"; detail: string }
  | { kind: "not-metadata" }
  | { kind: "unsigned" }
  | { kind: "bad-signature"; detail: string }
  | { kind: "expired"; validUntil: string };

/** One institution of the discovery page. */
export interface Institution {
  entityId: string;
  name: string;
}

// The signature must be enveloped in the root and cover the root alone (URI "" or "#<root ID>"),
// and only the bytes it covers are read afterwards: the defences node-saml's getVerifiedXml uses
// against signature wrapping, applied to an aggregate.
function verifiedContent(xml: string, root: ReturnType<typeof parseXml>, certPem: string): Result<string, FederationError> {
  const signatures = children(root, NS.ds, "Signature");
  if (signatures.length === 0) return err({ kind: "unsigned" });
  if (signatures.length > 1) return err({ kind: "bad-signature", detail: "several signatures on the root" });
  const sig = new SignedXml({ publicCert: certPem });
  sig.loadSignature(signatures[0]!.toString());
  const refs = sig.getReferences();
  const rootId = root.getAttribute("ID");
  const uri = refs[0]?.uri ?? "";
  if (refs.length !== 1 || !(uri === "" || (rootId && uri === `#${rootId}`))) return err({ kind: "bad-signature", detail: "the signature does not cover the whole aggregate" });
  if (rootId && root.ownerDocument!.getElementsByTagName("*").filter((e) => e.getAttribute("ID") === rootId).length !== 1)
    return err({ kind: "bad-signature", detail: "duplicate ID" });
  try {
    if (!sig.checkSignature(xml)) return err({ kind: "bad-signature", detail: "signature value does not verify" });
  } catch (e) {
    return err({ kind: "bad-signature", detail: (e as Error).message });
  }
  const signed = sig.getSignedReferences();
  return signed.length === 1 ? ok(signed[0]!) : err({ kind: "bad-signature", detail: "unexpected signed references" });
}

/** The IdPs of a federation aggregate (eduGAIN, Renater) whose signature verifies with the federation certificate. */
export function verifyFederationMetadata(xml: string, certPem: string, now: Date): Result<IdpDescriptor[], FederationError> {
  let root;
  try {
    root = parseXml(xml.replace(/\r\n?/g, "\n"));
  } catch (e) {
    return err({ kind: "unreadable", detail: (e as Error).message });
  }
  if (root.namespaceURI !== NS.md || !["EntitiesDescriptor", "EntityDescriptor"].includes(root.localName!)) return err({ kind: "not-metadata" });
  const content = verifiedContent(xml.replace(/\r\n?/g, "\n"), root, certPem);
  if (!content.ok) return content;
  const signedRoot = parseXml(content.value);
  const validUntil = signedRoot.getAttribute("validUntil");
  if (validUntil && Date.parse(validUntil) <= now.getTime()) return err({ kind: "expired", validUntil });
  // Federation IdPs are held to the scopes their metadata declares (see attribute-mapping.ts).
  return ok(readIdps(signedRoot, false));
}

/** Reads and verifies the federation files of the config. */
export function loadFederation(metadataPath: string, certPath: string, now: Date): Result<IdpDescriptor[], FederationError> {
  let xml: string, cert: string;
  try {
    xml = readFileSync(metadataPath, "utf8");
    cert = readFileSync(certPath, "utf8");
  } catch (e) {
    return err({ kind: "unreadable", detail: (e as Error).message });
  }
  return verifyFederationMetadata(xml, cert, now);
}

/** A federation error as one log line. */
export function describeFederationError(e: FederationError): string {
  switch (e.kind) {
    case "unreadable": return `cannot be read: ${e.detail}`;
    case "not-metadata": return "is not SAML metadata (EntitiesDescriptor expected)";
    case "unsigned": return "is not signed: an aggregate must carry the federation's signature";
    case "bad-signature": return `has an invalid signature (${e.detail}): check federationCertPath`;
    case "expired": return `expired on ${e.validUntil}: download a fresh copy`;
  }
}

/** Institutions matching a search (name or entityID), sorted by name. */
export function searchInstitutions(idps: readonly IdpDescriptor[], locale: string, query: string, limit = 50): Institution[] {
  const q = query.trim().toLowerCase();
  return idps.map((idp) => ({ entityId: idp.entityId, name: displayName(idp, locale) }))
    .filter((i) => !q || i.name.toLowerCase().includes(q) || i.entityId.toLowerCase().includes(q))
    .sort((a, b) => a.name.localeCompare(b.name, locale))
    .slice(0, limit);
}
