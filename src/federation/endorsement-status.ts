// A received endorsement's revocation entry, read in its endorser's signed status list with the
// verifier's own checks: the owner's safety net when the endorser's Delete never arrived.
import type { Clock } from "../shared/clock.ts";
import type { DocumentSource } from "../verification/checks/check-types.ts";
import { checkProofs } from "../verification/checks/proof.ts";
import { checkStatus } from "../verification/checks/status.ts";
import type { RemoteFetch } from "../verification/remote-fetch.ts";
import type { EndorsementStatusReader } from "./endorsements.service.ts";

/** Reads an endorsement's status: "withdrawn" when its revocation bit is set, "none" without an entry, "unknown" when the list is unreadable. */
export function createEndorsementStatusReader(deps: { remote: RemoteFetch; clock: Clock }): EndorsementStatusReader {
  // Always asked again (a 304 is cheap): a withdrawal must show before the list's cache lifetime ends.
  const source: DocumentSource = { json: (url) => deps.remote.getJson(url, { revalidate: true }), get: (url, accept) => deps.remote.get(url, accept, { revalidate: true }) };
  return async (vc) => {
    if (!vc.credentialStatus) return "none";
    const now = deps.clock.now();
    const line = await checkStatus(vc, { source, now, verifyList: (list) => checkProofs(list, source, now) });
    if (line.outcome === "revoked") return "withdrawn";
    return line.status === "pass" ? "active" : "unknown";
  };
}
