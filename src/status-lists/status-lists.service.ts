import { createHash } from "node:crypto";
import type { Db, IssuerRow } from "../db/database.ts";
import { encodeStatusList } from "../credentials/bitstring.ts";
import type { DocumentLoader } from "../credentials/document-loader.ts";
import type { SigningKey } from "../credentials/signing.ts";
import { signCredential } from "../credentials/signing.ts";
import { buildStatusListCredential } from "../credentials/status-list-credential.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { newId } from "../shared/tokens.ts";
import * as repo from "./status-lists.repository.ts";

export const STATUS_PURPOSES = ["revocation", "suspension"] as const;
export type StatusPurpose = (typeof STATUS_PURPOSES)[number];

export interface StatusListsDeps {
  db: Db;
  clock: Clock;
  urls: NodeUrls;
  documentLoader: DocumentLoader;
  signingKey: (issuer: IssuerRow) => Promise<SigningKey>;
  /** Indexes whose bit is set for a purpose (revoked, or currently suspended, credentials). */
  setIndexes: (issuerId: string, purpose: StatusPurpose) => Promise<number[]>;
  ttlMs?: number;
}

/** One signed BitstringStatusListCredential per issuer and purpose, re-signed when a status changes. */
export function createStatusListsService(deps: StatusListsDeps) {
  const { db, clock } = deps;
  const ttlMs = deps.ttlMs ?? 300_000;
  const building = new Map<string, Promise<{ document: string; etag: string }>>();

  async function rebuild(issuer: IssuerRow, purpose: StatusPurpose): Promise<{ document: string; etag: string }> {
    const now = isoNow(clock);
    await repo.ensureStatusList(db, { id: newId(), issuer_id: issuer.id, purpose, document: null, etag: null, dirty: 1, updated_at: now });
    const row = (await repo.findStatusList(db, issuer.id, purpose))!;
    if (!row.dirty && row.document && row.etag) return { document: row.document, etag: row.etag };
    const unsigned = buildStatusListCredential(deps.urls, { slug: issuer.slug, purpose, encodedList: encodeStatusList(await deps.setIndexes(issuer.id, purpose)), validFrom: now, ttlMs });
    const signed = await signCredential(unsigned, await deps.signingKey(issuer), { documentLoader: deps.documentLoader });
    const document = JSON.stringify(signed);
    const etag = `"${createHash("sha256").update(document).digest("base64url").slice(0, 32)}"`;
    await repo.saveStatusListDocument(db, row.id, document, etag, row.updated_at, isoNow(clock));
    return { document, etag };
  }

  return {
    ttlMs,
    /** Marks a list to be re-signed at its next read (inside the caller's transaction). */
    async markChanged(issuerId: string, purpose: StatusPurpose, tx: Db = db): Promise<void> {
      const now = isoNow(clock);
      await repo.ensureStatusList(tx, { id: newId(), issuer_id: issuerId, purpose, document: null, etag: null, dirty: 1, updated_at: now });
      await repo.markStatusListDirty(tx, issuerId, purpose, now);
    },

    /** The current signed list (built once per change, whatever the number of concurrent readers). */
    async current(issuer: IssuerRow, purpose: StatusPurpose): Promise<{ document: string; etag: string }> {
      const key = `${issuer.id}:${purpose}`;
      const pending = building.get(key);
      if (pending) return pending;
      const p = rebuild(issuer, purpose).finally(() => building.delete(key));
      building.set(key, p);
      return p;
    },
  };
}

export type StatusListsService = ReturnType<typeof createStatusListsService>;
