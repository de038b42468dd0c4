// A CSV/API recipient is an e-mail address, or a federation identifier written "eppn:<value>"
// (or given in its own `eppn` column / field): an eppn looks exactly like an e-mail address
// (alice@univ-amu.fr), so only the prefix or the column tells them apart. The credential then
// carries a hashed IdentityObject of that type: OB 3.0 IdentifierTypeEnum is an extensible enum,
// "emailAddress" or an "ext:" type (schema pattern `(ext:)[a-zA-Z0-9.-_]+`).

export type RecipientType = "emailAddress" | "ext:eduPersonPrincipalName";

/** The identity type of a federation identifier (eduPersonPrincipalName). */
export const EPPN_TYPE = "ext:eduPersonPrincipalName" satisfies RecipientType;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// eduPerson: "user@scope", the scope being the institution's DNS domain (univ-exemple.fr).
const EPPN = /^[^\s@:]{1,200}@(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A normalised eppn (lower case), or null when it is not user@domain. */
export function eppnOf(value: string): string | null {
  const eppn = value.trim().toLowerCase();
  return EPPN.test(eppn) ? eppn : null;
}

/** The identity type and normalised value of a recipient cell, or null when it is neither form. */
export function recipientTypeFor(value: string): { type: RecipientType; identity: string } | null {
  const v = value.trim();
  if (/^eppn:/i.test(v)) {
    const eppn = eppnOf(v.slice(5));
    return eppn ? { type: EPPN_TYPE, identity: eppn } : null;
  }
  return EMAIL.test(v) ? { type: "emailAddress", identity: v.toLowerCase() } : null;
}

/** A recipient as credentials store it: the identity type and its normalised value. */
export interface TypedRecipient {
  type: string;
  value: string;
}

// An eppn and an e-mail address may be the same string (jdupont@univ.fr) yet name different
// identities, held by different proofs (an SSO login, a confirmed mailbox): recipients are
// compared on type and value together, never on the value alone.
/** A key naming a recipient by type and value (for sets and maps). */
export function recipientKey(r: TypedRecipient): string {
  return `${r.type} ${r.value}`;
}

/** Recipients grouped by type (one query per type), each list without repeats. */
export function recipientsByType(recipients: TypedRecipient[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const r of recipients) out.set(r.type, (out.get(r.type) ?? new Set()).add(r.value));
  return new Map([...out].map(([type, values]) => [type, [...values]]));
}
