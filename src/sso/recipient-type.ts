// A CSV/API recipient is an e-mail address, or a federation identifier written "eppn:<value>":
// an eppn looks exactly like an e-mail address (alice@univ-amu.fr), so only the prefix tells them
// apart. The credential then carries a hashed IdentityObject of that type (OB 3.0 §B.1.5
// identityType: "emailAddress", or an "ext:" type for anything else).

export type RecipientType = "emailAddress" | "ext:eduPersonPrincipalName";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EPPN = /^[^\s@]+@[^\s@]+$/; // eduPerson: user@scope, the scope a DNS domain (no dot required by the spec)

/** The identity type and normalised value of a recipient cell, or null when it is neither form. */
export function recipientTypeFor(value: string): { type: RecipientType; identity: string } | null {
  const v = value.trim();
  if (/^eppn:/i.test(v)) {
    const eppn = v.slice(5).trim().toLowerCase();
    return EPPN.test(eppn) ? { type: "ext:eduPersonPrincipalName", identity: eppn } : null;
  }
  return EMAIL.test(v) ? { type: "emailAddress", identity: v.toLowerCase() } : null;
}
