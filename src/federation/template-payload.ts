// The wire format of a shared template (research/federation.md §2, option C): a standard AS2
// `Document` whose `content` is the OB 3.0 Achievement JSON (`mediaType: application/ld+json`) and
// whose `url` links to the canonical OB JSON. These are the receiver's checks, as pure functions.
import { ACHIEVEMENT_TYPES, canonicalLanguage, LANGUAGE_PATTERN } from "../achievements/achievements.schema.ts";
import { normalizeForSearch } from "../shared/search-text.ts";
import { err, ok, type Result } from "../shared/result.ts";

/** Largest OB JSON accepted inside a Document (a template with 50 alignments is about 30 KiB). */
export const MAX_TEMPLATE_BYTES = 128 * 1024;

/** The media type of the OB JSON carried in `content`. */
export const TEMPLATE_MEDIA_TYPE = "application/ld+json";

/** The parts of an incoming AS2 Document the checks read (mapped from Fedify's vocab in vocab.ts). */
export interface IncomingDocument {
  id: string | null;
  attributedTo: string | null;
  mediaType: string | null;
  content: string | null;
  /** Set on endorsements: the template Document they are about. */
  inReplyTo?: string | null;
}

/** Why an incoming template was dropped (logged, and recorded with the activity). */
export type DropReason =
  | "not-partner" | "media-type" | "too-large" | "invalid-json" | "origin" | "attribution"
  | "not-achievement" | "creator" | "owner" | "stale";

/** A checked template, ready to store. */
export interface CheckedTemplate {
  apId: string;
  obId: string;
  creatorId: string;
  related: string[];
  name: string;
  description: string;
  achievementType: string;
  language: string;
  tags: string[];
  imageUrl: string | null;
  version: number;
  obJson: string;
}

const originOf = (url: string) => {
  try { return new URL(url).origin; } catch { return null; }
};
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const idOf = (v: unknown): string | undefined => str(v) ?? (v && typeof v === "object" ? str((v as { id?: unknown }).id) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/**
 * Checks a Document sent by `senderId` (already authenticated by its HTTP signature): OB JSON in
 * `content`, the Document and the OB id on the sender's origin and attributed to it (FEP-fe34),
 * an Achievement with name and criteria, and an OB `creator` that is the sender — or, for a reused
 * template, someone else with the original named in `related` (confirmed later, see sharing.service.ts).
 */
export function checkTemplate(senderId: string, doc: IncomingDocument): Result<CheckedTemplate, DropReason> {
  if (doc.mediaType !== TEMPLATE_MEDIA_TYPE || typeof doc.content !== "string") return err("media-type");
  if (Buffer.byteLength(doc.content, "utf8") > MAX_TEMPLATE_BYTES) return err("too-large");
  let ob: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(doc.content);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return err("invalid-json");
    ob = parsed as Record<string, unknown>;
  } catch {
    return err("invalid-json");
  }
  const origin = originOf(senderId);
  const obId = str(ob.id);
  if (!doc.id || !obId || originOf(doc.id) !== origin || originOf(obId) !== origin) return err("origin");
  if (doc.attributedTo !== senderId) return err("attribution");
  const name = str(ob.name);
  if (!list(ob.type).includes("Achievement") || !name || !ob.criteria || typeof ob.criteria !== "object") return err("not-achievement");
  const creatorId = idOf(ob.creator);
  const related = list(ob.related).map(idOf).filter((v): v is string => !!v);
  if (!creatorId || (creatorId !== senderId && related.length === 0)) return err("creator");
  const image = idOf(ob.image);
  return ok({
    apId: doc.id, obId, creatorId, related, name: name.slice(0, 200),
    description: (str(ob.description) ?? "").slice(0, 10_000),
    achievementType: (str(ob.achievementType) ?? "Achievement").slice(0, 80),
    language: (str(ob.inLanguage) ?? "und").slice(0, 20),
    tags: list(ob.tag).map(str).filter((t): t is string => !!t && !t.includes("\t")).map((t) => t.slice(0, 60)).slice(0, 30),
    imageUrl: image && /^https?:\/\//.test(image) ? image : null,
    version: Math.max(1, Number.parseInt(str(ob.version) ?? "1", 10) || 1),
    obJson: doc.content,
  });
}

/** The text the catalogue search reads (same normalisation as local templates). */
export function templateSearchText(t: CheckedTemplate): string {
  return normalizeForSearch([t.name, t.description, t.tags.join(" ")].join(" "));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const httpUrl = (v: unknown) => (typeof v === "string" && /^https?:\/\/\S+$/.test(v) && v.length <= 2000 ? v : undefined);

/**
 * The content of a local draft copy of a partner's template (reuse with attribution): the OB fields
 * our templates keep, OB `creator` = the original's creator and `related` → the original. A copy of
 * a copy points at the first original, so its creator can still be confirmed by that original.
 */
export function reuseContent(ob: Record<string, unknown>, senderId: string): Record<string, unknown> {
  const criteria = isObject(ob.criteria) ? ob.criteria : {};
  const creator = isObject(ob.creator) ? ob.creator : {};
  const creatorId = idOf(creator) ?? senderId;
  const isCopy = creatorId !== senderId && list(ob.related).some((r) => idOf(r));
  const type = str(ob.achievementType);
  const language = str(ob.inLanguage);
  return {
    name: (str(ob.name) ?? "").slice(0, 200), description: (str(ob.description) ?? str(ob.name) ?? "").slice(0, 10_000),
    criteria: { narrative: str(criteria.narrative)?.slice(0, 20_000), id: httpUrl(criteria.id) },
    tags: list(ob.tag).map(str).filter((t): t is string => !!t && t.length <= 60).slice(0, 30),
    alignment: list(ob.alignment).filter(isObject).filter((a) => str(a.targetName) && httpUrl(a.targetUrl)).slice(0, 50).map((a) => ({
      targetName: str(a.targetName), targetUrl: httpUrl(a.targetUrl), targetDescription: str(a.targetDescription),
      targetFramework: str(a.targetFramework), targetCode: str(a.targetCode),
    })),
    achievementType: type && (ACHIEVEMENT_TYPES as readonly string[]).includes(type) ? type : /^ext:[A-Za-z0-9.\-_]+$/.test(type ?? "") ? type : undefined,
    inLanguage: languageOf(language),
    fieldOfStudy: str(ob.fieldOfStudy)?.slice(0, 200), humanCode: str(ob.humanCode)?.slice(0, 100), specialization: str(ob.specialization)?.slice(0, 200),
    creator: { id: creatorId, name: (str(creator.name) ?? creatorId).slice(0, 200), url: httpUrl(creator.url) },
    related: isCopy
      ? list(ob.related).map((r) => ({ id: idOf(r)!, version: isObject(r) ? str(r.version) : undefined })).filter((r) => r.id)
      : [{ id: str(ob.id)!, version: str(ob.version) }],
  };
}

// Partners may send `fr-fr`: kept in the canonical case the OB schema requires, dropped when not a tag at all.
function languageOf(tag: string | undefined): string | undefined {
  const canonical = tag && canonicalLanguage(tag);
  return canonical && LANGUAGE_PATTERN.test(canonical) ? canonical : undefined;
}
