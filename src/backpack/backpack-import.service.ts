import { createHash } from "node:crypto";
import type { Db, UserRow } from "../db/database.ts";
import { isoNow, type Clock } from "../shared/clock.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { newId } from "../shared/tokens.ts";
import type { Message, VerificationReport, VerifyInput } from "../verification/verification.service.ts";
import * as repo from "./backpack.repository.ts";
import type { BackpackEntryRow } from "./backpack.tables.ts";

/** The verifier as the backpack uses it (services.verification and its recipient check, wired in app.ts). */
export interface BadgeVerifier {
  verify(input: VerifyInput): Promise<VerificationReport>;
  /** "match": issued to one of these addresses; "no-match": it names other addresses; "unknown": it names none. */
  recipient(credential: Record<string, any>, emails: string[]): "match" | "no-match" | "unknown";
}

/** Where an imported badge came from, as the learner gave it. */
export type ImportInput = { json: string } | { bytes: Uint8Array; filename: string } | { url: string };

/** Why a badge was not imported (nothing is stored then). */
export type ImportError =
  | { code: "too-large"; maxBytes: number }
  | { code: "empty" }
  | { code: "not-verified"; verdict: string; reasons: Message[] }
  | { code: "other-recipient" }
  | { code: "own-node" };

export interface BackpackImportDeps {
  db: Db;
  clock: Clock;
  verifier: BadgeVerifier;
  /** The account's addresses badges may be issued to (account e-mail and verified ones). */
  emailsOf: (user: UserRow) => Promise<string[]>;
  origin: string;
  maxBytes: number;
}

// A data: image bigger than this is not kept (an entry row is not an image store).
const MAX_DATA_IMAGE = 256 * 1024;

function sizeOf(input: ImportInput): number {
  if ("json" in input) return Buffer.byteLength(input.json, "utf8");
  if ("bytes" in input) return input.bytes.length;
  return input.url.length;
}

function isEmpty(input: ImportInput): boolean {
  return "json" in input ? !input.json.trim() : "bytes" in input ? input.bytes.length === 0 : !input.url.trim();
}

function sourceOf(input: ImportInput): string {
  if ("url" in input) return `url:${input.url.trim()}`;
  return "bytes" in input ? `file:${input.filename.slice(0, 200)}` : "json";
}

// The credential's own id when it has one, else a digest of the document: the same badge gets the same key.
function keyOf(report: VerificationReport): string {
  const id = report.summary.credentialId;
  if (id) return `${report.kind}:${id}`;
  return `${report.kind}:sha256:${createHash("sha256").update(JSON.stringify(report.credential ?? {})).digest("hex")}`;
}

function imageOf(report: VerificationReport): string | null {
  const image = report.summary.image;
  if (!image) return null;
  return image.startsWith("data:") && image.length > MAX_DATA_IMAGE ? null : image;
}

/** The imported badge as a file that verifies on its own: the VC-JWT as received, else the signed JSON. */
export function importedFile(entry: BackpackEntryRow): { text: string; extension: "jwt" | "json"; contentType: string } {
  if (entry.external_jwt) return { text: entry.external_jwt, extension: "jwt", contentType: "application/vc+jwt" };
  return { text: entry.external_document ?? "{}", extension: "json", contentType: "application/json; charset=utf-8" };
}

// A credential page and its JSON are public: a badge that names none of the importer's identifiers
// (an eppn they cannot prove, a DID, no identity) proves nothing about them. It may be kept, never shown.
/** An imported badge not shown to anyone but its holder (not public, not on a public page). */
export function privateOnly(entry: BackpackEntryRow): boolean {
  return entry.credential_id === null && entry.external_recipient !== "match";
}

/** Badges from elsewhere in the backpack: verified first, then kept as external entries. */
export function createBackpackImport(deps: BackpackImportDeps) {
  const { db, clock } = deps;

  return {
    maxImportBytes: deps.maxBytes,

    /** Verifies a badge and adds it to the backpack; importing the same badge again returns the entry already there. */
    async importBadge(user: UserRow, input: ImportInput): Promise<Result<{ entry: BackpackEntryRow; created: boolean }, ImportError>> {
      if (isEmpty(input)) return err({ code: "empty" });
      if (sizeOf(input) > deps.maxBytes) return err({ code: "too-large", maxBytes: deps.maxBytes });
      const report = await deps.verifier.verify("json" in input ? { text: input.json } : input);
      if (!report.verified || !report.credential || report.kind === "unknown") {
        const reasons = report.checks.filter((c) => c.status === "fail").map((c) => c.message);
        return err({ code: "not-verified", verdict: report.summary.verdict, reasons });
      }
      // This node's own credentials come into the backpack by the address they were issued to.
      if (report.summary.credentialId?.startsWith(`${deps.origin}/`)) return err({ code: "own-node" });
      const recipient = deps.verifier.recipient(report.credential, await deps.emailsOf(user));
      if (recipient === "no-match") return err({ code: "other-recipient" });
      const key = keyOf(report);
      const existing = await repo.findExternalEntry(db, user.id, key);
      if (existing) return ok({ entry: existing, created: false });
      const now = isoNow(clock);
      const s = report.summary;
      await repo.insertExternalEntry(db, {
        id: newId(), user_id: user.id, credential_id: null, external_document: JSON.stringify(report.credential), external_jwt: report.jws ?? null, external_source: sourceOf(input),
        external_key: key, external_kind: report.kind, external_name: s.name ?? null, external_issuer: s.issuerName ?? null,
        external_image: imageOf(report), external_issued_on: s.validFrom ?? null, external_recipient: recipient,
        status: "accepted", visibility: "private", show_name: 0, created_at: now, updated_at: now,
      });
      const stored = (await repo.findExternalEntry(db, user.id, key))!;
      return ok({ entry: stored, created: true });
    },

    /** Removes an imported badge (from the pages too); false when it is not one of this learner's imports. */
    removeExternal: (user: UserRow, entryId: string) => repo.deleteExternalEntry(db, user.id, entryId),

    /** An imported badge, for its owner, or for anyone once it is accepted and public (and may be). */
    async external(entryId: string, viewer: UserRow | null): Promise<BackpackEntryRow | null> {
      const entry = await repo.findEntryById(db, entryId);
      if (!entry || entry.credential_id !== null || !entry.external_document) return null;
      const mine = viewer?.id === entry.user_id;
      return mine || (entry.status === "accepted" && entry.visibility === "public" && !privateOnly(entry)) ? entry : null;
    },
  };
}

export type BackpackImport = ReturnType<typeof createBackpackImport>;
