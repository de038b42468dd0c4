import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import type { Actor, AuditService } from "../audit/audit.service.ts";
import type { Db, IssuerKeyRow, IssuerRow } from "../db/database.ts";
import type { SigningKey } from "../credentials/signing.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { open, seal } from "../shared/secret-box.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./keys.repository.ts";

const PURPOSE = "issuer-signing-key";

export interface KeysDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  secret: string;
  urls: NodeUrls;
}

/** Issuers' Ed25519 signing keys: generated on creation, encrypted at rest, rotated, never deleted. */
export function createKeysService(deps: KeysDeps) {
  const { db, clock, urls } = deps;
  // Decrypted keys stay in memory: signing a 10 000-line award must not decrypt 10 000 times.
  const cache = new Map<string, SigningKey>();

  async function generate(issuerId: string, tx: Db): Promise<IssuerKeyRow> {
    const existing = await repo.listIssuerKeys(tx, issuerId);
    const kid = String(existing.reduce((max, k) => Math.max(max, Number(k.kid) || 0), 0) + 1);
    const pair = await Ed25519Multikey.generate();
    const exported = await pair.export({ publicKey: true, secretKey: true });
    const row: IssuerKeyRow = {
      id: newId(), issuer_id: issuerId, kid, public_key_multibase: exported.publicKeyMultibase,
      secret_encrypted: seal(deps.secret, PURPOSE, exported.secretKeyMultibase), created_at: isoNow(clock),
      retired_at: null, revoked_at: null, revocation_reason: null,
    };
    await repo.insertIssuerKey(tx, row);
    return row;
  }

  function toSigningKey(issuer: IssuerRow, row: IssuerKeyRow): SigningKey {
    return {
      id: urls.issuerKey(issuer.slug, row.kid), controller: urls.issuer(issuer.slug),
      publicKeyMultibase: row.public_key_multibase, secretKeyMultibase: open(deps.secret, PURPOSE, row.secret_encrypted),
    };
  }

  return {
    /** Creates the first key of an issuer if it has none (called when an issuer is created). */
    async ensureKey(issuerId: string, tx: Db = db): Promise<void> {
      if (!(await repo.findActiveIssuerKey(tx, issuerId))) await generate(issuerId, tx);
    },

    /** The key that signs now (created on demand for issuers made before keys existed). */
    async signingKey(issuer: IssuerRow): Promise<SigningKey> {
      let row = await repo.findActiveIssuerKey(db, issuer.id);
      if (!row) row = await db.transaction().execute((tx) => generate(issuer.id, tx));
      const cached = cache.get(row.id);
      if (cached) return cached;
      const key = toSigningKey(issuer, row);
      cache.set(row.id, key);
      return key;
    },

    /** Every published key of an issuer (old ones keep old badges verifiable). */
    list: (issuerId: string) => repo.listIssuerKeys(db, issuerId),
    find: (issuerId: string, kid: string) => repo.findIssuerKey(db, issuerId, kid),

    /** Rotation: a new key signs from now on; the old ones stay published. */
    async rotate(actor: Actor, issuer: IssuerRow): Promise<IssuerKeyRow> {
      return db.transaction().execute(async (tx) => {
        await repo.retireIssuerKeys(tx, issuer.id, isoNow(clock));
        const row = await generate(issuer.id, tx);
        await deps.audit.record(actor, { action: "key.rotate", objectType: "issuer_key", objectId: row.id, issuerId: issuer.id, details: { kid: row.kid } }, tx);
        return row;
      });
    },

    /** Compromise: the key is published as revoked, so what it signed stops verifying; a new key takes over. */
    async revoke(actor: Actor, issuer: IssuerRow, kid: string, reason: string): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        if (!(await repo.revokeIssuerKey(tx, issuer.id, kid, isoNow(clock), reason))) return false;
        if (!(await repo.findActiveIssuerKey(tx, issuer.id))) await generate(issuer.id, tx);
        await deps.audit.record(actor, { action: "key.revoke", objectType: "issuer_key", objectId: kid, issuerId: issuer.id, details: { reason } }, tx);
        cache.clear();
        return true;
      });
    },
  };
}

export type KeysService = ReturnType<typeof createKeysService>;
