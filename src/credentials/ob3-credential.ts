import { createHash } from "node:crypto";
import { OB_V3, OB_V3_EXTENSIONS, VC_V2 } from "./contexts.ts";
import { buildProfile, type ProfileFacts } from "./ob3-achievement.ts";
import type { NodeUrls } from "./urls.ts";

// OB 3.0 §1.5: identityHash = "sha256$" + hex(sha256(identifier ‖ salt)), UTF-8.
/** Hashes a recipient identifier with its salt, as OB 3.0 IdentityObjects carry it. */
export function identityHash(identifier: string, salt: string): string {
  return "sha256$" + createHash("sha256").update(identifier + salt, "utf8").digest("hex");
}

export const ACHIEVEMENT_CREDENTIAL_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

export interface CredentialInput {
  id: string;
  issuer: ProfileFacts;
  /** The OB 3.0 Achievement as published (embedded copy, authoritative "as issued"). */
  achievement: Record<string, unknown>;
  recipient: { identityType: string; identityHash: string; salt: string };
  validFrom: string;
  validUntil?: string | null;
  awardedDate: string;
  statusIndex: number;
  result?: { resultDescription?: string; achievedLevel?: string; value?: string } | null;
  evidence?: { id?: string | null; narrative?: string | null; name?: string | null } | null;
  narrative?: string | null;
  endorsements?: object[];
  /** Partners' EndorsementCredentials of the template, as received (signed by their endorsers): `achievement.endorsement`. */
  achievementEndorsements?: object[];
}

// Dates as DateTimeZ without milliseconds, as every sample does.
function dateTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, "Z");
}

/** The unsigned OpenBadgeCredential (ob3.md §1.12: VC 2.0 + OB 3.0.3 + extensions, arrays everywhere). */
export function buildOpenBadgeCredential(urls: NodeUrls, c: CredentialInput): Record<string, unknown> {
  const achievement = c.achievementEndorsements?.length ? { ...c.achievement, endorsement: c.achievementEndorsements } : c.achievement;
  const name = String(achievement.name);
  const image = achievement.image as { id: string } | undefined;
  const subject: Record<string, unknown> = {
    type: ["AchievementSubject"],
    identifier: [{ type: "IdentityObject", identityHash: c.recipient.identityHash, identityType: c.recipient.identityType, hashed: true, salt: c.recipient.salt }],
    achievement,
  };
  if (c.narrative) subject.narrative = c.narrative;
  if (c.result) subject.result = [{ type: ["Result"], ...c.result }];
  const evidence = c.evidence && (c.evidence.id || c.evidence.narrative)
    ? [{ type: ["Evidence"], ...(c.evidence.id ? { id: c.evidence.id } : {}), ...(c.evidence.name ? { name: c.evidence.name } : {}), ...(c.evidence.narrative ? { narrative: c.evidence.narrative } : {}) }]
    : undefined;
  const slug = c.issuer.slug;
  return {
    "@context": [VC_V2, OB_V3, OB_V3_EXTENSIONS],
    id: urls.credential(c.id),
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    name,
    ...(achievement.description ? { description: String(achievement.description) } : {}),
    ...(image ? { image: { id: image.id, type: "Image", caption: name } } : {}),
    issuer: buildProfile(urls, c.issuer),
    validFrom: dateTime(c.validFrom),
    ...(c.validUntil ? { validUntil: dateTime(c.validUntil) } : {}),
    awardedDate: dateTime(c.awardedDate),
    credentialSubject: subject,
    ...(evidence ? { evidence } : {}),
    ...(c.endorsements?.length ? { endorsement: c.endorsements } : {}),
    credentialSchema: [{ id: ACHIEVEMENT_CREDENTIAL_SCHEMA, type: "1EdTechJsonSchemaValidator2019" }],
    credentialStatus: {
      id: `${urls.statusList(slug, "revocation")}#${c.statusIndex}`,
      type: "BitstringStatusListEntry",
      statusPurpose: "revocation",
      statusListIndex: String(c.statusIndex),
      statusListCredential: urls.statusList(slug, "revocation"),
    },
  };
}
