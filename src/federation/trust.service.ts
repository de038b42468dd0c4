import type { NodeUrls } from "../credentials/urls.ts";
import type { Db } from "../db/database.ts";
import type { IssuersService } from "../issuers/issuers.service.ts";
import type { PartnerDirectory, PartnerRelation } from "../verification/checks/partner.ts";
import * as trust from "./trust.repository.ts";

/** What the node knows of a remote issuer: which of our issuers follow it, are followed by it, were endorsed by it. */
export function createTrustDirectory(deps: { db: Db; urls: NodeUrls; issuers: IssuersService }): PartnerDirectory {
  const { db } = deps;
  const issuerBase = deps.urls.issuer("");
  return {
    async relationsOf(issuerId: string): Promise<PartnerRelation[]> {
      // Our own issuers are not partners of themselves.
      if (issuerId.startsWith(issuerBase)) return [];
      const [follows, viaTemplates, subjects] = await Promise.all([
        trust.listAcceptedRelations(db, issuerId), trust.listIssuersEndorsedViaTemplates(db, issuerId), trust.listIssuerSubjectsEndorsedBy(db, issuerId),
      ]);
      const relations: PartnerRelation[] = follows.map((f) => ({ kind: f.direction === "following" ? "followedBy" : "follows", localIssuer: f.issuer_name }));
      // An endorsement counts only from a partner of the issuer it endorses (stored ones may predate that rule, or the relation ended).
      const partnerOf = new Set(follows.map((f) => f.issuer_id));
      for (const e of viaTemplates) if (partnerOf.has(e.issuer_id)) relations.push({ kind: "endorsed", localIssuer: e.issuer_name });
      for (const subject of subjects) {
        const issuer = subject.startsWith(issuerBase) ? await deps.issuers.findBySlug(subject.slice(issuerBase.length)) : undefined;
        if (issuer && partnerOf.has(issuer.id)) relations.push({ kind: "endorsed", localIssuer: issuer.name });
      }
      return relations;
    },
  };
}
