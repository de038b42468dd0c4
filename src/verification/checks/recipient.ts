import { createHash } from "node:crypto";
import { asArray, asObject, line, type Check } from "./check-types.ts";

/** One way a credential names its recipient: OB 3.0 IdentityObject or OB 2.0 recipient. */
interface Identity {
  value: string;
  hashed: boolean;
  salt: string;
}

/** What the verifier is asked about: an e-mail address, or a federation identifier (eppn). */
interface Asked {
  value: string;
  params: Record<string, string>;
  /** The identity types that name this kind of recipient. */
  types: RegExp;
  keys: { none: string; match: string; noMatch: string };
}

// The question is "was it issued to …?": an e-mail address, or "eppn:<identifier>" as in award
// lists (an eppn is written like an address, so the prefix tells them apart). An eppn is only
// compared with ext:eduPersonPrincipalName identities, an address only with e-mail ones.
function askedOf(raw: string): Asked {
  const eppn = /^eppn:/i.test(raw) ? raw.slice(5).trim() : null;
  if (eppn !== null) {
    return {
      value: eppn, params: { eppn }, types: /eduPersonPrincipalName/i,
      keys: { none: "verification.recipient.noEppn", match: "verification.recipient.eppnMatch", noMatch: "verification.recipient.eppnNoMatch" },
    };
  }
  return {
    value: raw, params: { email: raw }, types: /email/i,
    keys: { none: "verification.recipient.noEmail", match: "verification.recipient.match", noMatch: "verification.recipient.noMatch" },
  };
}

// OB 3.0 §B.1.12 / OB 2.0 IdentityObject: "<algorithm>$<hex of hash(identity + salt)>", sha256 or md5.
function matches(identity: Identity, candidate: string): boolean {
  if (!identity.hashed) return identity.value.trim().toLowerCase() === candidate.toLowerCase();
  const [algorithm = "", hex = ""] = identity.value.split("$");
  if (algorithm !== "sha256" && algorithm !== "md5") return false;
  return createHash(algorithm).update(candidate + identity.salt, "utf8").digest("hex") === hex.toLowerCase();
}

function identitiesOfType(credential: Record<string, any>, types: RegExp): Identity[] {
  const ob3 = asArray(asObject(credential.credentialSubject)?.identifier).map(asObject).flatMap((i) =>
    i && types.test(String(i.identityType)) && typeof i.identityHash === "string"
      ? [{ value: i.identityHash, hashed: i.hashed !== false, salt: String(i.salt ?? "") }] : []);
  const r = asObject(credential.recipient);
  const ob2 = r && types.test(String(r.type)) && typeof r.identity === "string"
    ? [{ value: r.identity, hashed: r.hashed === true || String(r.identity).includes("$"), salt: String(r.salt ?? "") }] : [];
  return [...ob3, ...ob2];
}

/** Answers "was this issued to this e-mail address (or `eppn:` identifier)?" by hashing it with each identity's salt. */
export function checkRecipient(credential: Record<string, any>, recipient: string | undefined): Check {
  const wanted = recipient?.trim();
  if (!wanted) return line("recipient", "skip", "verification.recipient.notAsked");
  const asked = askedOf(wanted);
  const identities = identitiesOfType(credential, asked.types);
  if (identities.length === 0) return line("recipient", "warn", asked.keys.none, asked.params);
  // Issuers hash the value as typed or lower-cased: try both.
  const candidates = [...new Set([asked.value, asked.value.toLowerCase()])];
  const found = identities.some((i) => candidates.some((c) => matches(i, c)));
  return line("recipient", found ? "pass" : "fail", found ? asked.keys.match : asked.keys.noMatch, asked.params);
}
