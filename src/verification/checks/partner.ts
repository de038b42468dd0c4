import { line, type Check } from "./check-types.ts";

/** How one of this node's issuers relates to a credential's issuer. */
export interface PartnerRelation {
  /** "followedBy": our issuer follows it; "follows": it follows our issuer; "endorsed": it endorsed our issuer or one of its templates. */
  kind: "followedBy" | "follows" | "endorsed";
  /** Our issuer's name. */
  localIssuer: string;
}

/** What the node knows of its partners (federation; injected by the composition root). */
export interface PartnerDirectory {
  relationsOf(issuerId: string): Promise<PartnerRelation[]>;
}

const KINDS: PartnerRelation["kind"][] = ["followedBy", "follows", "endorsed"];

/**
 * "Known partner" lines, only for a credential whose signature holds by a key its issuer is shown to
 * control (a forged one, or one signed by any did:key, must not borrow a partner's name).
 * Informative: a pass line never turns a failed check into a valid badge.
 */
export async function checkPartner(issuerId: string | undefined, signed: boolean, directory: PartnerDirectory | undefined): Promise<Check[]> {
  if (!issuerId || !signed || !directory) return [];
  const relations = await directory.relationsOf(issuerId);
  return KINDS.flatMap((kind) => {
    const names = [...new Set(relations.filter((r) => r.kind === kind).map((r) => r.localIssuer))];
    return names.length ? [line("partner", "pass", `verification.partner.${kind}`, { names: names.join(", ") })] : [];
  });
}
