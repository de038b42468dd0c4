import { decodeStatusList, isBitSet, STATUS_LIST_SIZE } from "../../credentials/bitstring.ts";
import { asArray, asObject, fetchProblem, idOf, line, type Check, type DocumentSource } from "./check-types.ts";
import type { ProofLines } from "./proof.ts";

/** What a credential's status reader needs. */
export interface StatusDeps {
  source: DocumentSource;
  now: Date;
  /** This node's own record of a credential (the published lists carry no reasons). */
  ownStatus?: (credentialId: string) => Promise<{ status: string; reason: string | null } | null>;
  /** Verifies a status list credential's proofs (the same checks as the credential's). */
  verifyList: (list: Record<string, any>) => Promise<ProofLines>;
}

type Entry = Record<string, any>;

// How bad each outcome is: the worst entry decides the line.
const rank = (c: Check) => (c.outcome === "revoked" ? 5 : c.outcome === "suspended" ? 4 : c.status === "fail" ? 3 : c.status === "warn" ? 2 : c.status === "pass" ? 1 : 0);

function bitFlagged(purpose: string, url: string, reason: string | null | undefined): Check {
  const outcome = purpose === "suspension" ? "suspended" : "revoked";
  const key = reason ? `verification.status.${outcome}Because` : `verification.status.${outcome}`;
  return line("status", "fail", key, { url, ...(reason ? { reason } : {}) }, { outcome, ...(reason ? { reason } : {}) });
}

// The list credential itself: right type, signed by the credential's issuer, current, and for this purpose.
async function readBitstringList(entry: Entry, kind: "bitstring" | "2021", issuerId: string, deps: StatusDeps): Promise<{ bits: Buffer } | Check> {
  const url = String(entry.statusListCredential ?? "");
  // A revocation must show at once: the cached list is checked again (a 304 when it has not changed).
  const got = await deps.source.json(url, { revalidate: true });
  if (!got.ok) return { check: "status", status: "fail", message: { key: "verification.status.unreachable", params: { url }, cause: fetchProblem(got.error) } };
  const list = asObject(got.value.json);
  const subject = asObject(asArray(list?.credentialSubject)[0]);
  const [listType, subjectType] = kind === "bitstring" ? ["BitstringStatusListCredential", "BitstringStatusList"] : ["StatusList2021Credential", "StatusList2021"];
  if (!list || !asArray(list.type).includes(listType) || !subject || !asArray(subject.type).includes(subjectType) || typeof subject.encodedList !== "string") {
    return line("status", "fail", "verification.status.notAList", { url });
  }
  const purpose = String(entry.statusPurpose ?? "");
  if (!asArray(subject.statusPurpose).includes(purpose)) return line("status", "fail", "verification.status.purposeMismatch", { url, purpose });
  const until = list.validUntil ?? list.expirationDate;
  if (until && Date.parse(until) < deps.now.getTime()) return line("status", "fail", "verification.status.listExpired", { url, date: String(until) });
  if (idOf(list.issuer) !== issuerId) return line("status", "fail", "verification.status.otherIssuer", { url, issuer: idOf(list.issuer) ?? "?" });
  const proof = await deps.verifyList(list);
  if ([proof.proof, proof.key, proof.issuer].some((c) => c.status === "fail" || c.status === "skip")) {
    const bad = [proof.proof, proof.key, proof.issuer].find((c) => c.status === "fail") ?? proof.proof;
    return { check: "status", status: "fail", message: { key: "verification.status.listUnsigned", params: { url }, cause: bad.message } };
  }
  try {
    const bits = decodeStatusList(subject.encodedList);
    // Bitstring Status List §3.2: shorter lists are an error (they would give away who is listed).
    if (kind === "bitstring" && bits.length * 8 < STATUS_LIST_SIZE) return line("status", "fail", "verification.status.tooShort", { url });
    return { bits };
  } catch {
    return line("status", "fail", "verification.status.notAList", { url });
  }
}

async function checkBitstringEntry(entry: Entry, kind: "bitstring" | "2021", credential: Entry, deps: StatusDeps): Promise<Check> {
  const purpose = String(entry.statusPurpose ?? "");
  const url = String(entry.statusListCredential ?? "");
  const index = Number(entry.statusListIndex);
  if (!Number.isInteger(index) || index < 0 || !url) return line("status", "fail", "verification.status.badEntry", { type: String(entry.type) });
  if (Number(entry.statusSize ?? 1) !== 1) return line("status", "warn", "verification.status.unsupportedSize", { size: String(entry.statusSize) });
  const read = await readBitstringList(entry, kind, idOf(credential.issuer) ?? "", deps);
  if ("check" in read) return read;
  if (index >= read.bits.length * 8) return line("status", "fail", "verification.status.indexOutside", { url, index });
  if (!isBitSet(read.bits, index)) return line("status", "pass", `verification.status.clear.${purpose === "suspension" ? "suspension" : "revocation"}`, { url });
  if (purpose !== "revocation" && purpose !== "suspension") return line("status", "warn", "verification.status.otherPurpose", { purpose });
  const own = typeof credential.id === "string" ? await deps.ownStatus?.(credential.id) : null;
  return bitFlagged(purpose, url, own?.reason);
}

// 1EdTech Revocation List Status Method 1.0 (ob3.md §1.9): a JSON list of revoked credential ids.
async function checkRevocationList(entry: Entry, credential: Entry, deps: StatusDeps): Promise<Check> {
  const url = String(entry.id ?? "");
  const got = await deps.source.json(url, { revalidate: true });
  if (!got.ok) return { check: "status", status: "fail", message: { key: "verification.status.unreachable", params: { url }, cause: fetchProblem(got.error) } };
  const list = asObject(got.value.json);
  if (!list || !Array.isArray(list.revokedCredential)) return line("status", "fail", "verification.status.notAList", { url });
  const hit = list.revokedCredential.map(asObject).find((r: Entry | null) => r && r.id === credential.id && r.revoked !== false);
  if (!hit) return line("status", "pass", "verification.status.clear.revocation", { url });
  return bitFlagged("revocation", url, typeof hit.revocationReason === "string" ? hit.revocationReason : null);
}

function checkEntry(entry: Entry, credential: Entry, deps: StatusDeps): Promise<Check> {
  const type = asArray(entry.type).map(String);
  if (type.includes("BitstringStatusListEntry")) return checkBitstringEntry(entry, "bitstring", credential, deps);
  if (type.includes("StatusList2021Entry")) return checkBitstringEntry(entry, "2021", credential, deps);
  if (type.includes("1EdTechRevocationList")) return checkRevocationList(entry, credential, deps);
  return Promise.resolve(line("status", "warn", "verification.status.unsupported", { type: type.join(", ") || "?" }));
}

/** Reads every status entry (revocation, suspension; Bitstring, StatusList2021, 1EdTech list); the worst one is the line. */
export async function checkStatus(credential: Entry, deps: StatusDeps): Promise<Check> {
  const entries = asArray(credential.credentialStatus).map(asObject).filter((e): e is Entry => !!e);
  const results: Check[] = [];
  for (const entry of entries) results.push(await checkEntry(entry, credential, deps));
  // Our own credentials carry only a revocation entry: a suspension is known from our own records.
  const coversSuspension = entries.some((e) => e.statusPurpose === "suspension");
  const own = !coversSuspension && typeof credential.id === "string" ? await deps.ownStatus?.(credential.id) : null;
  if (own?.status === "suspended") results.push(bitFlagged("suspension", credential.id, own.reason));
  if (results.length === 0) return line("status", "skip", "verification.status.none");
  return results.reduce((worst, c) => (rank(c) > rank(worst) ? c : worst));
}
