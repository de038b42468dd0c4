import type { AchievementContent } from "../achievements/achievements.schema.ts";
import { OB_V2 } from "./contexts.ts";
import type { ProfileFacts } from "./ob3-achievement.ts";
import type { NodeUrls } from "./urls.ts";

/** OB 2.0 Issuer profile (name, url and email are required by the spec). */
export function buildOb2Issuer(urls: NodeUrls, p: ProfileFacts, fallbackEmail: string): Record<string, unknown> {
  return {
    "@context": OB_V2, type: "Issuer", id: urls.ob2Issuer(p.slug), name: p.name,
    url: p.website ?? urls.issuer(p.slug), email: p.email ?? fallbackEmail,
    ...(p.description ? { description: p.description } : {}),
    ...(p.imageUrl ? { image: p.imageUrl } : {}),
    // OB 2.0 §VerificationObject: hosted assertions must live on an allowed origin (a host name);
    // ours are on this node, whatever the issuer's own website (`url`) is.
    verification: { type: "VerificationObject", allowedOrigins: new URL(urls.ob2Issuer(p.slug)).hostname },
    revocationList: urls.ob2RevocationList(p.slug),
  };
}

/** OB 2.0 BadgeClass for older backpacks (Moodle, Open Badge Passport). */
export function buildOb2BadgeClass(urls: NodeUrls, a: { id: string; content: AchievementContent; issuerSlug: string }): Record<string, unknown> {
  const c = a.content;
  return {
    "@context": OB_V2, type: "BadgeClass", id: urls.ob2BadgeClass(a.id), name: c.name, description: c.description,
    image: c.imageId ? urls.image(c.imageId) : urls.achievementDefaultImage(a.id),
    criteria: { ...(c.criteria.id ? { id: c.criteria.id } : { id: urls.achievement(a.id) }), ...(c.criteria.narrative ? { narrative: c.criteria.narrative } : {}) },
    issuer: urls.ob2Issuer(a.issuerSlug),
    ...(c.tags.length ? { tags: c.tags } : {}),
    ...(c.alignment.length ? {
      alignment: c.alignment.map((al) => ({
        targetName: al.targetName, targetUrl: al.targetUrl,
        ...(al.targetDescription ? { targetDescription: al.targetDescription } : {}),
        ...(al.targetFramework ? { targetFramework: al.targetFramework } : {}),
        ...(al.targetCode ? { targetCode: al.targetCode } : {}),
      })),
    } : {}),
  };
}
