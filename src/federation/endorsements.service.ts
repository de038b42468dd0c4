import { getLogger } from "@logtape/logtape";
import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import { pickStatusIndex } from "../credentials/bitstring.ts";
import { OB_V3, VC_V2 } from "../credentials/contexts.ts";
import { buildProfile } from "../credentials/ob3-achievement.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import { profileFacts } from "../issuers/issuer-profile.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isUniqueViolation } from "../shared/sql-errors.ts";
import { newId } from "../shared/tokens.ts";
import type { EndorsementShapeCheck } from "./endorsement-shape.ts";
import * as endorsements from "./endorsements.repository.ts";
import type { FederationNetwork } from "./federation.service.ts";
import * as repo from "./federation.repository.ts";
import type { EndorsementRow, RemoteActorRow } from "./federation.tables.ts";
import * as templates from "./remote-templates.repository.ts";
import { MAX_TEMPLATE_BYTES, TEMPLATE_MEDIA_TYPE, type IncomingDocument } from "./template-payload.ts";

const log = getLogger(["francebadge", "federation"]);

/** Signs an OB credential with an issuer's OB key (eddsa-rdfc-2022, credentials/signing.ts). */
export type CredentialSigner = (doc: Record<string, unknown>, issuer: IssuerRow) => Promise<Record<string, unknown>>;
/** Verifies a credential's proofs against its issuer's published keys (credentials/proof-verification.ts). */
export type ProofVerifier = (vc: object) => Promise<{ verified: boolean; error?: string }>;
/** Reads a received endorsement's revocation entry in its endorser's status list ("none": no entry; "unknown": unreadable). */
export type EndorsementStatusReader = (vc: Record<string, unknown>) => Promise<"active" | "withdrawn" | "unknown" | "none">;

/** The issuers' status lists and the indexes their credentials already use (built after federation: read at call time). */
export interface EndorsementStatusLists {
  markChanged(issuerId: string, purpose: "revocation", tx: Db): Promise<void>;
  /** Indexes stored, claimed, or reserved by credential batches being signed. */
  usedByCredentials(issuerId: string): Promise<ReadonlySet<number>>;
  /** Claims an index in the issuer's one index space (credentials and endorsements), inside `tx`; a unique violation when taken. */
  claim(tx: Db, issuerId: string, index: number, endorsementId: string): Promise<void>;
}

export type EndorsementDrop = "media-type" | "too-large" | "invalid-json" | "not-endorsement" | "issuer" | "origin" | "schema" | "not-ours" | "not-partner" | "blocked" | "proof" | "withdrawn";
export type WithdrawError = "not-found" | "forbidden";

/** Most endorsements a new credential embeds (the verifier reads at most 10 per credential). */
export const MAX_EMBEDDED = 5;
/** How long the endorsements a template's new credentials embed are reused before their endorsers' status lists are read again. */
export const EMBED_CACHE_MS = 5 * 60_000;
// Issuing never waits longer than this on an endorser's server: its endorsement is left out instead.
const EMBED_STATUS_MS = 3_000;

const originOf = (url: string | null | undefined) => {
  try { return url ? new URL(url).origin : null; } catch { return null; }
};
const idOf = (v: unknown): string | undefined => (typeof v === "string" ? v : v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" ? (v as { id: string }).id : undefined);

/** Endorsements between partners: OB 3.0 EndorsementCredentials signed with the endorser's OB key, withdrawable. */
export function createEndorsementsService(deps: {
  db: Db; clock: Clock; audit: AuditService; urls: NodeUrls; origin: string; network: FederationNetwork;
  achievements: AchievementsService; issuers: IssuersService; sign: CredentialSigner; verify: ProofVerifier;
  statusLists: () => EndorsementStatusLists; statusOf: EndorsementStatusReader; shape: EndorsementShapeCheck;
  /** The status reader issuing uses (a short fetch timeout). */
  embedStatusOf?: EndorsementStatusReader;
}) {
  const { db, clock } = deps;
  function credential(id: string, issuer: IssuerRow, subjectId: string, name: string, comment: string, statusIndex: number): Record<string, unknown> {
    const list = deps.urls.statusList(issuer.slug, "revocation");
    return {
      "@context": [VC_V2, OB_V3], id: `urn:uuid:${id}`, type: ["VerifiableCredential", "EndorsementCredential"],
      issuer: buildProfile(deps.urls, profileFacts(issuer)), validFrom: isoNow(clock).replace(/\.\d{3}Z$/, "Z"), name: `Endorsement: ${name}`,
      credentialSubject: { id: subjectId, type: ["EndorsementSubject"], endorsementComment: comment },
      // Withdrawal sets this bit: a copy embedded in a credential, or whose Delete got lost, is still known withdrawn.
      credentialStatus: { id: `${list}#${statusIndex}`, type: "BitstringStatusListEntry", statusPurpose: "revocation", statusListIndex: String(statusIndex), statusListCredential: list },
    };
  }
  // A free random index in the issuer's revocation list, shared with its credentials (W3C: random assignment);
  // claimed when stored, so a credential batch drawing it meanwhile cannot also keep it.
  async function pickIndex(issuerId: string): Promise<number> {
    // The claims include our endorsements' own.
    return pickStatusIndex(new Set(await deps.statusLists().usedByCredentials(issuerId)));
  }
  // Signs, keeps and delivers one endorsement (to the owner and to our followers).
  async function give(actor: Actor, issuer: IssuerRow, owner: RemoteActorRow, subject: { obId: string; apId: string; name: string }, text: string): Promise<EndorsementRow> {
    // A credential batch stored while this one was signed may have claimed the same index: draw again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await giveOnce(actor, issuer, owner, subject, text);
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 4) throw e;
      }
    }
  }
  async function giveOnce(actor: Actor, issuer: IssuerRow, owner: RemoteActorRow, subject: { obId: string; apId: string; name: string }, text: string): Promise<EndorsementRow> {
    const id = newId();
    const statusIndex = await pickIndex(issuer.id);
    const signed = await deps.sign(credential(id, issuer, subject.obId, subject.name, text, statusIndex), issuer);
    const apId = `${deps.origin}/ap/endorsements/${id}`;
    const row: EndorsementRow = {
      id, direction: "given", issuer_id: issuer.id, actor_id: deps.urls.issuer(issuer.slug), achievement_id: null, subject_id: subject.obId,
      ap_id: apId, comment: text, vc_json: JSON.stringify(signed), created_at: isoNow(clock), status_index: statusIndex, withdrawn_at: null,
    };
    await db.transaction().execute(async (tx) => {
      await deps.statusLists().claim(tx, issuer.id, statusIndex, id);
      await endorsements.insertEndorsement(tx, row);
      await deps.audit.record(actor, { action: "federation.endorse", objectType: "endorsement", objectId: id, issuerId: issuer.id, details: { subject: subject.obId } }, tx);
    });
    await deps.network.sendEndorsement(issuer.slug, owner, { apId, activityId: `${apId}#create`, content: row.vc_json, inReplyTo: subject.apId, name: `Endorsement: ${subject.name}` });
    return row;
  }
  // The endorsed thing on this node: one of our published templates, or one of our issuers.
  async function ourSubject(subjectId: string | undefined): Promise<{ achievementId: string | null; issuerId: string } | null> {
    if (!subjectId) return null;
    const [templateBase, issuerBase] = [deps.urls.achievement(""), deps.urls.issuer("")];
    if (subjectId.startsWith(templateBase)) {
      const a = await deps.achievements.load(subjectId.slice(templateBase.length));
      return a && a.row.status !== "draft" ? { achievementId: a.row.id, issuerId: a.row.issuer_id } : null;
    }
    const slug = subjectId.startsWith(issuerBase) ? subjectId.slice(issuerBase.length) : "";
    const issuer = /^[a-z0-9-]+$/.test(slug) ? await deps.issuers.findBySlug(slug) : undefined;
    return issuer ? { achievementId: null, issuerId: issuer.id } : null;
  }
  // The checks on a partner's endorsement of one of our templates or issuers; the proof is verified last (it fetches keys).
  async function check(senderId: string, doc: IncomingDocument): Promise<Result<{ vc: Record<string, unknown>; achievementId: string | null; subjectId: string; comment: string }, EndorsementDrop>> {
    if (doc.mediaType !== TEMPLATE_MEDIA_TYPE || typeof doc.content !== "string") return err("media-type");
    if (Buffer.byteLength(doc.content) > MAX_TEMPLATE_BYTES) return err("too-large");
    let vc: Record<string, unknown>;
    try { vc = JSON.parse(doc.content) as Record<string, unknown>; } catch { return err("invalid-json"); }
    if (!vc || typeof vc !== "object" || !([] as unknown[]).concat(vc.type).includes("EndorsementCredential")) return err("not-endorsement");
    if (idOf(vc.issuer) !== senderId) return err("issuer");
    if (originOf(doc.id) !== originOf(senderId) || doc.attributedTo !== senderId) return err("origin");
    const malformed = deps.shape(vc);
    if (malformed) {
      log.info("Endorsement {id} from {sender} is malformed: {problem}", { id: doc.id, sender: senderId, problem: malformed });
      return err("schema");
    }
    const subject = (vc.credentialSubject ?? {}) as { id?: unknown; endorsementComment?: unknown };
    const subjectId = typeof subject.id === "string" ? subject.id : undefined;
    const ours = await ourSubject(subjectId);
    if (!ours) return err("not-ours");
    if (await repo.isBlockedFor(db, ours.issuerId, new URL(senderId).host)) return err("blocked");
    // Only a partner of the endorsed issuer speaks for it: its words may end up in credentials we sign.
    if (!(await endorsements.isPartnerOf(db, ours.issuerId, senderId))) return err("not-partner");
    const proof = await deps.verify(vc);
    if (!proof.verified) {
      log.info("Endorsement from {sender} failed verification: {error}", { sender: senderId, error: proof.error });
      return err("proof");
    }
    if ((await deps.statusOf(vc)) === "withdrawn") return err("withdrawn");
    return ok({ vc, achievementId: ours.achievementId, subjectId: subjectId!, comment: typeof subject.endorsementComment === "string" ? subject.endorsementComment.slice(0, 5000) : "" });
  }
  // Per template, the set its new credentials embed, kept a few minutes: every batch of an award run asks.
  const embedCache = new Map<string, { at: number; vcs: Promise<Record<string, unknown>[]> }>();
  // The endorsements newly issued credentials of a template embed, as received (signed by their endorsers); none unless switched on.
  async function embeddableFor(achievementId: string): Promise<Record<string, unknown>[]> {
    if (!(await endorsements.findEmbedSetting(db, achievementId))) return [];
    const now = clock.now().getTime();
    const cached = embedCache.get(achievementId);
    if (cached && now >= cached.at && now - cached.at < EMBED_CACHE_MS) return cached.vcs;
    const vcs = currentEmbeddable(achievementId);
    embedCache.set(achievementId, { at: now, vcs });
    vcs.catch(() => embedCache.delete(achievementId));
    return vcs;
  }
  // Partners' endorsements, each embedded only once its endorser's list says it is not withdrawn: read
  // in parallel, only as many as will be embedded, and an endorser that does not answer in time is left out.
  async function currentEmbeddable(achievementId: string): Promise<Record<string, unknown>[]> {
    const rows = await endorsements.listPartnerEndorsements(db, achievementId);
    const kept: Record<string, unknown>[] = [];
    for (let next = 0; next < rows.length && kept.length < MAX_EMBEDDED;) {
      const window = rows.slice(next, next + MAX_EMBEDDED - kept.length);
      next += window.length;
      const vcs = window.map((r) => JSON.parse(r.vc_json) as Record<string, unknown>);
      const states = await Promise.all(vcs.map((vc) => statusWithin(vc, EMBED_STATUS_MS)));
      for (const [i, state] of states.entries()) {
        const r = window[i]!;
        if (state === "withdrawn") await endorsements.withdrawReceived(db, r.ap_id, r.actor_id, isoNow(clock));
        else if (state === "unknown") log.warn("Endorsement {id} left out of new credentials: its endorser's status list could not be read", { id: r.ap_id });
        else kept.push(vcs[i]!);
      }
    }
    return kept;
  }
  async function statusWithin(vc: Record<string, unknown>, ms: number): ReturnType<EndorsementStatusReader> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"unknown">((resolve) => { timer = setTimeout(() => resolve("unknown"), ms); });
    try {
      return await Promise.race([(deps.embedStatusOf ?? deps.statusOf)(vc).catch(() => "unknown" as const), late]);
    } finally {
      clearTimeout(timer);
    }
  }
  // Withdraws one of our endorsements (its issuer's admin): sets its status bit and sends a Delete to
  // the owner and our followers. A second call changes nothing and sends nothing.
  async function withdraw(actor: Actor, canAdmin: (issuerId: string) => Promise<boolean>, id: string): Promise<Result<{ row: EndorsementRow; changed: boolean }, WithdrawError>> {
    const row = await endorsements.findEndorsement(db, id);
    if (!row || row.direction !== "given" || !row.issuer_id) return err("not-found");
    if (!(await canAdmin(row.issuer_id))) return err("forbidden");
    const issuer = await deps.issuers.findById(row.issuer_id);
    if (!issuer) return err("not-found");
    const changed = await db.transaction().execute(async (tx) => {
      if (!(await endorsements.withdrawGiven(tx, id, isoNow(clock)))) return false;
      if (row.status_index !== null) await deps.statusLists().markChanged(row.issuer_id!, "revocation", tx);
      await deps.audit.record(actor, { action: "federation.endorsement.withdraw", objectType: "endorsement", objectId: id, issuerId: row.issuer_id, details: { subject: row.subject_id } }, tx);
      return true;
    });
    const owner = changed ? await ownerOf(row.subject_id) : undefined;
    if (owner) await deps.network.sendEndorsementDelete(issuer.slug, owner, { apId: row.ap_id, activityId: `${row.ap_id}#delete` });
    return ok({ row: (await endorsements.findEndorsement(db, id))!, changed });
  }
  async function receive(senderId: string, doc: IncomingDocument): Promise<Result<"stored", EndorsementDrop>> {
    const checked = await check(senderId, doc);
    if (!checked.ok) {
      log.info("Endorsement {id} from {sender} dropped: {reason}", { id: doc.id, sender: senderId, reason: checked.error });
      return checked;
    }
    await endorsements.insertEndorsement(db, {
      id: newId(), direction: "received", issuer_id: null, actor_id: senderId, achievement_id: checked.value.achievementId,
      subject_id: checked.value.subjectId, ap_id: doc.id!, comment: checked.value.comment,
      vc_json: JSON.stringify(checked.value.vc), created_at: isoNow(clock), status_index: null, withdrawn_at: null,
    });
    if (checked.value.achievementId) embedCache.delete(checked.value.achievementId);
    return ok("stored");
  }
  const commentOf = (comment: string) => {
    const text = comment.trim();
    return text && text.length <= 2000 ? text : null;
  };
  return {
    /** Endorses a partner's template: signs the credential, keeps it, delivers it to the owner and our followers. */
    async endorse(actor: Actor, issuer: IssuerRow, remoteTemplateId: string, comment: string): Promise<Result<EndorsementRow, "not-found" | "comment">> {
      const text = commentOf(comment);
      if (!text) return err("comment");
      const target = await templates.findRemoteTemplate(db, remoteTemplateId);
      const owner = target && target.status === "published" ? await repo.findRemoteActor(db, target.actor_id) : undefined;
      if (!target || !owner) return err("not-found");
      return ok(await give(actor, issuer, owner, { obId: target.ob_id, apId: target.ap_id, name: target.name }, text));
    },
    /** Endorses a partner issuer (its OB Profile id is its actor URL): same credential, about the issuer. */
    async endorseIssuer(actor: Actor, issuer: IssuerRow, actorId: string, comment: string): Promise<Result<EndorsementRow, "not-found" | "comment">> {
      const text = commentOf(comment);
      if (!text) return err("comment");
      const owner = await repo.findRemoteActor(db, actorId);
      if (!owner) return err("not-found");
      return ok(await give(actor, issuer, owner, { obId: owner.id, apId: owner.id, name: owner.name }, text));
    },
    /** Withdraws one of our endorsements (its issuer's admin): status bit set, Delete sent; a second call changes nothing. */
    withdraw,
    /** A partner's endorsement of one of our templates or issuers (Create of a Document replying to it). */
    receive,
    /** A Delete of an endorsement: honoured only from its endorser; null when the object is no endorsement of ours. */
    async receiveDelete(senderId: string, objectId: string): Promise<"withdrawn" | "ignored" | null> {
      if (!(await endorsements.isReceivedEndorsement(db, objectId))) return null;
      const withdrawn = await endorsements.withdrawReceived(db, objectId, senderId, isoNow(clock));
      if (withdrawn) embedCache.clear();
      return withdrawn ? "withdrawn" : "ignored";
    },
    /** Verified, not withdrawn endorsements of one of our templates by partners of its issuer (a lost Delete is caught when issuing reads the endorser's list). */
    receivedFor: (achievementId: string) => endorsements.listPartnerEndorsements(db, achievementId),
    embeddableFor,
    /** Changes that setting (the template issuer's admin; checked by the route). */
    async setEmbed(actor: Actor, achievementId: string, issuerId: string, embed: boolean): Promise<void> {
      embedCache.delete(achievementId);
      await db.transaction().execute(async (tx) => {
        await endorsements.saveEmbedSetting(tx, achievementId, embed, isoNow(clock));
        await deps.audit.record(actor, { action: "federation.endorsement.embed", objectType: "achievement", objectId: achievementId, issuerId, details: { embed } }, tx);
      });
    },
    /** What issuing needs (awards/credentials.service.ts IssuingEndorsements): embedded endorsements, our status-list indexes. */
    issuing: {
      embeddable: embeddableFor,
      withdrawnIndexes: (issuerId: string) => endorsements.listEndorsementIndexes(db, issuerId, true),
    },
    /** Verified, not withdrawn endorsements of one of our issuers by its partners. */
    receivedForIssuer: (issuer: IssuerRow) => endorsements.listReceivedIssuerEndorsements(db, deps.urls.issuer(issuer.slug), issuer.id),
    givenTo: (subjectId: string) => endorsements.listGivenEndorsements(db, subjectId),
    /** Every endorsement one of our issuers gave, withdrawn ones included. */
    givenBy: (issuerId: string) => endorsements.listGivenByIssuer(db, issuerId),
    /** Our issuer's endorsed templates, with their embedding choice. */
    endorsedTemplates: (issuerId: string) => endorsements.listEndorsedTemplates(db, issuerId),
  };
  // The owner of an endorsed subject: a partner template's sender, or the partner issuer itself.
  async function ownerOf(subjectId: string): Promise<RemoteActorRow | undefined> {
    const direct = await repo.findRemoteActor(db, subjectId);
    if (direct) return direct;
    const ownerId = await endorsements.findTemplateOwner(db, subjectId);
    return ownerId ? repo.findRemoteActor(db, ownerId) : undefined;
  }
}

export type EndorsementsService = ReturnType<typeof createEndorsementsService>;
