import { getLogger } from "@logtape/logtape";
import type { AchievementsService } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import { OB_V3, VC_V2 } from "../credentials/contexts.ts";
import { buildProfile } from "../credentials/ob3-achievement.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { Db, IssuerRow } from "../db/database.ts";
import { profileFacts } from "../issuers/issuer-profile.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import * as endorsements from "./endorsements.repository.ts";
import type { FederationNetwork } from "./federation.service.ts";
import * as repo from "./federation.repository.ts";
import type { EndorsementRow } from "./federation.tables.ts";
import * as templates from "./remote-templates.repository.ts";
import { MAX_TEMPLATE_BYTES, TEMPLATE_MEDIA_TYPE, type IncomingDocument } from "./template-payload.ts";

const log = getLogger(["francebadge", "federation"]);

/** Signs an OB credential with an issuer's OB key (eddsa-rdfc-2022, credentials/signing.ts). */
export type CredentialSigner = (doc: Record<string, unknown>, issuer: IssuerRow) => Promise<Record<string, unknown>>;
/** Verifies a credential's proofs against its issuer's published keys (credentials/proof-verification.ts). */
export type ProofVerifier = (vc: object) => Promise<{ verified: boolean; error?: string }>;

export type EndorsementDrop = "media-type" | "too-large" | "invalid-json" | "not-endorsement" | "issuer" | "origin" | "not-ours" | "blocked" | "proof";

const originOf = (url: string | null | undefined) => {
  try { return url ? new URL(url).origin : null; } catch { return null; }
};
const idOf = (v: unknown): string | undefined => (typeof v === "string" ? v : v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" ? (v as { id: string }).id : undefined);

/** Endorsements between partners: OB 3.0 EndorsementCredentials signed with the endorser's OB key. */
export function createEndorsementsService(deps: {
  db: Db; clock: Clock; audit: AuditService; urls: NodeUrls; origin: string; network: FederationNetwork;
  achievements: AchievementsService; sign: CredentialSigner; verify: ProofVerifier;
}) {
  const { db, clock } = deps;

  function credential(id: string, issuer: IssuerRow, subjectId: string, name: string, comment: string): Record<string, unknown> {
    return {
      "@context": [VC_V2, OB_V3], id: `urn:uuid:${id}`, type: ["VerifiableCredential", "EndorsementCredential"],
      issuer: buildProfile(deps.urls, profileFacts(issuer)), validFrom: isoNow(clock).replace(/\.\d{3}Z$/, "Z"), name: `Endorsement: ${name}`,
      credentialSubject: { id: subjectId, type: ["EndorsementSubject"], endorsementComment: comment },
    };
  }

  // The checks on a partner's endorsement of one of our templates; the proof is verified last (it fetches keys).
  async function check(senderId: string, doc: IncomingDocument): Promise<Result<{ vc: Record<string, unknown>; achievementId: string; comment: string }, EndorsementDrop>> {
    if (doc.mediaType !== TEMPLATE_MEDIA_TYPE || typeof doc.content !== "string") return err("media-type");
    if (Buffer.byteLength(doc.content) > MAX_TEMPLATE_BYTES) return err("too-large");
    let vc: Record<string, unknown>;
    try { vc = JSON.parse(doc.content) as Record<string, unknown>; } catch { return err("invalid-json"); }
    if (!vc || typeof vc !== "object" || !([] as unknown[]).concat(vc.type).includes("EndorsementCredential")) return err("not-endorsement");
    if (idOf(vc.issuer) !== senderId) return err("issuer");
    if (originOf(doc.id) !== originOf(senderId) || doc.attributedTo !== senderId) return err("origin");
    const subject = (vc.credentialSubject ?? {}) as { id?: unknown; endorsementComment?: unknown };
    const base = deps.urls.achievement("");
    const subjectId = typeof subject.id === "string" && subject.id.startsWith(base) ? subject.id.slice(base.length) : null;
    const a = subjectId ? await deps.achievements.load(subjectId) : null;
    if (!a || a.row.status === "draft") return err("not-ours");
    if (await repo.isBlockedFor(db, a.row.issuer_id, new URL(senderId).host)) return err("blocked");
    const proof = await deps.verify(vc);
    if (!proof.verified) {
      log.info("Endorsement from {sender} failed verification: {error}", { sender: senderId, error: proof.error });
      return err("proof");
    }
    return ok({ vc, achievementId: a.row.id, comment: typeof subject.endorsementComment === "string" ? subject.endorsementComment.slice(0, 5000) : "" });
  }

  return {
    /** Endorses a partner's template: signs the credential, keeps it, delivers it to the owner and our followers. */
    async endorse(actor: Actor, issuer: IssuerRow, remoteTemplateId: string, comment: string): Promise<Result<EndorsementRow, "not-found" | "comment">> {
      const text = comment.trim();
      if (!text || text.length > 2000) return err("comment");
      const target = await templates.findRemoteTemplate(db, remoteTemplateId);
      const owner = target && target.status === "published" ? await repo.findRemoteActor(db, target.actor_id) : undefined;
      if (!target || !owner) return err("not-found");
      const id = newId();
      const signed = await deps.sign(credential(id, issuer, target.ob_id, target.name, text), issuer);
      const apId = `${deps.origin}/ap/endorsements/${id}`;
      const row: EndorsementRow = {
        id, direction: "given", issuer_id: issuer.id, actor_id: deps.urls.issuer(issuer.slug), achievement_id: null, subject_id: target.ob_id,
        ap_id: apId, comment: text, vc_json: JSON.stringify(signed), created_at: isoNow(clock),
      };
      await db.transaction().execute(async (tx) => {
        await endorsements.insertEndorsement(tx, row);
        await deps.audit.record(actor, { action: "federation.endorse", objectType: "endorsement", objectId: id, issuerId: issuer.id, details: { subject: target.ob_id } }, tx);
      });
      await deps.network.sendEndorsement(issuer.slug, {
        id: owner.id, domain: owner.domain, handle: owner.handle, name: owner.name, type: owner.type, inbox: owner.inbox, sharedInbox: owner.shared_inbox, url: owner.url, summary: owner.summary,
      }, { apId, activityId: `${apId}#create`, content: row.vc_json, inReplyTo: target.ap_id, name: `Endorsement: ${target.name}` });
      return ok(row);
    },

    /** A partner's endorsement of one of our templates (Create of a Document replying to it). */
    async receive(senderId: string, doc: IncomingDocument): Promise<Result<"stored", EndorsementDrop>> {
      const checked = await check(senderId, doc);
      if (!checked.ok) return checked;
      await endorsements.insertEndorsement(db, {
        id: newId(), direction: "received", issuer_id: null, actor_id: senderId, achievement_id: checked.value.achievementId,
        subject_id: deps.urls.achievement(checked.value.achievementId), ap_id: doc.id!, comment: checked.value.comment,
        vc_json: JSON.stringify(checked.value.vc), created_at: isoNow(clock),
      });
      return ok("stored");
    },

    receivedFor: (achievementId: string) => endorsements.listReceivedEndorsements(db, achievementId),
    givenTo: (subjectId: string) => endorsements.listGivenEndorsements(db, subjectId),
  };
}

export type EndorsementsService = ReturnType<typeof createEndorsementsService>;
