import type { CredentialRow, IssuerRow } from "../db/database.ts";

/** What the verifier needs to read this node's own documents without HTTP. */
export interface LocalDocumentsDeps {
  origin: string;
  /** Issuer profiles and key documents (keys/key-documents.ts). */
  resolveKeyDocument: (url: string) => Promise<unknown | null>;
  findCredential: (id: string) => Promise<CredentialRow | undefined>;
  findIssuer: (slug: string) => Promise<IssuerRow | undefined>;
  statusList: (issuer: IssuerRow, purpose: "revocation" | "suspension") => Promise<{ document: string }>;
}

// A node verifying its own badges reads them in-process: no HTTP to itself (which a node behind a
// proxy, or on loopback with private addresses refused, could not do anyway).
/** Resolves this node's credentials, status lists, issuer profiles and keys by URL; null for any other URL. */
export function createLocalDocuments(d: LocalDocumentsDeps) {
  const prefix = d.origin + "/";

  async function credentialRow(url: string): Promise<CredentialRow | undefined> {
    const m = /^credentials\/([^/?#]+?)(\.json)?$/.exec(url.slice(prefix.length));
    return m ? d.findCredential(m[1]!) : undefined;
  }

  return {
    async resolve(url: string): Promise<unknown | null> {
      if (!url.startsWith(prefix)) return null;
      const row = await credentialRow(url);
      if (row) return JSON.parse(row.document);
      const status = /^issuers\/([^/]+)\/status\/(revocation|suspension)$/.exec(url.slice(prefix.length));
      if (status) {
        const issuer = await d.findIssuer(status[1]!);
        return issuer ? JSON.parse((await d.statusList(issuer, status[2] as "revocation" | "suspension")).document) : null;
      }
      return d.resolveKeyDocument(url);
    },

    /** Our record of one of our credentials (status and the reason given), by its URL. */
    async ownStatus(credentialUrl: string): Promise<{ status: string; reason: string | null } | null> {
      if (!credentialUrl.startsWith(prefix)) return null;
      const row = await credentialRow(credentialUrl);
      return row ? { status: row.status, reason: row.status_reason } : null;
    },
  };
}
