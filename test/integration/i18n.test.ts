import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { en } from "../../src/i18n/en.ts";
import { fr } from "../../src/i18n/fr.ts";
import { featureMessages } from "../../src/i18n/features/index.ts";
import { catalogues, negotiateLocale, translator } from "../../src/i18n/i18n.ts";
import { ROLES } from "../../src/members/roles.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const root = join(import.meta.dirname, "..", "..");
const frKeys = Object.keys(fr);
const enKeys = Object.keys(en);
// The merged table pages use: core fr.ts plus every feature's messages.
const catalogue = new Set(Object.keys(catalogues.fr));

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/** `file: key` for every key in `keys` that the catalogue lacks. */
function missing(uses: Array<[file: string, key: string]>): string[] {
  return [...new Set(uses.filter(([, k]) => !catalogue.has(k)).map(([f, k]) => `${f}: ${k}`))].sort();
}

describe("language choice on pages", () => {
  let node: TestNode;
  beforeAll(async () => { node = await startTestNode(); });
  afterAll(async () => { await node?.close(); });

  const lang = (html: string) => /<html lang="(\w+)">/.exec(html)?.[1];

  it("is French by default", async () => {
    const res = await node.client().get("/");
    expect(res.headers.get("Content-Language")).toBe("fr");
    const body = await res.text();
    expect(lang(body)).toBe("fr");
    expect(body).toContain("<h1>Bienvenue sur ce nœud FranceBadge</h1>");
  });

  it("follows Accept-Language: en", async () => {
    const res = await node.client().get("/", { "Accept-Language": "en-US,en;q=0.9,fr;q=0.5" });
    expect(res.headers.get("Content-Language")).toBe("en");
    const body = await res.text();
    expect(lang(body)).toBe("en");
    expect(body).toContain("<h1>Welcome to this FranceBadge node</h1>");
  });

  it("keeps French when the reader prefers it, or asks for an unsupported language", async () => {
    expect(lang(await (await node.client().get("/", { "Accept-Language": "fr-FR,en;q=0.8" })).text())).toBe("fr");
    expect(lang(await (await node.client().get("/", { "Accept-Language": "de-DE,de" })).text())).toBe("fr");
    expect(lang(await (await node.client().get("/", { "Accept-Language": "de, en;q=0.5" })).text())).toBe("en");
  });

  it("/lang/en sets a cookie that wins over Accept-Language, and /lang/fr switches back", async () => {
    const client = node.client();
    const res = await client.get("/lang/en?next=%2Fissuers");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/issuers");
    expect(res.headers.getSetCookie().find((c) => c.startsWith("fb_lang="))).toMatch(/^fb_lang=en;.*Max-Age=31536000/i);
    const page = await client.get("/issuers", { "Accept-Language": "fr" });
    expect(lang(await page.text())).toBe("en");
    await client.get("/lang/fr");
    expect(lang(await (await client.get("/", { "Accept-Language": "en" })).text())).toBe("fr");
  });

  it("ignores an unsupported language in the switch", async () => {
    const client = node.client();
    const res = await client.get("/lang/de");
    expect(res.status).toBe(303);
    expect(client.cookies.has("fb_lang")).toBe(false);
    expect(lang(await (await client.get("/")).text())).toBe("fr");
  });

  it("the footer offers the switch back to the current page", async () => {
    const body = await (await node.client().get("/issuers")).text();
    expect(body).toContain('href="/lang/en?next=%2Fissuers"');
    expect(body).toContain('href="/lang/fr?next=%2Fissuers"');
  });

  it("the locale saved in the profile wins over the cookie and Accept-Language", async () => {
    const client = await node.signIn("polyglot@univ.example");
    const saved = await client.submit("/account/profile", { displayName: "Poly Glot", locale: "en" });
    expect(saved.status).toBe(303);
    expect((await node.services.accounts.findByEmail("polyglot@univ.example"))!.locale).toBe("en");
    client.cookies.set("fb_lang", "fr"); // a stale cookie from before
    const page = await client.get("/account", { "Accept-Language": "fr" });
    const body = await page.text();
    expect(lang(body)).toBe("en");
    expect(body).toContain("<h1>My account</h1>");
  });

  it("error messages next to fields follow the language too", async () => {
    const client = node.client();
    await client.get("/lang/en");
    const res = await client.submit("/login", { email: "", password: "" });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/id="f-email-error">This e-mail address is not valid\.<|id="f-email-error">This field is required\.</);
  });
});

describe("message catalogues", () => {
  /** Keys one side has and the other lacks, or has empty. */
  function gaps(a: Record<string, string>, b: Record<string, string>): string[] {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!a[k]?.trim()) out.push(`fr ${k}`);
      if (!b[k]?.trim()) out.push(`en ${k}`);
    }
    return out;
  }

  it("every French key exists in English with non-empty text, and vice versa", () => {
    expect(frKeys.length).toBeGreaterThan(100);
    expect(enKeys.filter((k) => !(k in fr))).toEqual([]);
    expect(gaps(fr, en)).toEqual([]);
  });

  it("so does every feature's message file, and the merged catalogues", () => {
    featureMessages.forEach((m, i) => expect(gaps(m.fr, m.en), `feature file #${i}`).toEqual([]));
    expect(gaps(catalogues.fr, catalogues.en)).toEqual([]);
  });

  it("no feature file redefines a key of the core or of another feature", () => {
    const seen = new Set(frKeys);
    const clashes: string[] = [];
    for (const m of featureMessages) for (const k of Object.keys(m.fr)) (seen.has(k) ? clashes.push(k) : seen.add(k));
    expect(clashes).toEqual([]);
  });

  it("both languages use the same {placeholders} for each key", () => {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");
    const differ = Object.keys(catalogues.fr).filter((k) => params(catalogues.fr[k]!) !== params(catalogues.en[k] ?? ""));
    expect(differ).toEqual([]);
  });

  it("the translator fills placeholders and shows unknown keys as themselves", () => {
    expect(translator("fr")("members.removed")).toBe("Rôle retiré.");
    expect(translator("en")("issuers.created", { name: "AMU" })).toBe("Issuer “AMU” created.");
    expect(translator("fr")("members.added", { email: "a@b.fr" })).toBe("a@b.fr a maintenant le rôle « {role} ».");
    expect(translator("en")("no.such.key")).toBe("no.such.key");
    expect(negotiateLocale("en;q=0.2, fr;q=0.9", "en")).toBe("fr");
    expect(negotiateLocale(undefined, "en")).toBe("en");
  });

  it("every role has a label", () => {
    expect(ROLES.map((r) => `role.${r}`).filter((k) => !catalogue.has(k))).toEqual([]);
  });

  it("every literal key used by it.t(\"…\") in views/ exists", () => {
    const uses: Array<[string, string]> = [];
    for (const file of filesUnder("views", ".eta")) {
      const text = readFileSync(join(root, file), "utf8");
      for (const m of text.matchAll(/\bt\(\s*(["'])([A-Za-z0-9_.-]+)\1\s*[,)]/g)) uses.push([file, m[2]!]);
    }
    expect(uses.length).toBeGreaterThan(50); // the scan does see the views
    expect(missing(uses)).toEqual([]);
  });

  it("every message key used in src/ exists (errors.*, flash/notice keys, error pages)", () => {
    const namespaces = new Set(frKeys.map((k) => k.split(".")[0]!));
    const uses: Array<[string, string]> = [];
    const files = filesUnder("src", ".ts").filter((f) => !f.startsWith(join("src", "i18n")) && !f.endsWith(".repository.ts"));
    for (const file of files) {
      const text = readFileSync(join(root, file), "utf8");
      // Validation messages: any "errors.*" literal.
      for (const m of text.matchAll(/["'`](errors\.[A-Za-z0-9_.]+)["'`]/g)) uses.push([file, m[1]!]);
      // A key given to t(), or as a property value (key:, message:, title:, a lookup table), in a catalogue namespace.
      // Audit actions ("issuer.create") are names, not messages.
      for (const m of text.matchAll(/(?:\bt\(\s*|(\w+)\s*:\s*)["']([a-z]+\.[A-Za-z0-9_.]+)["']/g)) {
        const [, prop, key] = m;
        if (prop === "action" || !namespaces.has(key!.split(".")[0]!)) continue;
        uses.push([file, key!]);
      }
      // Error pages: errorResponse(c, render, 404, "404") renders error.404.title and error.404.body.
      for (const m of text.matchAll(/errorResponse\([^)]*?,\s*\d{3}\s*,\s*["']([\w-]+)["']\s*\)/g)) {
        uses.push([file, `error.${m[1]}.title`], [file, `error.${m[1]}.body`]);
      }
    }
    expect(uses.some(([, k]) => k === "errors.required")).toBe(true);
    expect(uses.some(([, k]) => k === "login.invalid")).toBe(true);
    expect(uses.some(([, k]) => k === "error.403.title")).toBe(true);
    expect(missing(uses)).toEqual([]);
  });
});
