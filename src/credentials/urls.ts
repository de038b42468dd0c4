// The node's public URLs in one place: identifiers inside credentials must never drift.

/** URL builders for one node origin. */
export function nodeUrls(origin: string) {
  return {
    issuer: (slug: string) => `${origin}/issuers/${slug}`,
    issuerKey: (slug: string, kid: string) => `${origin}/issuers/${slug}/keys/${kid}`,
    credential: (id: string) => `${origin}/credentials/${id}`,
    statusList: (slug: string, purpose: string) => `${origin}/issuers/${slug}/status/${purpose}`,
    achievement: (id: string) => `${origin}/achievements/${id}`,
    achievementVersion: (id: string, version: number) => `${origin}/achievements/${id}/versions/${version}`,
    achievementEdition: (id: string, lang: string) => `${origin}/achievements/${id}/${lang}`,
    image: (imageId: string, ext: "png" | "svg" = "png") => `${origin}/images/${imageId}.${ext}`,
    framework: (id: string) => `${origin}/frameworks/${id}`,
    frameworkItem: (frameworkId: string, itemId: string) => `${origin}/frameworks/${frameworkId}#item-${itemId}`,
    ob2Issuer: (slug: string) => `${origin}/ob2/issuers/${slug}`,
    ob2BadgeClass: (id: string) => `${origin}/ob2/badgeclasses/${id}`,
    ob2Assertion: (credentialId: string) => `${origin}/ob2/assertions/${credentialId}`,
    ob2BakedImage: (credentialId: string) => `${origin}/ob2/assertions/${credentialId}.png`,
    ob2RevocationList: (slug: string) => `${origin}/ob2/issuers/${slug}/revocations`,
    /** A download beside the credential page: signed JSON, baked PNG/SVG, PDF certificate. */
    credentialFile: (id: string, ext: "json" | "png" | "svg" | "pdf") => `${origin}/credentials/${id}.${ext}`,
    /** The built-in default image of a template without one (PNG). */
    achievementDefaultImage: (id: string) => `${origin}/achievements/${id}/image.png`,
  };
}

export type NodeUrls = ReturnType<typeof nodeUrls>;
