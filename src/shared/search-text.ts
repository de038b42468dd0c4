/** Lower-cases and strips accents, so "competence" finds "Compétence" on SQLite and PostgreSQL alike. */
export function normalizeForSearch(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();
}

/** Splits a query into normalised words (at most 8, each 2+ characters). */
export function searchTerms(query: string | undefined): string[] {
  if (!query) return [];
  return [...new Set(normalizeForSearch(query).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 2))].slice(0, 8);
}
