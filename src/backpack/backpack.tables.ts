import type { Selectable } from "kysely";

export interface BackpackEntriesTable {
  id: string;
  user_id: string;
  credential_id: string | null; // a credential of this node
  external_document: string | null; // a verified badge imported from elsewhere (JSON)
  external_jwt: string | null; // the compact VC-JWT as received, when it came as one: what downloads give back
  external_source: string | null; // where it came from: "url:<address>", "file:<name>" or "json"
  external_key: string | null; // the credential's id (or a hash of it): one entry per imported badge
  external_kind: string | null; // "ob3" | "ob2"
  external_name: string | null;
  external_issuer: string | null;
  external_image: string | null; // an https: or data: image URL, as the badge gives it
  external_issued_on: string | null;
  external_recipient: string | null; // "match": issued to one of the holder's addresses; "unknown": the badge names no address
  status: string; // "pending" | "accepted" | "declined"
  visibility: string; // "private" | "public"
  show_name: number; // the holder's name may appear on the public badge page
  created_at: string;
  updated_at: string;
}

export interface LearnerPagesTable {
  id: string;
  user_id: string;
  title: string;
  intro: string;
  published: number;
  created_at: string;
  updated_at: string;
}

export interface LearnerPageEntriesTable {
  page_id: string;
  entry_id: string;
  position: number;
}

/** The backpack's tables (migrations/2026-11-28-0050-backpack.ts, 2026-11-29-0062, 0065). */
export interface BackpackTables {
  backpack_entries: BackpackEntriesTable;
  learner_pages: LearnerPagesTable;
  learner_page_entries: LearnerPageEntriesTable;
}

export type BackpackEntryRow = Selectable<BackpackEntriesTable>;
export type LearnerPageRow = Selectable<LearnerPagesTable>;
