import type { ProfileFacts } from "../credentials/ob3-achievement.ts";
import type { IssuerRow } from "../db/database.ts";

/** The issuer facts that go into OB profiles. */
export function profileFacts(issuer: IssuerRow): ProfileFacts {
  return { slug: issuer.slug, name: issuer.name, description: issuer.description, website: issuer.website, email: issuer.email, imageUrl: issuer.logo_url };
}
