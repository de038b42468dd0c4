import type { Achievement } from "../achievements/achievements.service.ts";
import { achievementDocument, type ProfileFacts } from "../credentials/ob3-achievement.ts";
import type { NodeUrls } from "../credentials/urls.ts";
import type { IssuerRow } from "../db/database.ts";

/** The OB 3.0 Profile facts of an issuer space. */
export function profileFacts(issuer: IssuerRow): ProfileFacts {
  return { slug: issuer.slug, name: issuer.name, description: issuer.description, website: issuer.website, email: issuer.email, imageUrl: issuer.logo_url };
}

/**
 * What the OB 3.0 document cannot say, in the names POST/PUT accept (FranceBadge extensions):
 * sending `achievement` back with PUT keeps them.
 */
function extensions(a: Achievement): Record<string, unknown> {
  const c = a.content;
  const out: Record<string, unknown> = {};
  if (c.validForDays !== undefined) out.validForDays = c.validForDays;
  if (c.edition) out.edition = { inLanguage: c.edition.inLanguage, name: c.edition.name, description: c.edition.description, ...(c.edition.criteriaNarrative ? { criteriaNarrative: c.edition.criteriaNarrative } : {}) };
  for (const key of ["frameworkId", "competencyId", "levelCode"] as const) if (c[key]) out[key] = c[key];
  return out;
}

/** One template as the REST API shows it: our bookkeeping beside the OB 3.0 Achievement document and its extensions. */
export function achievementResource(urls: NodeUrls, a: Achievement, issuer: IssuerRow) {
  return {
    id: a.row.id,
    url: urls.achievement(a.row.id),
    status: a.row.status,
    version: a.version,
    issuer: { id: urls.issuer(issuer.slug), slug: issuer.slug, name: issuer.name },
    achievement: { ...achievementDocument(urls, { id: a.row.id, version: a.version, content: a.content, issuer: profileFacts(issuer) }), ...extensions(a) },
  };
}
