import type { Selectable } from "kysely";

// The federation tables (migrations/2026-11-28-0030-federation.ts), merged into `Database`.

export interface FedifyKvTable {
  key: string; // JSON of Fedify's key tuple
  value: string; // JSON
  expires_at: string | null;
}

export interface ActorKeysTable {
  id: string;
  owner: string; // issuer id, or "_node"
  algorithm: string; // "RSASSA-PKCS1-v1_5" | "Ed25519"
  public_jwk: string;
  private_jwk_sealed: string; // seal(secret, "actor-key", jwk)
  created_at: string;
}

export interface FederationSettingsTable {
  issuer_id: string;
  accept_policy: string; // "auto" | "manual"
  updated_at: string;
}

export interface FederationFollowsTable {
  id: string;
  issuer_id: string;
  direction: string; // "following" | "follower"
  actor_id: string;
  state: string; // "pending" | "accepted"
  activity_id: string;
  created_at: string;
  updated_at: string;
}

export interface RemoteActorsTable {
  id: string;
  domain: string;
  handle: string;
  name: string;
  type: string;
  inbox: string;
  shared_inbox: string | null;
  url: string | null;
  summary: string | null;
  fetched_at: string;
}

export interface RemoteTemplatesTable {
  id: string;
  ap_id: string;
  ob_id: string;
  actor_id: string;
  creator_id: string;
  related: string; // JSON string[]
  name: string;
  description: string;
  search_text: string;
  achievement_type: string;
  language: string;
  tags: string; // "\ttag\ttag\t"
  image_url: string | null;
  version: number;
  ob_json: string;
  status: string; // "published" | "archived"
  received_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface RemoteFrameworksTable {
  id: string;
  ap_id: string;
  package_url: string;
  actor_id: string;
  name: string;
  description: string;
  source_url: string | null;
  competencies: number;
  tree_json: string; // JSON: FrameworkDraft
  case_json: string;
  changed_at: string;
  status: string; // "published" | "archived"
  received_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface BlockedDomainsTable {
  issuer_id: string;
  domain: string;
  created_by: string | null;
  created_at: string;
}

export interface FederationActivitiesTable {
  id: string;
  actor_id: string;
  type: string;
  outcome: string;
  received_at: string;
}

export interface TemplateReusesTable {
  achievement_id: string;
  actor_id: string;
  activity_id: string;
  received_at: string;
}

export interface EndorsementsTable {
  id: string;
  direction: string; // "given" | "received"
  issuer_id: string | null;
  actor_id: string;
  achievement_id: string | null;
  subject_id: string;
  ap_id: string;
  comment: string;
  vc_json: string;
  created_at: string;
  status_index: number | null; // "given": the entry in our issuer's revocation list (migration 2026-11-29-0060)
  withdrawn_at: string | null;
}

export interface EndorsementSettingsTable {
  achievement_id: string;
  embed: number; // 1: newly issued credentials embed the template's endorsements
  updated_at: string;
}

/** The federation part of the schema. */
export interface FederationTables {
  fedify_kv: FedifyKvTable;
  actor_keys: ActorKeysTable;
  federation_settings: FederationSettingsTable;
  federation_follows: FederationFollowsTable;
  remote_actors: RemoteActorsTable;
  remote_templates: RemoteTemplatesTable;
  remote_frameworks: RemoteFrameworksTable;
  blocked_domains: BlockedDomainsTable;
  federation_activities: FederationActivitiesTable;
  template_reuses: TemplateReusesTable;
  endorsements: EndorsementsTable;
  endorsement_settings: EndorsementSettingsTable;
}

export type EndorsementRow = Selectable<EndorsementsTable>;

export type ActorKeyRow = Selectable<ActorKeysTable>;
export type FollowRow = Selectable<FederationFollowsTable>;
export type RemoteActorRow = Selectable<RemoteActorsTable>;
export type RemoteTemplateRow = Selectable<RemoteTemplatesTable>;
export type RemoteFrameworkRow = Selectable<RemoteFrameworksTable>;
export type BlockedDomainRow = Selectable<BlockedDomainsTable>;
