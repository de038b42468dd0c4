import { err, ok, type FieldErrors, type Result } from "../shared/result.ts";

// The API speaks OB 3.0: a client may send back what GET returned (JSON-LD compaction may turn a
// one-element array into a single value). This module turns such a body into the input of
// `achievementContent` (the same schema the forms use) and maps error paths back to the names sent.

/** A body ready for the achievements service, and how to name its errors for the client. */
export interface ObAchievementInput {
  input: Record<string, unknown>;
  publish: boolean;
  /** Content error path prefix → the name the client used (e.g. "tags" → "tag"). */
  renames: Record<string, string>;
}

// Fields whose names are the same in OB 3.0 and in our content, plus FranceBadge extensions
// (validForDays, edition, frameworkId, competencyId, levelCode) that OB has no word for.
const SAME_NAME = [
  "name", "description", "criteria", "achievementType", "creditsAvailable", "fieldOfStudy", "humanCode", "specialization",
  "inLanguage", "validForDays", "edition", "resultDescription", "frameworkId", "competencyId", "levelCode",
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown => (v === undefined || v === null ? undefined : Array.isArray(v) ? v : [v]);

// OB 3.0 `image` is an Image object or a URL; ours are `<origin>/images/<id>.png|svg`.
function imageIdOf(image: unknown): unknown {
  const url = isObject(image) ? image.id : image;
  if (typeof url !== "string") return url;
  return /\/images\/([A-Za-z0-9_-]{1,64})\.(?:png|svg)$/.exec(url)?.[1] ?? url;
}

/**
 * Maps an OB 3.0-named JSON body to content input; `self` drops what we add ourselves on output.
 * `creator` may only name the issuer itself or, on PUT, the template's current creator (a reused
 * template's original, kept by the service): anything else is refused, never stored.
 */
export function obBodyToContent(body: unknown, self: { issuerUrl: string; achievementUrl?: string; creatorId?: string }): Result<ObAchievementInput, FieldErrors> {
  if (!isObject(body)) return err({ _body: "api.notAnObject" });
  if (body.published !== undefined && typeof body.published !== "boolean") return err({ published: "api.published" });
  const input: Record<string, unknown> = {};
  const renames: Record<string, string> = {};
  for (const key of SAME_NAME) if (body[key] !== undefined && body[key] !== null) input[key] = body[key];

  const usesTag = body.tags === undefined && body.tag !== undefined;
  input.tags = asArray(usesTag ? body.tag : body.tags);
  if (usesTag) renames.tags = "tag";
  input.alignment = asArray(body.alignment);
  input.resultDescription = asArray(input.resultDescription);

  if (body.imageId !== undefined) input.imageId = body.imageId;
  else if (body.image !== undefined && body.image !== null) {
    input.imageId = imageIdOf(body.image);
    renames.imageId = "image";
  }
  // Our output names the issuer as creator and lists the other-language edition under `related`:
  // sending a GET answer back must not store those as if the client had chosen them.
  if (body.creator !== undefined && body.creator !== null) {
    const creatorId = isObject(body.creator) ? body.creator.id : body.creator;
    if (creatorId !== self.issuerUrl && (!self.creatorId || creatorId !== self.creatorId)) return err({ creator: "errors.creatorNotIssuer" });
  }
  const related = asArray(body.related);
  if (Array.isArray(related)) {
    const own = related.filter((r) => !(isObject(r) && typeof r.id === "string" && self.achievementUrl && r.id.startsWith(self.achievementUrl)));
    if (own.length) input.related = own;
  }
  return ok({ input, publish: body.published === true, renames });
}

/** Renames content error paths to the names the client sent (tags.2 → tag.2). */
export function errorsToOb(errors: FieldErrors, renames: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const [head = "", ...rest] = path.split(".");
    const name = renames[head] ? [renames[head], ...rest].join(".") : path;
    out[name] ??= message;
  }
  return out;
}
