import { OB_V2 } from "../credentials/contexts.ts";
import type { NodeUrls } from "../credentials/urls.ts";

// OB 2.0 hosted objects for Moodle and older backpacks (ob3.md §3.1): the Assertion lives at its
// `id`, the recipient is hashed with the credential's own salt (the same "sha256$" + hex of
// identifier ‖ salt as the OB 3.0 identityHash, so both editions name the same person), and
// revocation answers 410 Gone.

/** The facts of an issued credential that its OB 2.0 edition needs. */
export interface Ob2AssertionInput {
  id: string;
  achievementId: string;
  recipientType: string; // OB 3.0 identityType
  identityHash: string; // "sha256$…"
  salt: string;
  issuedOn: string;
  expires: string | null;
  /** The signed OB 3.0 credential (evidence and narrative come from it, as issued). */
  credential: Record<string, any>;
}

// OB 2.0 Profile identifier properties: email, url, telephone; other OB 3.0 identity types keep
// their name (an extension IRI, as OB 2.0 allows any property IRI of the context).
const IDENTITY_TYPES: Record<string, string> = { emailAddress: "email", url: "url", phone: "telephone" };

// OB 2.0 dates: ISO 8601 with a zone, seconds precision as in the OB 3.0 document.
const dateTime = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");

function evidenceOf(credential: Record<string, any>): Array<Record<string, string>> {
  const list: Array<Record<string, any>> = Array.isArray(credential.evidence) ? credential.evidence : [];
  return list.map((e) => Object.fromEntries(["id", "name", "narrative", "description"].filter((k) => typeof e[k] === "string").map((k) => [k, e[k]])))
    .filter((e) => Object.keys(e).length > 0);
}

/** The hosted OB 2.0 Assertion of a credential (`verification.type: hosted`). */
export function buildOb2Assertion(urls: NodeUrls, a: Ob2AssertionInput): Record<string, unknown> {
  const evidence = evidenceOf(a.credential);
  const narrative = a.credential.credentialSubject?.narrative;
  return {
    "@context": OB_V2,
    type: "Assertion",
    id: urls.ob2Assertion(a.id),
    recipient: { type: IDENTITY_TYPES[a.recipientType] ?? a.recipientType, hashed: true, salt: a.salt, identity: a.identityHash },
    badge: urls.ob2BadgeClass(a.achievementId),
    verification: { type: "hosted" },
    issuedOn: dateTime(a.issuedOn),
    ...(a.expires ? { expires: dateTime(a.expires) } : {}),
    image: urls.ob2BakedImage(a.id),
    ...(evidence.length ? { evidence } : {}),
    ...(typeof narrative === "string" && narrative ? { narrative } : {}),
  };
}

/** What a revoked hosted Assertion answers, with HTTP 410 (OB 2.0: `id` and `revoked` only, and a reason). */
export function buildOb2Gone(urls: NodeUrls, id: string, reason: string | null): Record<string, unknown> {
  return { "@context": OB_V2, type: "Assertion", id: urls.ob2Assertion(id), revoked: true, ...(reason ? { revocationReason: reason } : {}) };
}

/** The issuer's OB 2.0 RevocationList: every withdrawn Assertion, with its reason. */
export function buildOb2RevocationList(urls: NodeUrls, slug: string, revoked: Array<{ id: string; reason: string | null }>): Record<string, unknown> {
  return {
    "@context": OB_V2,
    type: "RevocationList",
    id: urls.ob2RevocationList(slug),
    issuer: urls.ob2Issuer(slug),
    revokedAssertions: revoked.map((r) => ({ id: urls.ob2Assertion(r.id), ...(r.reason ? { revocationReason: r.reason } : {}) })),
  };
}
