import { randomBytes } from "node:crypto";
import type { Achievement } from "../achievements/achievements.service.ts";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { CredentialRow, Db, IssuerRow } from "../db/database.ts";
import { pickStatusIndex } from "../credentials/bitstring.ts";
import { buildAchievement, type ProfileFacts } from "../credentials/ob3-achievement.ts";
import { buildOpenBadgeCredential, identityHash } from "../credentials/ob3-credential.ts";
import type { SigningKey } from "../credentials/signing.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { isUniqueViolation } from "../shared/sql-errors.ts";
import { newId } from "../shared/tokens.ts";
import type { StatusListsService } from "../status-lists/status-lists.service.ts";
import type { TypedRecipient } from "../sso/recipient-type.ts";
import * as repo from "./credentials.repository.ts";
import { listIssuedCredentials } from "./issued-credentials.repository.ts";
import type { IssuedType } from "./issued-credentials.ts";
import { createIndexReservations } from "./status-index-reservations.ts";
import { claimStatusIndexes, listClaimedIndexes } from "./status-indexes.repository.ts";

/** One credential to issue. */
export interface IssueRequest {
  recipient: string; // normalised e-mail or identifier
  recipientType: string; // OB 3.0 identityType: "emailAddress", "ext:eduPersonPrincipalName"…
  name?: string | null;
  evidenceUrl?: string | null;
  narrative?: string | null;
  result?: string | null;
  awardItemId?: string | null;
}

/** Partners' endorsements, as far as issuing is concerned (federation; injected by the composition root). */
export interface IssuingEndorsements {
  /** Verified, not withdrawn EndorsementCredentials of partners a new credential of the template embeds (none unless switched on; may be cached). */
  embeddable(achievementId: string): Promise<object[]>;
  /** Those of its endorsements that were withdrawn (their bit is set). */
  withdrawnIndexes(issuerId: string): Promise<number[]>;
}

/** Signs unsigned credentials with one key, in order (the worker pool or the main thread). */
export type BatchSigner = (docs: object[], key: SigningKey) => Promise<object[]>;

export interface CredentialsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  urls: NodeUrls;
  statusLists: StatusListsService;
  signingKey: (issuer: IssuerRow) => Promise<SigningKey>;
  sign: BatchSigner;
  profile: (issuer: IssuerRow) => ProfileFacts;
  endorsements?: IssuingEndorsements;
}

export type StatusChangeError = "not-found" | "not-allowed";

// A level achieved from a ladder template: the result points at the rubric level it requires.
function resultFor(a: Achievement, raw: string | null | undefined) {
  const rd = a.content.resultDescription?.[0];
  if (!rd) return raw ? { value: raw } : null;
  const wanted = raw?.trim().toLowerCase();
  const level = rd.rubricCriterionLevel?.find((l) => wanted && (l.name.toLowerCase() === wanted || l.id.toLowerCase().endsWith(wanted)))
    ?? rd.rubricCriterionLevel?.find((l) => l.id === rd.requiredLevel);
  return level ? { resultDescription: rd.id, achievedLevel: level.id } : raw ? { value: raw } : null;
}

/** Issued credentials: build, sign, store (idempotently), and their status (revoke, suspend). */
export function createCredentialsService(deps: CredentialsDeps) {
  const { db, clock, audit, urls } = deps;
  const reservations = createIndexReservations();

  async function prepare(issuer: IssuerRow, a: Achievement, r: IssueRequest, now: string, used: Set<number>, endorsements: object[]) {
    const salt = randomBytes(16).toString("hex");
    const id = newId();
    const statusIndex = pickStatusIndex(used);
    const validUntil = a.content.validForDays ? new Date(Date.parse(now) + a.content.validForDays * 86_400_000).toISOString() : null;
    const hash = identityHash(r.recipient, salt);
    const doc = buildOpenBadgeCredential(urls, {
      id, issuer: deps.profile(issuer), statusIndex, validFrom: now, validUntil, awardedDate: now,
      achievement: buildAchievement(urls, { id: a.row.id, version: a.version, content: a.content, issuer: deps.profile(issuer) }),
      recipient: { identityType: r.recipientType, identityHash: hash, salt },
      result: resultFor(a, r.result), evidence: { id: r.evidenceUrl, narrative: r.narrative && r.evidenceUrl ? r.narrative : null },
      narrative: r.evidenceUrl ? null : r.narrative, achievementEndorsements: endorsements,
    });
    const row = {
      id, issuer_id: issuer.id, achievement_id: a.row.id, achievement_version: a.version, award_item_id: r.awardItemId ?? null,
      recipient: r.recipient, recipient_type: r.recipientType, recipient_name: r.name ?? null, identity_hash: hash, salt,
      result: r.result ?? null, status: "active", status_reason: null, status_changed_at: null, status_index: statusIndex,
      valid_from: now, valid_until: validUntil, created_at: now,
    };
    return { doc, row };
  }

  /** Issues credentials for one template; a request whose award line was already issued is skipped. */
  async function issueMany(actor: Actor, issuer: IssuerRow, a: Achievement, requests: IssueRequest[]): Promise<CredentialRow[]> {
    // Two workers issuing for one issuer may draw the same random status index, or race on an
    // award line: the unique constraints catch it and the batch is simply prepared again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await issueOnce(actor, issuer, a, requests);
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 4) throw e;
      }
    }
  }

  async function issueOnce(actor: Actor, issuer: IssuerRow, a: Achievement, requests: IssueRequest[]): Promise<CredentialRow[]> {
    const issued = await repo.listIssuedItems(db, requests.flatMap((r) => (r.awardItemId ? [r.awardItemId] : [])));
    const fresh = requests.filter((r) => !r.awardItemId || !issued.has(r.awardItemId));
    if (fresh.length === 0) return [];
    const now = isoNow(clock);
    const drawnBeside = reservations.reserved(issuer.id); // by a batch beside this one, maybe stored during the read
    // Every stored credential and given endorsement claims its index there (migration 0064 backfilled older ones).
    const used = new Set(await listClaimedIndexes(db, issuer.id));
    const endorsements = (await deps.endorsements?.embeddable(a.row.id)) ?? [];
    for (const index of [...drawnBeside, ...reservations.reserved(issuer.id)]) used.add(index);
    const prepared = [];
    for (const r of fresh) prepared.push(await prepare(issuer, a, r, now, used, endorsements));
    const release = reservations.reserve(issuer.id, prepared.map((p) => p.row.status_index));
    if (!release) return issueOnce(actor, issuer, a, requests); // drawn meanwhile by that batch: draw again, before signing
    try {
      const signed = await deps.sign(prepared.map((p) => p.doc), await deps.signingKey(issuer));
      const rows = prepared.map((p, i) => ({ ...p.row, document: JSON.stringify(signed[i]) }));
      await db.transaction().execute(async (tx) => {
        // An endorsement of the issuer may have claimed one of these indexes meanwhile: the batch is then prepared again.
        await claimStatusIndexes(tx, issuer.id, "credential", rows.map((r) => ({ index: r.status_index, objectId: r.id })));
        await repo.insertCredentials(tx, rows);
        await audit.record(actor, { action: "credential.issue", objectType: "achievement", objectId: a.row.id, issuerId: issuer.id, details: { count: rows.length, ids: rows.slice(0, 20).map((r) => r.id) } }, tx);
      });
      return rows;
    } finally {
      release();
    }
  }

  async function changeStatus(actor: Actor, id: string, from: string[], to: string, reason: string | null, action: string): Promise<Result<CredentialRow, StatusChangeError>> {
    const row = await repo.findCredential(db, id);
    if (!row) return err("not-found");
    const changed = await db.transaction().execute(async (tx) => {
      if (!(await repo.updateCredentialStatus(tx, id, from, to, reason, isoNow(clock)))) return false;
      // A credential leaving suspension (revoked or reinstated) changes the suspension list too.
      if (to === "revoked" || row.status === "revoked") await deps.statusLists.markChanged(row.issuer_id, "revocation", tx);
      if (to === "suspended" || row.status === "suspended") await deps.statusLists.markChanged(row.issuer_id, "suspension", tx);
      await audit.record(actor, { action, objectType: "credential", objectId: id, issuerId: row.issuer_id, details: reason ? { reason } : undefined }, tx);
      return true;
    });
    return changed ? ok((await repo.findCredential(db, id))!) : err("not-allowed");
  }

  return {
    issueMany,
    find: (id: string) => repo.findCredential(db, id),
    /** The `recipientKey`s (type and value) of those among some recipients who hold a template. */
    holders: (achievementId: string, recipients: TypedRecipient[]) => repo.listHolders(db, achievementId, recipients),
    countHolders: (achievementIds: string[]) => repo.countHolders(db, achievementIds),
    heldAmong: (recipient: TypedRecipient, achievementIds: string[]) => repo.listHeldCredentials(db, recipient, achievementIds),
    /** Credentials issued to some recipients, matched on identity type and value. */
    ofRecipients: (recipients: TypedRecipient[]) => repo.listCredentialsOfRecipient(db, recipients),
    /** The staff list of a template's credentials: recipient type, contact address; one type or all (newest first). */
    issuedList: (achievementId: string, type: IssuedType | null, limit = 500) => listIssuedCredentials(db, achievementId, type, limit),
    /** Revoked and suspended credentials of an issuer, with their reasons (OB 2.0 revocation list). */
    withdrawn: (issuerId: string) => repo.listCredentialsInStatus(db, issuerId, ["revoked", "suspended"]),
    /** GDPR erasure: the credentials stay issued and verifiable, the learner's address and name go. */
    forgetRecipients: (recipients: TypedRecipient[]) => repo.forgetRecipients(db, recipients),
    /** Issuing figures for dashboards. */
    stats: (issuerIds: string[], since: string) => repo.credentialStats(db, issuerIds, since),
    /** Status-list bits: revoked (or suspended) credentials, and on the revocation list the issuer's withdrawn endorsements. */
    async statusIndexes(issuerId: string, purpose: "revocation" | "suspension"): Promise<number[]> {
      const own = await repo.listStatusIndexes(db, issuerId, purpose === "revocation" ? "revoked" : "suspended");
      return purpose === "revocation" && deps.endorsements ? [...own, ...(await deps.endorsements.withdrawnIndexes(issuerId))] : own;
    },
    /** Every status-list index the issuer's credentials and endorsements claim, or batches being signed hold. */
    async usedStatusIndexes(issuerId: string): Promise<Set<number>> {
      const reserved = reservations.reserved(issuerId); // read first: a batch may be stored, and release them, meanwhile
      return new Set([...reserved, ...(await listClaimedIndexes(db, issuerId)), ...reservations.reserved(issuerId)]);
    },
    /** Claims an index of the issuer's revocation list for an endorsement, in its transaction (unique violation when taken). */
    claimEndorsementIndex: (tx: Db, issuerId: string, index: number, endorsementId: string) => claimStatusIndexes(tx, issuerId, "endorsement", [{ index, objectId: endorsementId }]),

    /** Revokes for good, with a reason shown to verifiers and the learner. */
    revoke: (actor: Actor, id: string, reason: string) => changeStatus(actor, id, ["active", "suspended"], "revoked", reason, "credential.revoke"),
    /** Suspends (reversible). */
    suspend: (actor: Actor, id: string, reason: string) => changeStatus(actor, id, ["active"], "suspended", reason, "credential.suspend"),
    /** Lifts a suspension. */
    unsuspend: (actor: Actor, id: string) => changeStatus(actor, id, ["suspended"], "active", null, "credential.unsuspend"),
  };
}

export type CredentialsService = ReturnType<typeof createCredentialsService>;
