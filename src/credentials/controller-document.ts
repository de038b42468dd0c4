import { OB_V3, VC_V2 } from "./contexts.ts";
import { buildProfile, type ProfileFacts } from "./ob3-achievement.ts";
import type { NodeUrls } from "./urls.ts";

const DID_V1 = "https://www.w3.org/ns/did/v1";
const MULTIKEY_V1 = "https://w3id.org/security/multikey/v1";

/** A published issuer key. */
export interface PublicKeyFacts {
  kid: string;
  publicKeyMultibase: string;
  revokedAt?: string | null;
}

/** The Multikey document served at a key's own URL (ob3.md §1.11: every verifier accepted this shape). */
export function buildKeyDocument(urls: NodeUrls, slug: string, key: PublicKeyFacts): Record<string, unknown> {
  return {
    "@context": MULTIKEY_V1,
    id: urls.issuerKey(slug, key.kid),
    type: "Multikey",
    controller: urls.issuer(slug),
    publicKeyMultibase: key.publicKeyMultibase,
    ...(key.revokedAt ? { revoked: key.revokedAt } : {}),
  };
}

/**
 * The issuer's OB 3.0 Profile, which is also its controller document. The DID v1 context comes
 * first so jsonld-signatures reads assertionMethod directly instead of framing (ob3.md §1.11).
 * Revoked keys stay listed (with `revoked`) but leave assertionMethod.
 */
export function buildControllerProfile(urls: NodeUrls, facts: ProfileFacts, keys: PublicKeyFacts[]): Record<string, unknown> {
  return {
    "@context": [DID_V1, MULTIKEY_V1, VC_V2, OB_V3],
    ...buildProfile(urls, facts),
    verificationMethod: keys.map((k) => {
      const { "@context": _ctx, ...vm } = buildKeyDocument(urls, facts.slug, k);
      return vm;
    }),
    assertionMethod: keys.filter((k) => !k.revokedAt).map((k) => urls.issuerKey(facts.slug, k.kid)),
  };
}
