import { buildControllerProfile, buildKeyDocument } from "../credentials/controller-document.ts";
import type { ProfileFacts } from "../credentials/ob3-achievement.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { IssuerRow } from "../db/database.ts";
import type { KeysService } from "./keys.service.ts";

export interface KeyDocumentsDeps {
  origin: string;
  urls: NodeUrls;
  keys: KeysService;
  findIssuer: (slug: string) => Promise<IssuerRow | undefined>;
  profile: (issuer: IssuerRow) => ProfileFacts;
}

/** The issuer Profile/controller documents and key documents, as served and as resolved in-process. */
export function createKeyDocuments(d: KeyDocumentsDeps) {
  async function controllerProfile(issuer: IssuerRow): Promise<Record<string, unknown>> {
    const keys = await d.keys.list(issuer.id);
    return buildControllerProfile(d.urls, d.profile(issuer), keys.map((k) => ({ kid: k.kid, publicKeyMultibase: k.public_key_multibase, revokedAt: k.revoked_at })));
  }

  async function keyDocument(issuer: IssuerRow, kid: string): Promise<Record<string, unknown> | null> {
    const key = await d.keys.find(issuer.id, kid);
    return key ? buildKeyDocument(d.urls, issuer.slug, { kid: key.kid, publicKeyMultibase: key.public_key_multibase, revokedAt: key.revoked_at }) : null;
  }

  return {
    controllerProfile,
    keyDocument,
    /** Resolves this node's own URLs without HTTP (the document loader's `local`). */
    async resolve(url: string): Promise<unknown | null> {
      if (!url.startsWith(d.origin + "/issuers/")) return null;
      const [slug, keysSegment, kid, ...rest] = url.slice(d.origin.length + "/issuers/".length).split("/");
      const issuer = slug ? await d.findIssuer(slug) : undefined;
      if (!issuer || rest.length) return null;
      if (keysSegment === undefined) return controllerProfile(issuer);
      return keysSegment === "keys" && kid ? keyDocument(issuer, kid) : null;
    },
  };
}

export type KeyDocuments = ReturnType<typeof createKeyDocuments>;
