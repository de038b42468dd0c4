import { z } from "zod";
import type { CatalogueQuery } from "../achievements/achievements.service.ts";

// Search parameters come from shareable URLs typed or edited by people: a bad value is dropped
// (the search widens) rather than answered with an error page.
const param = (max: number) => z.string().trim().max(max).optional().catch(undefined).transform((v) => v || undefined);
const positive = (max: number) => z.coerce.number().int().min(1).max(max).optional().catch(undefined);

/** The catalogue's URL parameters (also the filters of `GET /api/v1/issuers/{issuer}/achievements`). */
export const catalogueParams = z.object({
  q: param(200),
  tag: param(60),
  framework: param(64),
  competency: param(64),
  level: param(64),
  type: param(80),
  language: param(20),
  page: positive(100_000),
  perPage: positive(100),
  // "all" (default): ours then the partners' (federation); "local"; "partners".
  source: z.enum(["all", "local", "partners"]).optional().catch(undefined),
});

export type CatalogueParams = z.output<typeof catalogueParams>;

/** Reads the URL parameters into a catalogue query (never fails). */
export function parseCatalogueParams(query: Record<string, string | undefined>): { params: CatalogueParams; query: CatalogueQuery } {
  const params = catalogueParams.parse(query);
  return {
    params,
    query: {
      q: params.q, tag: params.tag, frameworkId: params.framework, competencyId: params.competency, levelCode: params.level,
      achievementType: params.type, language: params.language, page: params.page, perPage: params.perPage,
    },
  };
}

/** The URL of a catalogue page with these parameters (empty ones left out, so links stay short). */
export function catalogueHref(base: string, params: CatalogueParams, changes: Partial<Record<keyof CatalogueParams, string | number | undefined>> = {}): string {
  const merged: Record<string, unknown> = { ...params, ...changes };
  const search = new URLSearchParams();
  for (const key of ["q", "tag", "framework", "competency", "level", "type", "language", "source", "page", "perPage"] as const) {
    const v = merged[key];
    if (v !== undefined && v !== "" && !(key === "page" && v === 1)) search.set(key, String(v));
  }
  const qs = search.toString();
  return qs ? `${base}?${qs}` : base;
}
