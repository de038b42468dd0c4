import { DOMParser, type Element } from "@xmldom/xmldom";
import type { Scopes } from "./attribute-mapping.ts";

export const NS = {
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  mdui: "urn:oasis:names:tc:SAML:metadata:ui",
  shibmd: "urn:mace:shibboleth:metadata:1.0",
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
} as const;

const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/** An identity provider as its metadata describes it: what the SP needs to send a request and check the answer. */
export interface IdpDescriptor {
  entityId: string;
  ssoUrl: string;
  /** PEM certificates the IdP signs with (several during a key rollover). */
  signingCerts: string[];
  /** shibmd:Scope values; null when the metadata declares none and the operator trusts the IdP as a whole. */
  scopes: Scopes;
  /** Display names by language ("fr", "en", "" when unmarked). */
  names: Record<string, string>;
}

/** Parses XML, throwing a short message on malformed input. */
export function parseXml(xml: string): Element {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => { if (level !== "warning") errors.push(msg); } }).parseFromString(xml, "text/xml");
  if (errors.length || !doc.documentElement) throw new Error(`not well-formed XML (${errors[0] ?? "no root element"})`);
  return doc.documentElement;
}

/** Direct children of an element in a namespace with a local name. */
export function children(el: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

const descendants = (el: Element, ns: string, name: string) => Array.from(el.getElementsByTagNameNS(ns, name));

/** A base64 certificate from metadata as PEM. */
export function toPem(base64: string): string {
  const body = base64.replace(/\s+/g, "");
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
}

function signingCerts(sso: Element): string[] {
  return children(sso, NS.md, "KeyDescriptor")
    .filter((kd) => { const use = kd.getAttribute("use"); return !use || use === "signing"; })
    .flatMap((kd) => descendants(kd, NS.ds, "X509Certificate"))
    .map((c) => (c.textContent ?? "").trim()).filter(Boolean).map(toPem);
}

function scopesOf(entity: Element, sso: Element): Array<string | RegExp> {
  const ext = [...children(sso, NS.md, "Extensions"), ...children(entity, NS.md, "Extensions")];
  return ext.flatMap((e) => children(e, NS.shibmd, "Scope")).map((s) => {
    const value = (s.textContent ?? "").trim();
    // shibmd: regexp="true" scopes are regular expressions matched against the whole scope.
    return s.getAttribute("regexp") === "true" ? new RegExp(`^(?:${value})$`, "i") : value.toLowerCase();
  }).filter((s) => s !== "");
}

function namesOf(entity: Element, sso: Element): Record<string, string> {
  const names: Record<string, string> = {};
  const put = (list: Element[]) => list.forEach((n) => { const lang = n.getAttribute("xml:lang") ?? ""; names[lang] ??= (n.textContent ?? "").trim(); });
  for (const ext of children(sso, NS.md, "Extensions")) for (const ui of children(ext, NS.mdui, "UIInfo")) put(children(ui, NS.mdui, "DisplayName"));
  for (const org of children(entity, NS.md, "Organization")) put(children(org, NS.md, "OrganizationDisplayName"));
  return names;
}

/** The IdP an EntityDescriptor describes, or null when it is no SAML 2.0 IdP with a redirect endpoint. */
export function readIdp(entity: Element, trustAllScopes: boolean): IdpDescriptor | null {
  const entityId = entity.getAttribute("entityID");
  const sso = children(entity, NS.md, "IDPSSODescriptor").find((d) => (d.getAttribute("protocolSupportEnumeration") ?? "").includes(NS.samlp));
  if (!entityId || !sso) return null;
  const ssoUrl = children(sso, NS.md, "SingleSignOnService").find((s) => s.getAttribute("Binding") === REDIRECT)?.getAttribute("Location");
  const certs = signingCerts(sso);
  if (!ssoUrl || certs.length === 0) return null;
  const scopes = scopesOf(entity, sso);
  return { entityId, ssoUrl, signingCerts: certs, scopes: scopes.length === 0 && trustAllScopes ? null : scopes, names: namesOf(entity, sso) };
}

/** Every IdP in a metadata document (one EntityDescriptor or a nested EntitiesDescriptor aggregate). */
export function readIdps(root: Element, trustAllScopes: boolean): IdpDescriptor[] {
  const entities = root.localName === "EntityDescriptor" ? [root] : descendants(root, NS.md, "EntityDescriptor");
  return entities.map((e) => readIdp(e, trustAllScopes)).filter((x): x is IdpDescriptor => x !== null);
}

/** The IdP of a metadata file the operator configured (scopes are trusted when none are declared). */
export function parseIdpMetadata(xml: string): IdpDescriptor {
  const root = parseXml(xml);
  if (root.namespaceURI !== NS.md) throw new Error("not SAML metadata (root element outside the metadata namespace)");
  const idps = readIdps(root, true);
  if (idps.length !== 1) throw new Error(idps.length ? "several IdPs in one metadata file (use federationMetadataPath)" : "no SAML 2.0 IdP with an HTTP-Redirect SingleSignOnService and a signing certificate");
  return idps[0]!;
}

/** The best display name for a language. */
export function displayName(idp: IdpDescriptor, locale: string): string {
  return idp.names[locale] ?? idp.names["en"] ?? idp.names[""] ?? Object.values(idp.names)[0] ?? idp.entityId;
}
