import type { AttributeMapConfig } from "../config/sso.schema.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** What a login through an identity provider tells us about a person, once mapped. */
export interface FederatedProfile {
  /** "saml:<IdP entityID>" or "oidc:<provider id>". */
  provider: string;
  subject: string;
  subjectType: "eppn" | "subject-id" | "pairwise-id" | "sub";
  eppn: string | null;
  email: string | null;
  /** True only when the provider vouches for the address (SAML mail from the IdP; OIDC email_verified). */
  emailVerified: boolean;
  displayName: string | null;
  /** Unscoped affiliations ("staff", "student"), from eduPersonAffiliation and the scoped values. */
  affiliations: string[];
  /** Scoped affiliations as sent ("staff@univ-amu.fr"). */
  scopedAffiliations: string[];
  homeOrganization: string | null;
}

export type AttributeMap = Required<AttributeMapConfig>;

// SAML attribute names: the urn:oid form (eduGAIN, Renater's attribute profile) then the short
// form some IdPs send with the "basic" name format. OIDs from eduPerson 202208 and SCHAC 1.6.
export const SAML_DEFAULT_MAP: AttributeMap = {
  eppn: ["urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName"],
  subjectId: ["urn:oasis:names:tc:SAML:attribute:subject-id", "subject-id"],
  pairwiseId: ["urn:oasis:names:tc:SAML:attribute:pairwise-id", "pairwise-id"],
  email: ["urn:oid:0.9.2342.19200300.100.1.3", "mail", "email"],
  emailVerified: ["email_verified"],
  displayName: ["urn:oid:2.16.840.1.113730.3.1.241", "displayName"],
  givenName: ["urn:oid:2.5.4.42", "givenName"],
  surname: ["urn:oid:2.5.4.4", "sn", "surname"],
  affiliation: ["urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "eduPersonAffiliation"],
  scopedAffiliation: ["urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "eduPersonScopedAffiliation"],
  homeOrganization: ["urn:oid:1.3.6.1.4.1.25178.1.2.9", "schacHomeOrganization"],
};

// OpenID Connect claims: OIDC Core §5.1, and REFEDS "OIDCre" names for the eduPerson claims.
export const OIDC_DEFAULT_MAP: AttributeMap = {
  eppn: ["eduperson_principal_name"],
  subjectId: ["subject_id"],
  pairwiseId: ["pairwise_id"],
  email: ["email"],
  emailVerified: ["email_verified"],
  displayName: ["name"],
  givenName: ["given_name"],
  surname: ["family_name"],
  affiliation: ["eduperson_affiliation"],
  scopedAffiliation: ["eduperson_scoped_affiliation"],
  homeOrganization: ["schac_home_organization"],
};

/** The default map with the configured fields replacing the default lists. */
export function mergeMap(base: AttributeMap, overrides: AttributeMapConfig | undefined): AttributeMap {
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides ?? {})) if (v) out[k as keyof AttributeMap] = v;
  return out;
}

/** Every string value of the first listed attribute that has one. */
function valuesOf(raw: Record<string, unknown>, names: readonly string[]): string[] {
  for (const name of names) {
    const v = raw[name];
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string | boolean => typeof x === "string" || typeof x === "boolean")
      .map((x) => String(x).trim()).filter((x) => x !== "");
    if (list.length) return list;
  }
  return [];
}

/** A scope filter: null trusts every value (an IdP the operator configured), a list keeps matching scopes only. */
export type Scopes = ReadonlyArray<string | RegExp> | null;

function inScope(scope: string, scopes: Scopes): boolean {
  if (scopes === null) return true;
  const s = scope.toLowerCase();
  return scopes.some((x) => (typeof x === "string" ? x.toLowerCase() === s : x.test(s)));
}

// eduPerson: eppn, subject-id, pairwise-id and scoped affiliations are "value@scope"; a federation
// IdP may only assert scopes its metadata declares (shibmd:Scope), or it could speak for another school.
function scoped(value: string | undefined, scopes: Scopes): string | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) return scopes === null ? value : undefined;
  return inScope(value.slice(at + 1), scopes) ? value : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// A federation IdP vouches only for addresses of its own domains (a scope or a subdomain of one):
// otherwise it could claim anyone's address and be linked to their account.
function emailInScope(email: string, scopes: Scopes): boolean {
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const parts = domain.split(".");
  return parts.some((_, i) => inScope(parts.slice(i).join("."), scopes));
}

/** Maps raw SAML attributes or OIDC claims into a profile; the persistent identifier is required. */
export function mapProfile(
  raw: Record<string, unknown>,
  o: { provider: string; map: AttributeMap; scopes: Scopes; oidcSubject?: string; emailTrusted: boolean },
): Result<FederatedProfile, "missing-identifier"> {
  const first = (names: readonly string[]) => valuesOf(raw, names)[0];
  const eppn = scoped(first(o.map.eppn), o.scopes)?.toLowerCase();
  const subjectId = scoped(first(o.map.subjectId), o.scopes);
  const pairwiseId = scoped(first(o.map.pairwiseId), o.scopes);
  const id: [FederatedProfile["subjectType"], string] | undefined =
    o.oidcSubject ? ["sub", o.oidcSubject] : eppn ? ["eppn", eppn] : subjectId ? ["subject-id", subjectId] : pairwiseId ? ["pairwise-id", pairwiseId] : undefined;
  if (!id) return err("missing-identifier");
  const email = first(o.map.email)?.toLowerCase();
  const verifiedClaim = valuesOf(raw, o.map.emailVerified)[0];
  const scopedAffiliations = valuesOf(raw, o.map.scopedAffiliation).map((v) => scoped(v, o.scopes)).filter((v): v is string => !!v && v.includes("@")).map((v) => v.toLowerCase());
  const affiliations = new Set([...valuesOf(raw, o.map.affiliation), ...scopedAffiliations.map((v) => v.split("@")[0]!)].map((v) => v.toLowerCase()));
  const home = first(o.map.homeOrganization)?.toLowerCase();
  const named = [first(o.map.givenName), first(o.map.surname)].filter(Boolean).join(" ");
  return ok({
    provider: o.provider, subjectType: id[0], subject: id[1], eppn: eppn ?? null,
    email: email && EMAIL.test(email) ? email : null,
    emailVerified: !!email && (o.emailTrusted || verifiedClaim === "true") && emailInScope(email, o.scopes),
    displayName: first(o.map.displayName) ?? (named || null),
    affiliations: [...affiliations], scopedAffiliations,
    homeOrganization: home && inScope(home, o.scopes) ? home : null,
  });
}

/** True when a role rule applies: the affiliation, within the home organisation when the rule names one. */
export function ruleMatches(profile: FederatedProfile, rule: { affiliation: string; homeOrganization?: string | undefined }): boolean {
  const aff = rule.affiliation.toLowerCase();
  if (!rule.homeOrganization) return profile.affiliations.includes(aff);
  const home = rule.homeOrganization.toLowerCase();
  return profile.scopedAffiliations.includes(`${aff}@${home}`) || (profile.affiliations.includes(aff) && profile.homeOrganization === home);
}
