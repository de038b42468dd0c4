import { VC_V2 } from "./contexts.ts";
import type { NodeUrls } from "./urls.ts";

/** The unsigned BitstringStatusListCredential of one issuer and purpose (W3C Bitstring Status List 1.0). */
export function buildStatusListCredential(urls: NodeUrls, o: { slug: string; purpose: "revocation" | "suspension"; encodedList: string; validFrom: string; ttlMs: number }): Record<string, unknown> {
  const id = urls.statusList(o.slug, o.purpose);
  return {
    "@context": [VC_V2],
    id,
    type: ["VerifiableCredential", "BitstringStatusListCredential"],
    issuer: urls.issuer(o.slug),
    validFrom: o.validFrom.replace(/\.\d{3}Z$/, "Z"),
    credentialSubject: { id: `${id}#list`, type: "BitstringStatusList", statusPurpose: o.purpose, encodedList: o.encodedList, ttl: o.ttlMs },
  };
}
