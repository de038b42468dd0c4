import { en } from "./en.ts";
import { featureMessages } from "./features/index.ts";
import { fr, type MessageKey } from "./fr.ts";

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };

// The core catalogue plus every feature's messages, in one flat table per locale.
export const catalogues: Record<Locale, Record<string, string>> = {
  fr: Object.assign({}, fr, ...featureMessages.map((m) => m.fr)),
  en: Object.assign({}, en, ...featureMessages.map((m) => m.en)),
};

/** A translator bound to one locale. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** True for a supported locale code. */
export function isLocale(value: unknown): value is Locale {
  return value === "fr" || value === "en";
}

/** Returns the translator of a locale; unknown keys show as themselves so they are noticed. */
export function translator(locale: Locale): Translate {
  const messages = catalogues[locale];
  return (key, params) => {
    const text = messages[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

/** Picks the best supported locale from an Accept-Language header. */
export function negotiateLocale(header: string | undefined, fallback: Locale): Locale {
  if (!header) return fallback;
  const ranked = header.split(",").map((part) => {
    const [tag = "", ...params] = part.trim().split(";");
    const q = params.find((p) => p.trim().startsWith("q="));
    return { lang: tag.trim().slice(0, 2).toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
  return ranked.map((r) => r.lang).find(isLocale) ?? fallback;
}

/** Formats a timestamp for people in the given locale (Paris time). */
export function formatDate(iso: string | null | undefined, locale: Locale, withTime = false): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long", ...(withTime ? { timeStyle: "short" } : {}), timeZone: "Europe/Paris",
  }).format(new Date(iso));
}
