import type { Locale } from "../i18n/i18n.ts";
import { catalogueHref, type CatalogueParams } from "./catalogue.schema.ts";
import type { CataloguePage, FrameworkChoice } from "./catalogue.service.ts";

type Option = { value: string; label: string };

// A value typed in the URL but no longer offered stays selectable, so the form shows what is applied.
function withCurrent(options: Option[], current: string | undefined): Option[] {
  return current && !options.some((o) => o.value === current) ? [...options, { value: current, label: current }] : options;
}

function frameworkOptions(frameworks: FrameworkChoice[], params: CatalogueParams) {
  const chosen = frameworks.filter((f) => !params.framework || f.id === params.framework);
  const levels = new Map<string, string>();
  for (const f of chosen) for (const l of f.levels) if (!levels.has(l.code)) levels.set(l.code, l.name);
  // Competencies are offered once a framework is chosen (only that framework's).
  const picked = params.framework ? chosen.flatMap((f) => f.competencies.map((c) => ({ value: c.id, label: c.code ? `${c.code} — ${c.name}` : c.name }))) : [];
  return {
    frameworks: withCurrent(frameworks.map((f) => ({ value: f.id, label: f.name })), params.framework),
    competencies: picked.length ? withCurrent(picked, params.competency) : [],
    levels: withCurrent([...levels].map(([value, label]) => ({ value, label })), params.level),
  };
}

/** The view-model of a catalogue page and of its results partial. */
export function catalogueView(page: CataloguePage, params: CatalogueParams, base: string, locale: Locale) {
  const names = new Intl.DisplayNames([locale], { type: "language", fallback: "code" });
  const languageName = (code: string) => {
    try { return names.of(code) ?? code; } catch { return code; }
  };
  const { choices } = page;
  return {
    base,
    params,
    issuer: page.issuer,
    source: page.source,
    items: page.items.map((i) => ({ ...i, languageName: languageName(i.language) })),
    total: page.total,
    page: page.page,
    pages: page.pages,
    href: (changes: Partial<Record<keyof CatalogueParams, string | number | undefined>>) => catalogueHref(base, params, changes),
    filtered: Object.entries(params).some(([k, v]) => k !== "page" && k !== "perPage" && v !== undefined),
    options: {
      tags: withCurrent(choices.tags.map((t) => ({ value: t, label: t })), params.tag),
      types: withCurrent(choices.types.map((t) => ({ value: t, label: t })), params.type),
      languages: withCurrent(choices.languages.map((l) => ({ value: l, label: languageName(l) })), params.language),
      hasFrameworks: choices.frameworks.length > 0,
      ...frameworkOptions(choices.frameworks, params),
    },
  };
}
