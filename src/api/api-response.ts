import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { negotiateLocale, translator, type Locale, type Translate } from "../i18n/i18n.ts";
import type { FieldErrors } from "../shared/result.ts";

/** The language of an API request's messages: its Accept-Language, English by default (machines read English first). */
export function apiLocale(c: Context): Locale {
  return negotiateLocale(c.req.header("Accept-Language"), "en");
}

/** The translator of an API request. */
export function apiTranslator(c: Context): Translate {
  return translator(apiLocale(c));
}

/** Answers `{ errors: [{ field, message }] }`: field paths use OB 3.0 names, messages are translated. */
export function apiErrors(c: Context, status: ContentfulStatusCode, errors: FieldErrors, params?: Record<string, string | number>) {
  const t = apiTranslator(c);
  c.header("Content-Language", apiLocale(c));
  const message = (key: string) => {
    const text = t(key, params);
    return text === key ? t("errors.invalid") : text; // a key without a message must not reach clients raw
  };
  return c.json({ errors: Object.entries(errors).map(([field, key]) => ({ field, message: message(key) })) }, status);
}

/** Reads a JSON request body, or answers 415 for a form body and 400 for JSON that does not parse. */
export async function jsonBody(c: Context): Promise<{ body: unknown } | Response> {
  const type = c.req.header("Content-Type") ?? "";
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return apiErrors(c, 415, { _body: "api.mediaType" });
  try {
    return { body: JSON.parse(await c.req.text()) };
  } catch {
    return apiErrors(c, 400, { _body: "api.invalidJson" });
  }
}
