import type { Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";
import type { FederationTables } from "../federation/federation.tables.ts";
import type { BackpackTables } from "../backpack/backpack.tables.ts";
import type { SsoTables } from "../sso/sso.tables.ts";
import type { StatusIndexTables } from "../awards/status-indexes.tables.ts";

// One schema for SQLite and PostgreSQL: ids are text (UUIDs), timestamps are ISO-8601 UTC text
// (sortable, identical on both), booleans are integers 0/1, JSON is text.

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  password_hash: string | null;
  locale: string | null;
  is_node_admin: number;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string; // sha256 of the cookie value
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginTokensTable {
  id: string; // sha256 of the token
  user_id: string;
  purpose: string; // "setup" | "reset" | "magic"
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LoginAttemptsTable {
  id: string;
  email: string;
  ip: string | null;
  succeeded: number;
  at: string;
}

export interface IssuersTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  website: string | null;
  email: string | null;
  logo_url: string | null;
  parent_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface MembershipsTable {
  issuer_id: string;
  user_id: string;
  role: string;
  created_at: string;
  created_by: string | null;
}

export interface InvitationsTable {
  id: string;
  token_hash: string;
  issuer_id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  issuer_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string; // space-separated
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface JobsTable {
  id: string;
  queue: string;
  payload: string;
  status: string; // "pending" | "running" | "done" | "failed"
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  result: string | null;
  dedupe_key: string | null;
  progress_done: number;
  progress_total: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  object_type: string;
  object_id: string | null;
  issuer_id: string | null;
  ip: string | null;
  details: string | null;
}

export interface NodeSettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ImagesTable {
  id: string;
  issuer_id: string;
  sha256: string;
  media_type: string; // "image/png" | "image/svg+xml"
  original: Uint8Array;
  png: Uint8Array;
  width: number;
  height: number;
  design: string | null; // designer settings (JSON) when made with the designer
  created_at: string;
}

export interface FrameworksTable {
  id: string;
  issuer_id: string;
  name: string;
  description: string;
  source_url: string | null;
  source_kind: string; // "csv" | "case" | "manual"
  case_uri: string | null;
  case_identifier: string | null; // CASE CFDocument identifier when imported from CASE
  levels: string; // JSON: LevelDef[]
  created_by: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null; // archived: partners were sent a Delete
}

export interface FrameworkItemsTable {
  id: string;
  framework_id: string;
  parent_id: string | null; // null: competency; else sub-competency (criterion)
  code: string;
  name: string;
  short_name: string | null;
  position: number;
  case_uri: string | null;
  case_identifier: string | null; // CASE CFItem identifier when imported from CASE
}

export interface FrameworkCellsTable {
  id: string;
  framework_id: string;
  item_id: string;
  level_code: string;
  descriptor: string;
  situations: string; // JSON: string[]
}

export interface FrameworkImportsTable {
  id: string;
  issuer_id: string;
  kind: string; // "csv" | "case"
  payload: string; // JSON: the parsed framework, ready to store
  report: string; // JSON: rows and their errors, for the preview
  created_by: string | null;
  created_at: string;
  confirmed_at: string | null;
  framework_id: string | null;
}

export interface AchievementsTable {
  id: string;
  issuer_id: string;
  status: string; // "draft" | "published" | "archived"
  version: number; // current version
  name: string;
  search_text: string; // lower-cased name, description, tags, both editions
  achievement_type: string;
  language: string;
  edition_language: string | null; // the language of the edition beside the main one, if any
  framework_id: string | null;
  competency_id: string | null;
  level_code: string | null;
  level_rank: number | null;
  image_id: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  archived_at: string | null;
}

export interface AchievementVersionsTable {
  achievement_id: string;
  version: number;
  content: string; // JSON: AchievementContent
  created_by: string | null;
  created_at: string;
  published_at: string | null;
}

export interface AchievementTagsTable {
  achievement_id: string;
  tag: string;
}

export interface AchievementPrerequisitesTable {
  achievement_id: string;
  requires_id: string;
}

export interface IssuerKeysTable {
  id: string;
  issuer_id: string;
  kid: string; // last path segment of the key URL /issuers/{slug}/keys/{kid}
  public_key_multibase: string;
  secret_encrypted: string; // AES-256-GCM under a key derived from the node secret
  created_at: string;
  retired_at: string | null; // no longer signs; still published so old badges verify
  revoked_at: string | null; // compromised
  revocation_reason: string | null;
}

export interface AwardListsTable {
  id: string;
  issuer_id: string;
  achievement_id: string;
  status: string; // "draft" | "submitted" | "returned" | "approved" | "issuing" | "issued" | "failed"
  source: string; // "single" | "paste" | "csv" | "api"
  notify: number;
  idempotency_key: string | null;
  created_by: string | null;
  created_label: string;
  submitted_at: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  review_comment: string | null;
  job_id: string | null;
  total: number;
  valid: number;
  issued: number;
  created_at: string;
  updated_at: string;
  source_detail: string | null; // JSON: { encoding, delimiter } of a CSV list
}

export interface AwardItemsTable {
  id: string;
  list_id: string;
  row_number: number;
  recipient: string; // normalised e-mail, or a federation identifier
  recipient_type: string; // "emailAddress" | "ext:eduPersonPrincipalName" …
  contact_email: string | null; // where the award e-mail goes when the recipient is an eppn
  name: string | null;
  evidence_url: string | null;
  narrative: string | null;
  result: string | null;
  status: string; // "valid" | "error" | "issued" | "skipped"
  errors: string | null; // JSON: message keys
  override_reason: string | null;
  credential_id: string | null;
}

export interface AchievementAwardSettingsTable {
  achievement_id: string;
  jury_required: number; // 0: "no jury", submitting approves at once
  mail_subject: string | null; // award notification, customised per template
  mail_message: string | null;
  updated_at: string | null;
}

export interface CredentialsTable {
  id: string;
  issuer_id: string;
  achievement_id: string;
  achievement_version: number;
  award_item_id: string | null; // unique: one credential per award line, ever
  recipient: string | null; // null once the learner erased their data
  recipient_type: string;
  recipient_name: string | null;
  identity_hash: string;
  salt: string;
  result: string | null;
  document: string; // the signed JSON, as issued
  status: string; // "active" | "revoked" | "suspended"
  status_reason: string | null;
  status_changed_at: string | null;
  status_index: number;
  valid_from: string;
  valid_until: string | null;
  created_at: string;
}

export interface StatusListsTable {
  id: string;
  issuer_id: string;
  purpose: string; // "revocation" | "suspension"
  document: string | null; // the signed BitstringStatusListCredential
  etag: string | null;
  dirty: number;
  updated_at: string;
}

/** The whole schema, as the migrations in migrations/ build it (federation tables in their own file). */
export interface Database extends FederationTables, SsoTables, BackpackTables, StatusIndexTables {
  issuer_keys: IssuerKeysTable;
  award_lists: AwardListsTable;
  award_items: AwardItemsTable;
  achievement_award_settings: AchievementAwardSettingsTable;
  credentials: CredentialsTable;
  status_lists: StatusListsTable;
  images: ImagesTable;
  frameworks: FrameworksTable;
  framework_items: FrameworkItemsTable;
  framework_cells: FrameworkCellsTable;
  framework_imports: FrameworkImportsTable;
  achievements: AchievementsTable;
  achievement_versions: AchievementVersionsTable;
  achievement_tags: AchievementTagsTable;
  achievement_prerequisites: AchievementPrerequisitesTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_tokens: LoginTokensTable;
  login_attempts: LoginAttemptsTable;
  issuers: IssuersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  api_tokens: ApiTokensTable;
  jobs: JobsTable;
  audit_events: AuditEventsTable;
  node_settings: NodeSettingsTable;
}

/** A database handle or an open transaction: repositories accept both. */
export type Db = Kysely<Database> | Transaction<Database>;

export type UserRow = Selectable<UsersTable>;
export type IssuerRow = Selectable<IssuersTable>;
export type NewIssuerRow = Insertable<IssuersTable>;
export type IssuerUpdate = Updateable<IssuersTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type JobRow = Selectable<JobsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type ImageRow = Selectable<ImagesTable>;
export type FrameworkRow = Selectable<FrameworksTable>;
export type FrameworkItemRow = Selectable<FrameworkItemsTable>;
export type FrameworkCellRow = Selectable<FrameworkCellsTable>;
export type FrameworkImportRow = Selectable<FrameworkImportsTable>;
export type AchievementRow = Selectable<AchievementsTable>;
export type AchievementVersionRow = Selectable<AchievementVersionsTable>;
export type IssuerKeyRow = Selectable<IssuerKeysTable>;
export type AwardListRow = Selectable<AwardListsTable>;
export type AwardItemRow = Selectable<AwardItemsTable>;
export type AchievementAwardSettingsRow = Selectable<AchievementAwardSettingsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type StatusListRow = Selectable<StatusListsTable>;
