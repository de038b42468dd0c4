import { createHash } from "node:crypto";
import { asArray, asObject, line, type Check } from "./check-types.ts";

/** One way a credential names its recipient: OB 3.0 IdentityObject or OB 2.0 recipient. */
interface Identity {
  type: string;
  value: string;
  hashed: boolean;
  salt: string;
}

// OB 3.0 §B.1.12 / OB 2.0 IdentityObject: "<algorithm>$<hex of hash(identity + salt)>", sha256 or md5.
function matches(identity: Identity, candidate: string): boolean {
  if (!identity.hashed) return identity.value.trim().toLowerCase() === candidate.toLowerCase();
  const [algorithm = "", hex = ""] = identity.value.split("$");
  if (algorithm !== "sha256" && algorithm !== "md5") return false;
  return createHash(algorithm).update(candidate + identity.salt, "utf8").digest("hex") === hex.toLowerCase();
}

function emailIdentities(credential: Record<string, any>): Identity[] {
  const ob3 = asArray(asObject(credential.credentialSubject)?.identifier).map(asObject).flatMap((i) =>
    i && /email/i.test(String(i.identityType)) && typeof i.identityHash === "string"
      ? [{ type: "email", value: i.identityHash, hashed: i.hashed !== false, salt: String(i.salt ?? "") }] : []);
  const r = asObject(credential.recipient);
  const ob2 = r && /email/i.test(String(r.type)) && typeof r.identity === "string"
    ? [{ type: "email", value: r.identity, hashed: r.hashed === true || String(r.identity).includes("$"), salt: String(r.salt ?? "") }] : [];
  return [...ob3, ...ob2];
}

/** Answers "was this issued to this e-mail address?" by hashing it with each identity's salt. */
export function checkRecipient(credential: Record<string, any>, email: string | undefined): Check {
  const wanted = email?.trim();
  if (!wanted) return line("recipient", "skip", "verification.recipient.notAsked");
  const identities = emailIdentities(credential);
  if (identities.length === 0) return line("recipient", "warn", "verification.recipient.noEmail", { email: wanted });
  // Issuers hash the address as typed or lower-cased: try both.
  const candidates = [...new Set([wanted, wanted.toLowerCase()])];
  const found = identities.some((i) => candidates.some((c) => matches(i, c)));
  return found
    ? line("recipient", "pass", "verification.recipient.match", { email: wanted })
    : line("recipient", "fail", "verification.recipient.noMatch", { email: wanted });
}
