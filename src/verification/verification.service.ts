import { getLogger } from "@logtape/logtape";
import type { Clock } from "../shared/clock.ts";
import { ok } from "../shared/result.ts";
import { asObject, idOf, line, type Check, type DocumentSource } from "./checks/check-types.ts";
import { checkDates } from "./checks/dates.ts";
import { checkEndorsements } from "./checks/endorsements.ts";
import { checkPartner, type PartnerDirectory } from "./checks/partner.ts";
import { checkJwtProof, credentialOfJwt, type DecodedJws } from "./checks/jwt.ts";
import { isOb2Assertion, verifyOb2 } from "./checks/ob2.ts";
import { checkProofs } from "./checks/proof.ts";
import { checkRecipient } from "./checks/recipient.ts";
import { checkStatus } from "./checks/status.ts";
import { checkSchema, checkStructure, isVc11, isVerifiableCredential } from "./checks/structure.ts";
import { decodeInput, type VerifyInput } from "./input.ts";
import type { SchemaSet } from "./json-schemas.ts";
import type { RemoteFetch } from "./remote-fetch.ts";

export type { Check, CheckName, CheckStatus, Message } from "./checks/check-types.ts";
export type { VerifyInput } from "./input.ts";

const log = getLogger(["francebadge", "verification"]);

export type Verdict = "valid" | "invalid" | "revoked" | "suspended" | "expired" | "not-yet-valid" | "unreadable";

/** What the result page shows above the lines: the verdict and what the badge is. */
export interface Summary {
  verdict: Verdict;
  reason?: string;
  name?: string;
  description?: string;
  issuerName?: string;
  issuerId?: string;
  image?: string;
  validFrom?: string;
  validUntil?: string;
  credentialId?: string;
}

/** A verification report: one line per check, never an exception. */
export interface VerificationReport {
  verified: boolean;
  kind: "ob3" | "ob2" | "unknown";
  credential?: Record<string, any>;
  /** The compact VC-JWT as received, when the credential came as one (only that form verifies on its own). */
  jws?: string;
  checks: Check[];
  summary: Summary;
}

export interface VerificationDeps {
  clock: Clock;
  remote: RemoteFetch;
  /** This node's own documents (credentials, issuer profiles, keys, status lists), resolved without HTTP. */
  local: (url: string) => Promise<unknown | null>;
  /** This node's record of one of its credentials, by credential URL (reasons are not in the lists). */
  ownStatus?: (credentialId: string) => Promise<{ status: string; reason: string | null } | null>;
  schemas: SchemaSet | null;
  /** Which issuers this node's issuers follow, are followed by, are endorsed by (federation): "known partner" lines. */
  partners?: PartnerDirectory;
}

export interface VerifyOptions {
  /** "Was this issued to this e-mail address?" */
  email?: string;
}

// Outcomes in order of gravity: the first one present is the verdict.
const OUTCOMES = ["revoked", "suspended", "expired", "not-yet-valid"] as const;

function summarise(checks: Check[], facts: Omit<Summary, "verdict">, readable: boolean): Summary {
  const failures = checks.filter((c) => c.status === "fail");
  const outcome = OUTCOMES.find((o) => failures.some((c) => c.outcome === o));
  const reason = failures.find((c) => c.outcome === outcome && c.reason)?.reason;
  const verdict: Verdict = outcome ?? (!readable ? "unreadable" : failures.length ? "invalid" : "valid");
  return { verdict, ...(reason ? { reason } : {}), ...facts };
}

// An http(s) or data: image a page may show; anything else is left out.
function imageUrl(value: unknown): string | undefined {
  const id = idOf(value);
  return id && /^(https?:|data:image\/(png|jpeg|gif|webp|svg\+xml);)/i.test(id) ? id : undefined;
}

function ob3Facts(doc: Record<string, any>): Omit<Summary, "verdict"> {
  const achievement = asObject(asObject(doc.credentialSubject)?.achievement);
  const issuer = asObject(doc.issuer);
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    name: text(doc.name) ?? text(achievement?.name), description: text(achievement?.description) ?? text(doc.description),
    issuerName: text(issuer?.name), issuerId: idOf(doc.issuer), image: imageUrl(doc.image) ?? imageUrl(achievement?.image),
    validFrom: text(doc.validFrom) ?? text(doc.issuanceDate), validUntil: text(doc.validUntil) ?? text(doc.expirationDate), credentialId: text(doc.id),
  };
}

/** Verifies Open Badges (OB 3.0 JSON or VC-JWT, OB 2.0 hosted or signed), plain or baked, pasted, uploaded or by URL. */
export function createVerificationService(deps: VerificationDeps) {
  const source: DocumentSource = {
    async json(url, opts) {
      const local = await deps.local(url.split("#")[0]!);
      return local === null ? deps.remote.getJson(url, opts) : ok({ url, json: local });
    },
    async get(url, accept) {
      const local = await deps.local(url.split("#")[0]!);
      if (local === null) return deps.remote.get(url, accept);
      return ok({ url, status: 200, contentType: "application/ld+json", body: Buffer.from(JSON.stringify(local)) });
    },
  };

  // Proofs when the timestamp is the issuance time: dates are their own line, and an expired
  // credential's signature is still a valid signature (the library would refuse it otherwise).
  function proofTime(doc: Record<string, any>): Date {
    const t = Date.parse(String(doc.validFrom ?? doc.issuanceDate ?? ""));
    return Number.isNaN(t) ? deps.clock.now() : new Date(t);
  }

  async function verifyOb3(doc: Record<string, any>, input: Check, jws: DecodedJws | null, options: VerifyOptions): Promise<VerificationReport> {
    const checks: Check[] = [input, checkStructure(doc), checkSchema(doc, deps.schemas)];
    const signature = jws ? await checkJwtProof(jws, doc, source) : await checkProofs(doc, source, proofTime(doc));
    checks.push(signature.proof, signature.key, signature.issuer);
    const now = deps.clock.now();
    checks.push(await checkStatus(doc, { source, now, ownStatus: deps.ownStatus, verifyList: (list) => checkProofs(list, source, proofTime(list)) }));
    const vc11 = isVc11(doc) || (jws && !doc.validFrom);
    checks.push(checkDates(vc11 ? doc.issuanceDate : doc.validFrom, vc11 ? doc.expirationDate : doc.validUntil, now));
    checks.push(checkRecipient(doc, options.email));
    if (!jws) checks.push(...(await checkEndorsements(doc, { source, now, proofTime })));
    // A warning here means nothing ties the key to the claimed issuer (a did:key, an unconfirmed key URL
    // fragment): anyone could have signed, so the credential must not borrow a partner's name.
    const signed = [signature.proof, signature.key, signature.issuer].every((c) => c.status === "pass");
    checks.push(...(await checkPartner(idOf(doc.issuer), signed, deps.partners)));
    return report("ob3", checks, doc, ob3Facts(doc));
  }

  async function verifyAssertion(doc: Record<string, any>, input: Check, jws: DecodedJws | null, options: VerifyOptions): Promise<VerificationReport> {
    const outcome = await verifyOb2(doc, { source, now: deps.clock.now(), email: options.email, ...(jws ? { jws } : {}) });
    const badge = outcome.badge;
    const facts = {
      name: typeof badge?.name === "string" ? badge.name : undefined, description: typeof badge?.description === "string" ? badge.description : undefined,
      issuerName: typeof outcome.issuer?.name === "string" ? outcome.issuer.name : undefined, issuerId: idOf(outcome.issuer ?? badge?.issuer),
      image: imageUrl(outcome.assertion.image) ?? imageUrl(badge?.image), validFrom: outcome.assertion.issuedOn, validUntil: outcome.assertion.expires,
      credentialId: idOf(outcome.assertion),
    };
    return report("ob2", [input, ...outcome.checks], outcome.assertion, facts);
  }

  function report(kind: VerificationReport["kind"], checks: Check[], credential: Record<string, any> | undefined, facts: Omit<Summary, "verdict">): VerificationReport {
    const clean = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as Omit<Summary, "verdict">;
    const readable = kind !== "unknown";
    return { verified: readable && checks.every((c) => c.status !== "fail"), kind, ...(credential ? { credential } : {}), checks, summary: summarise(checks, clean, readable) };
  }

  async function run(input: VerifyInput, options: VerifyOptions): Promise<VerificationReport> {
    const decoded = await decodeInput(input, source);
    if (!decoded.ok) return report("unknown", [decoded.error], undefined, {});
    const { jws, input: via } = decoded.value;
    const doc = decoded.value.doc ?? (jws ? credentialOfJwt(jws.payload) ?? (isOb2Assertion(jws.payload) ? jws.payload : null) : null);
    if (!doc) return report("unknown", [via, line("structure", "fail", "verification.structure.notCredential")], undefined, {});
    const withJws = (r: VerificationReport): VerificationReport => (jws && r.credential ? { ...r, jws: jws.jws } : r);
    if (isOb2Assertion(doc)) return withJws(await verifyAssertion(doc, via, jws, options));
    if (isVerifiableCredential(doc)) return withJws(await verifyOb3(doc, via, jws, options));
    return report("unknown", [via, line("structure", "fail", "verification.structure.notCredential")], undefined, {});
  }

  return {
    /** Verifies one input; every failure is a report line ("not verified because …"), never an exception. */
    async verify(input: VerifyInput, options: VerifyOptions = {}): Promise<VerificationReport> {
      try {
        return await run(input, options);
      } catch (error) {
        log.error("Verification stopped on an unexpected error: {error}", { error });
        return report("unknown", [line("input", "fail", "verification.internal")], undefined, {});
      }
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
