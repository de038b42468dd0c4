import { asArray, asObject, idOf, line, type Check, type DocumentSource } from "./check-types.ts";
import { checkProofs } from "./proof.ts";
import { checkStatus } from "./status.ts";

/** Most endorsements read per credential (each may fetch keys and a status list). */
export const MAX_ENDORSEMENTS = 10;

/** What the endorsement lines read with. */
export interface EndorsementDeps {
  source: DocumentSource;
  now: Date;
  /** The time a signed document's proof is checked at (its issuance). */
  proofTime: (doc: Record<string, any>) => Date;
}

type Doc = Record<string, any>;

function endorserOf(e: Doc): string {
  const issuer = asObject(e.issuer);
  return (typeof issuer?.name === "string" && issuer.name) || idOf(e.issuer) || "?";
}

// The key an unproven endorsement was signed with, as its warning line names it.
function unprovenKey(c: Check): string {
  const p = c.message.params ?? {};
  return String(p.vm ?? p.controller ?? "?");
}

// One endorsement: its signature (by its own issuer), then whether its endorser withdrew it.
// Never a failure: an endorsement is what others say about the badge, not the badge itself.
async function checkOne(e: Doc, deps: EndorsementDeps): Promise<{ line: Check; ok: boolean }> {
  const params = { endorser: endorserOf(e), id: idOf(e) ?? "?" };
  const proof = await checkProofs(e, deps.source, deps.proofTime(e));
  const bad = [proof.proof, proof.key, proof.issuer].find((c) => c.status === "fail" || c.status === "skip");
  if (bad) return { line: { check: "endorsement", status: "warn", message: { key: "verification.endorsement.unverified", params, cause: bad.message } }, ok: false };
  // Valid signature, but by a key nothing ties to the endorser it names (any did:key, an unconfirmed key
  // fragment): the claimed name is not shown, it is exactly what cannot be trusted.
  const unproven = [proof.key, proof.issuer].find((c) => c.status === "warn");
  if (unproven) return { line: line("endorsement", "warn", "verification.endorsement.unproven", { id: params.id, key: unprovenKey(unproven) }), ok: false };
  if (!e.credentialStatus) return { line: line("endorsement", "pass", "verification.endorsement.valid", params), ok: true };
  const status = await checkStatus(e, { source: deps.source, now: deps.now, verifyList: (list) => checkProofs(list, deps.source, deps.proofTime(list)) });
  if (status.outcome === "revoked" || status.outcome === "suspended") return { line: line("endorsement", "warn", "verification.endorsement.withdrawn", params), ok: false };
  if (status.status !== "pass") return { line: { check: "endorsement", status: "warn", message: { key: "verification.endorsement.statusUnknown", params, cause: status.message } }, ok: false };
  return { line: line("endorsement", "pass", "verification.endorsement.active", params), ok: true };
}

/**
 * The endorsements a credential carries (its own, its achievement's, its issuer's): one line each,
 * then the summary line. A bad endorsement is a warning, never a failure of the badge.
 */
export async function checkEndorsements(doc: Doc, deps: EndorsementDeps): Promise<Check[]> {
  const achievement = asObject(asObject(doc.credentialSubject)?.achievement);
  const all = [doc.endorsement, achievement?.endorsement, asObject(doc.issuer)?.endorsement].flatMap((e) => asArray(e)).map(asObject).filter((e): e is Doc => !!e);
  if (all.length === 0) return [];
  const lines: Check[] = [];
  const failed: string[] = [];
  for (const e of all.slice(0, MAX_ENDORSEMENTS)) {
    const one = await checkOne(e, deps);
    lines.push(one.line);
    if (!one.ok) failed.push(idOf(e) ?? "?");
  }
  lines.push(failed.length
    ? line("endorsements", "warn", "verification.endorsements.some", { count: all.length, failed: failed.join(", ") })
    : line("endorsements", "pass", "verification.endorsements.all", { count: Math.min(all.length, MAX_ENDORSEMENTS) }));
  return lines;
}
