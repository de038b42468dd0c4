// Tables of single sign-on (migrations/2026-11-28-0040-sso.ts); merged into Database in db/database.ts.

export interface UserIdentitiesTable {
  id: string;
  user_id: string;
  provider: string; // "saml:<IdP entityID>" | "oidc:<provider id>"
  subject: string;
  subject_type: string; // "eppn" | "subject-id" | "pairwise-id" | "sub"
  eppn: string | null;
  email: string | null;
  email_verified: number;
  affiliation: string | null; // space-separated
  home_org: string | null;
  created_at: string;
  last_login_at: string;
}

export interface UserEmailsTable {
  email: string;
  user_id: string;
  verified_at: string | null;
  source: string;
  created_at: string;
}

export interface SamlRequestsTable {
  id: string;
  idp_entity_id: string;
  next: string | null;
  created_at: string;
  used_at: string | null;
}

export interface SsoTables {
  user_identities: UserIdentitiesTable;
  user_emails: UserEmailsTable;
  saml_requests: SamlRequestsTable;
}
