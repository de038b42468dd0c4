import type { AchievementContent } from "../achievements/achievements.schema.ts";
import { OB_V3, VC_V2 } from "./contexts.ts";
import type { NodeUrls } from "./urls.ts";

/** The issuer facts an OB 3.0 Profile needs. */
export interface ProfileFacts {
  slug: string;
  name: string;
  description?: string | null;
  website?: string | null;
  email?: string | null;
  imageUrl?: string | null;
}

/** OB 3.0 Profile (issuer/creator) as embedded in achievements and credentials. */
export function buildProfile(urls: NodeUrls, p: ProfileFacts): Record<string, unknown> {
  return compact({
    id: urls.issuer(p.slug), type: ["Profile"], name: p.name, url: p.website ?? undefined, email: p.email ?? undefined,
    description: p.description || undefined, image: p.imageUrl ? { id: p.imageUrl, type: "Image", caption: p.name } : undefined,
  });
}

export interface AchievementJsonInput {
  id: string;
  version: number;
  content: AchievementContent;
  issuer: ProfileFacts;
  /** "en" builds the other-language edition (its own id, related to the main one). */
  edition?: string;
}

// OB 3.0 serialization rules: multi-valued properties are arrays; nulls and empty arrays are omitted.
function compact<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)));
}

/** The stable URL of one version's other-language edition (`/achievements/{id}/{lang}` shows the current one). */
export function versionEditionUrl(urls: NodeUrls, id: string, version: number, lang: string): string {
  return `${urls.achievementVersion(id, version)}/${lang}`;
}

/** The OB 3.0 `Achievement` object (without @context) of one template version. */
export function buildAchievement(urls: NodeUrls, a: AchievementJsonInput): Record<string, unknown> {
  const c = a.content;
  const main = urls.achievement(a.id);
  const ed = a.edition && c.edition?.inLanguage === a.edition ? c.edition : undefined;
  const criteriaNarrative = ed ? ed.criteriaNarrative ?? c.criteria.narrative : c.criteria.narrative;
  // Each version's edition has its own URL, so a credential embedding version 1 links to version 1's text.
  const related = ed
    ? [{ id: main, type: ["Related"], inLanguage: c.inLanguage, version: String(a.version) }]
    : c.edition ? [{ id: versionEditionUrl(urls, a.id, a.version, c.edition.inLanguage), type: ["Related"], inLanguage: c.edition.inLanguage, version: String(a.version) }] : [];
  return compact({
    id: ed ? versionEditionUrl(urls, a.id, a.version, ed.inLanguage) : main,
    type: ["Achievement"],
    achievementType: c.achievementType,
    name: ed ? ed.name : c.name,
    description: ed ? ed.description : c.description,
    criteria: compact({ id: c.criteria.id, narrative: criteriaNarrative }),
    image: c.imageId ? { id: urls.image(c.imageId), type: "Image", caption: ed ? ed.name : c.name } : undefined,
    creator: c.creator ? compact({ id: c.creator.id, type: ["Profile"], name: c.creator.name, url: c.creator.url }) : buildProfile(urls, a.issuer),
    alignment: c.alignment.map((al) => compact({ type: ["Alignment"], ...al })),
    tag: c.tags,
    creditsAvailable: c.creditsAvailable,
    fieldOfStudy: c.fieldOfStudy,
    humanCode: c.humanCode,
    specialization: c.specialization,
    inLanguage: ed ? ed.inLanguage : c.inLanguage,
    version: String(a.version),
    resultDescription: c.resultDescription?.map((rd) => compact({
      id: rd.id, type: ["ResultDescription"], name: rd.name, resultType: rd.resultType, requiredLevel: rd.requiredLevel,
      allowedValue: rd.allowedValue,
      rubricCriterionLevel: rd.rubricCriterionLevel?.map((l) => compact({ id: l.id, type: ["RubricCriterionLevel"], name: l.name, description: l.description, level: l.level })),
    })),
    related: [...related, ...(c.related ?? []).map((r) => compact({ id: r.id, type: ["Related"], inLanguage: r.inLanguage, version: r.version }))],
  });
}

/** The public JSON-LD document of a template (`application/ld+json`). */
export function achievementDocument(urls: NodeUrls, a: AchievementJsonInput): Record<string, unknown> {
  return { "@context": [VC_V2, OB_V3], ...buildAchievement(urls, a) };
}
