import { compactVerify, importSPKI } from "jose";
import { asArray, asObject, fetchProblem, idOf, line, type Check, type DocumentSource } from "./check-types.ts";
import { checkDates } from "./dates.ts";
import type { DecodedJws } from "./jwt.ts";
import { checkRecipient } from "./recipient.ts";

// Open Badges 2.0 (ob3.md §3.1): hosted assertions are fetched at their id (410 Gone = revoked);
// signed ones carry a JWS checked with the issuer's CryptographicKey and RevocationList.

/** What an OB 2.0 verification produced: the lines, and the objects the report shows. */
export interface Ob2Outcome {
  checks: Check[];
  assertion: Record<string, any>;
  badge: Record<string, any> | null;
  issuer: Record<string, any> | null;
}

interface Ob2Context {
  source: DocumentSource;
  now: Date;
  email?: string;
  jws?: DecodedJws;
}

const hasType = (doc: Record<string, any> | null, ...types: string[]) => !!doc && asArray(doc.type).some((t) => types.includes(String(t)));

/** True when a JSON object is an OB 2.0 Assertion. */
export function isOb2Assertion(doc: Record<string, any>): boolean {
  return hasType(doc, "Assertion") || (!doc.type && !!doc.badge && !!doc.recipient);
}

function checkAssertionStructure(a: Record<string, any>): Check {
  const missing = ["recipient", "badge", "verification", "issuedOn"].filter((k) => !a[k]);
  if (typeof a.id !== "string" || !a.id) missing.unshift("id");
  if (!hasType(a, "Assertion")) missing.unshift("type Assertion");
  return missing.length ? line("structure", "fail", "verification.structure.missing", { fields: missing.join(", ") }) : line("structure", "pass", "verification.ob2.structure");
}

// Hosted verification: the copy at the assertion's id is the authority (and 410 means revoked).
async function fetchHosted(a: Record<string, any>, source: DocumentSource): Promise<{ line: Check; hosted: Record<string, any> | null }> {
  const url = String(a.id);
  const got = await source.json(url);
  if (!got.ok) {
    if (got.error.kind === "status" && got.error.status === 410) {
      const reason = asObject(got.error.json)?.revocationReason;
      return { line: revokedLine(url, typeof reason === "string" ? reason : null), hosted: null };
    }
    return { line: { check: "hosted", status: "fail", message: { key: "verification.ob2.unreachable", params: { url }, cause: fetchProblem(got.error) } }, hosted: null };
  }
  const hosted = asObject(got.value.json);
  if (!hosted || !hasType(hosted, "Assertion") || hosted.id !== a.id) return { line: line("hosted", "fail", "verification.ob2.hostedMismatch", { url }), hosted: null };
  if (hosted.revoked === true) return { line: revokedLine(url, typeof hosted.revocationReason === "string" ? hosted.revocationReason : null), hosted: null };
  return { line: line("hosted", "pass", "verification.ob2.hosted", { url }), hosted };
}

function revokedLine(url: string, reason: string | null): Check {
  return line("hosted", "fail", reason ? "verification.status.revokedBecause" : "verification.status.revoked", { url, ...(reason ? { reason } : {}) }, { outcome: "revoked", ...(reason ? { reason } : {}) });
}

async function loadObject(value: unknown, source: DocumentSource): Promise<{ doc: Record<string, any> | null; problem?: Check["message"] }> {
  if (asObject(value)) return { doc: asObject(value) };
  if (typeof value !== "string") return { doc: null };
  const got = await source.json(value);
  return got.ok ? { doc: asObject(got.value.json) } : { doc: null, problem: fetchProblem(got.error) };
}

// OB 2.0 Profile.verification: allowedOrigins (host names) or startsWith (URL prefixes); by default
// the assertion must live on the host of the issuer's id.
function originAllowed(assertionId: string, issuer: Record<string, any>): boolean {
  const policy = asObject(issuer.verification);
  const prefixes = asArray<string>(policy?.startsWith).filter((p) => typeof p === "string");
  if (prefixes.length) return prefixes.some((p) => assertionId.startsWith(p));
  const hosts = asArray<string>(policy?.allowedOrigins).filter((h) => typeof h === "string");
  try {
    const host = new URL(assertionId).hostname;
    return (hosts.length ? hosts : [new URL(String(issuer.id)).hostname]).includes(host);
  } catch {
    return false;
  }
}

async function checkBadgeAndIssuer(a: Record<string, any>, source: DocumentSource, hosted: boolean) {
  const badge = await loadObject(a.badge, source);
  if (!hasType(badge.doc, "BadgeClass") || !badge.doc?.name) {
    const message = badge.problem ? { key: "verification.ob2.badgeUnreachable", params: { url: String(idOf(a.badge) ?? "") }, cause: badge.problem } : { key: "verification.ob2.notBadgeClass", params: { url: String(idOf(a.badge) ?? "") } };
    return { badge: null, issuer: null, lines: [{ check: "badgeclass" as const, status: "fail" as const, message }, line("issuer", "skip", "verification.ob2.noBadge")] };
  }
  const issuer = await loadObject(badge.doc.issuer, source);
  const badgeLine = line("badgeclass", "pass", "verification.ob2.badgeClass", { name: String(badge.doc.name) });
  if (!hasType(issuer.doc, "Issuer", "Profile") || !issuer.doc?.name) {
    const url = String(idOf(badge.doc.issuer) ?? "");
    const message = issuer.problem ? { key: "verification.ob2.issuerUnreachable", params: { url }, cause: issuer.problem } : { key: "verification.ob2.notIssuer", params: { url } };
    return { badge: badge.doc, issuer: null, lines: [badgeLine, { check: "issuer" as const, status: "fail" as const, message }] };
  }
  // Hosted: the assertion and a hosted BadgeClass must live where the issuer's policy allows.
  const outside = hosted ? [String(a.id), ...(typeof a.badge === "string" ? [a.badge] : [])].find((u) => !originAllowed(u, issuer.doc!)) : undefined;
  const issuerLine = outside
    ? line("issuer", "fail", "verification.ob2.originMismatch", { url: outside, issuer: String(issuer.doc.id) })
    : line("issuer", "pass", "verification.ob2.issuer", { name: String(issuer.doc.name), issuer: String(issuer.doc.id ?? "") });
  return { badge: badge.doc, issuer: issuer.doc, lines: [badgeLine, issuerLine] };
}

// Signed verification: the creator key (CryptographicKey, owned by the issuer) and its RevocationList.
async function checkSigned(jws: DecodedJws, a: Record<string, any>, issuer: Record<string, any> | null, source: DocumentSource): Promise<Check[]> {
  const creator = idOf(asObject(a.verification)?.creator) ?? idOf(asArray(issuer?.publicKey)[0]);
  const keyDoc = creator ? await loadObject(creator, source) : { doc: null };
  const pem = keyDoc.doc?.publicKeyPem;
  if (typeof pem !== "string") return [line("key", "fail", "verification.ob2.noKey", { url: creator ?? "?" })];
  const keyLine = issuer && keyDoc.doc?.owner !== issuer.id
    ? line("key", "fail", "verification.issuer.mismatch", { issuer: String(issuer.id), controller: String(keyDoc.doc?.owner ?? "?") })
    : line("key", "pass", "verification.jwt.kid", { vm: creator! });
  let proof: Check;
  try {
    const alg = String(jws.header.alg ?? "RS256");
    await compactVerify(jws.jws, await importSPKI(pem, alg), { algorithms: [alg] });
    proof = line("proof", "pass", "verification.jwt.valid", { alg });
  } catch {
    proof = line("proof", "fail", "verification.proof.invalid");
  }
  return [proof, keyLine, await checkRevocationList(a, issuer, source)];
}

async function checkRevocationList(a: Record<string, any>, issuer: Record<string, any> | null, source: DocumentSource): Promise<Check> {
  const url = idOf(issuer?.revocationList);
  if (!url) return line("status", "skip", "verification.status.none");
  const list = await loadObject(url, source);
  if (!hasType(list.doc, "RevocationList")) return list.problem
    ? { check: "status", status: "fail", message: { key: "verification.status.unreachable", params: { url }, cause: list.problem } }
    : line("status", "fail", "verification.status.notAList", { url });
  const hit = asArray(list.doc!.revokedAssertions).find((r) => r === a.id || (a.uid && r === a.uid) || idOf(r) === a.id || (a.uid && asObject(r)?.uid === a.uid));
  if (!hit) return line("status", "pass", "verification.status.clear.revocation", { url });
  const reason = asObject(hit)?.revocationReason;
  return { ...revokedLine(url, typeof reason === "string" ? reason : null), check: "status" };
}

/** Verifies an OB 2.0 assertion: hosted (fetched at its id) or signed (JWS), then badge, issuer, dates, recipient. */
export async function verifyOb2(given: Record<string, any>, ctx: Ob2Context): Promise<Ob2Outcome> {
  const structure = checkAssertionStructure(given);
  if (structure.status === "fail") return { checks: [structure], assertion: given, badge: null, issuer: null };
  const kind = String(asObject(given.verification)?.type ?? given.verification ?? "").toLowerCase();
  const signed = kind === "signed" || kind === "signedbadge";
  if (signed && !ctx.jws) return { checks: [structure, line("proof", "fail", "verification.ob2.signedWithoutJws")], assertion: given, badge: null, issuer: null };
  let assertion = given;
  const checks: Check[] = [structure];
  if (!signed) {
    const hosted = await fetchHosted(given, ctx.source);
    checks.push(hosted.line);
    if (!hosted.hosted) return { checks, assertion, badge: null, issuer: null };
    assertion = hosted.hosted;
  }
  const parts = await checkBadgeAndIssuer(assertion, ctx.source, !signed);
  checks.push(...parts.lines);
  if (signed) checks.push(...(await checkSigned(ctx.jws!, assertion, parts.issuer, ctx.source)));
  checks.push(checkDates(assertion.issuedOn, assertion.expires, ctx.now), checkRecipient(assertion, ctx.email));
  return { checks, assertion, badge: parts.badge, issuer: parts.issuer };
}
