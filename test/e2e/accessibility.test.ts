import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, useBrowser, type InPage, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

/**
 * What is wrong with the page's structure, as a list of readable problems (empty = fine):
 * landmarks, labels, accessible names of buttons, duplicate ids, broken aria references.
 */
function structureProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    type El = { id: string; outerHTML: string; textContent: string | null; getAttribute(n: string): string | null };
    type Field = El & { labels?: Iterable<El>; readOnly?: boolean };
    const all = <T = El>(selector: string): T[] => [...document.querySelectorAll(selector)];
    const problems: string[] = [];
    const describe = (el: El) => el.outerHTML.slice(0, 120);
    const count = (selector: string) => all(selector).length;
    // Landmarks: the site header and footer are direct children of body (banner/contentinfo).
    if (count("body > header") !== 1) problems.push(`body > header: ${count("body > header")}`);
    if (count("body > footer") !== 1) problems.push(`body > footer: ${count("body > footer")}`);
    if (count("main") !== 1) problems.push(`main: ${count("main")}`);
    if (count("h1") !== 1) problems.push(`h1: ${count("h1")}`);
    if (!document.title.trim()) problems.push("empty <title>");
    for (const el of all<Field>("input:not([type=hidden]), select, textarea")) {
      const labels = [...(el.labels ?? [])].filter((l) => (l.textContent ?? "").trim() !== "");
      const readonly = el.readOnly === true;
      // Fields a person fills in need a visible <label>; a read-only copy box may be named by aria-label.
      if (labels.length === 0 && !(readonly && el.getAttribute("aria-label")?.trim())) problems.push(`no <label>: ${describe(el)}`);
    }
    for (const el of all("button, a[href]")) {
      const name = (el.getAttribute("aria-label") ?? el.textContent ?? "").trim();
      if (!name) problems.push(`no accessible name: ${describe(el)}`);
    }
    const ids = new Map<string, number>();
    for (const el of all("[id]")) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
    for (const [id, n] of ids) if (n > 1) problems.push(`duplicate id "${id}" (${n}×)`);
    for (const el of all("[aria-describedby], [aria-labelledby]")) {
      const refs = `${el.getAttribute("aria-describedby") ?? ""} ${el.getAttribute("aria-labelledby") ?? ""}`.split(/\s+/).filter(Boolean);
      for (const ref of refs) if (!document.getElementById(ref)) problems.push(`aria reference to missing #${ref}: ${describe(el)}`);
    }
    return problems;
  });
}

/** Tab once from the top of a freshly loaded page: the skip link must take focus, and Enter moves focus to <main>. */
async function checkSkipLink(page: Page, text: string): Promise<void> {
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => {
    const a = (globalThis as unknown as InPage).document.activeElement;
    const box = a.getBoundingClientRect();
    return { tag: a.tagName, href: a.getAttribute("href"), text: a.textContent, onScreen: box.left >= 0 && box.top >= 0 && box.width > 0 };
  });
  expect(focused).toEqual({ tag: "A", href: "#main", text, onScreen: true });
  await page.keyboard.press("Enter");
  await expect(page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).resolves.toBe("main");
}

/** WCAG contrast ratio of two rgb()/rgba() colours (alpha ignored: our colours are opaque). */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r = 0, g = 0, bl = 0] = (c.match(/[\d.]+/g) ?? []).map(Number);
    const lin = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(bl);
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Tabs until the focused element is inside `within`, then returns the rings drawn around it
 * (outline, then each box-shadow ring outside it) with the colour of what lies behind them.
 */
async function focusRings(page: Page, within: string): Promise<{ background: string; rings: Array<{ color: string; width: number }> }> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const found = await page.evaluate((sel) => {
      const { document, window } = globalThis as unknown as InPage;
      const el = document.activeElement;
      if (!el?.closest(sel) || !el.matches(":focus-visible")) return null;
      let bg = "rgba(0, 0, 0, 0)";
      for (let p = el.parentElement; p && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); p = p.parentElement) bg = window.getComputedStyle(p).backgroundColor;
      const s = window.getComputedStyle(el);
      return { background: bg, outline: { color: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth), offset: parseFloat(s.outlineOffset) }, shadow: s.boxShadow as string };
    }, within);
    if (!found) continue;
    const rings: Array<{ color: string; width: number }> = [];
    const { outline } = found;
    if (outline.style !== "none") rings.push({ color: outline.color, width: outline.width });
    const covered = Math.max(0, outline.style !== "none" ? outline.offset + outline.width : 0);
    for (const m of found.shadow.matchAll(/(rgba?\([^)]*\)) 0px 0px 0px ([\d.]+)px/g)) rings.push({ color: m[1]!, width: Number(m[2]) - covered });
    return { background: found.background, rings };
  }
  throw new Error(`no focusable element in ${within}`);
}

describe.skipIf(!chromiumPath)("accessibility smoke check", { timeout: 90_000 }, () => {
  const b = useBrowser();
  let node: TestNode;
  let invitationPath = "";
  let admin: WatchedPage;

  beforeAll(async () => {
    node = await startTestNode();
    const { accounts, issuers, members } = node.services;
    const actor = { userId: null, label: "test", ip: null };
    await accounts.create({ email: "ada@a11y.example", displayName: "Ada", password: TEST_PASSWORD });
    const issuer = await issuers.create(actor, { slug: "a11y", name: "Accessible", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!issuer.ok) throw new Error(JSON.stringify(issuer.error));
    await members.add(actor, issuer.value, { email: "ada@a11y.example", role: "admin" });
    await members.add(actor, issuer.value, { email: "ada@a11y.example", role: "jury" });
    const invited = await members.add(actor, issuer.value, { email: "new@a11y.example", role: "viewer" });
    if (invited.kind !== "invited") throw new Error("expected an invitation");
    invitationPath = `/invitations/${invited.token}`;
    admin = await b.open();
  });
  afterAll(async () => { await node?.close(); });

  it("anonymous pages: skip link first, landmarks, labels, lang=fr", async () => {
    const { page, problems } = await b.open();
    for (const path of ["/", "/login", "/issuers", "/issuers/a11y", invitationPath, "/nowhere"]) {
      await page.goto(node.url + path);
      await expect(page.locator("html").getAttribute("lang"), path).resolves.toBe("fr");
      await expect(structureProblems(page), path).resolves.toEqual([]);
      await checkSkipLink(page, "Aller au contenu");
    }
    // The 404 page logs its own status in the console; nothing else may.
    expect(problems.filter((p) => !/status of 404/.test(p))).toEqual([]);
  });

  it("login errors are tied to their fields", async () => {
    const { page } = await b.open();
    await page.goto(`${node.url}/login`);
    await page.getByLabel("Adresse e-mail").fill("pas-une-adresse");
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.locator("#f-email-error").waitFor();
    const email = page.getByLabel("Adresse e-mail");
    await expect(email.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.locator(`#${await email.getAttribute("aria-describedby")}`).textContent()).resolves.toBe("Cette adresse e-mail n'est pas valide.");
    await expect(structureProblems(page)).resolves.toEqual([]);
  });

  it("issuer and members pages of an admin: labels, landmarks, skip link", async () => {
    const { page, problems } = admin;
    await page.goto(`${node.url}/login`);
    await page.getByLabel("Adresse e-mail").fill("ada@a11y.example");
    await page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${node.url}/`);
    for (const path of ["/", "/issuers/new?parent=a11y", "/issuers/a11y", "/issuers/a11y/settings", "/issuers/a11y/members", "/account"]) {
      await page.goto(node.url + path);
      await expect(structureProblems(page), path).resolves.toEqual([]);
      await checkSkipLink(page, "Aller au contenu");
    }
    // After an htmx invitation the panel holds the read-only link box: still no problem.
    await page.goto(`${node.url}/issuers/a11y/members`);
    await page.locator("#members-panel").getByLabel("Adresse e-mail").fill("other@a11y.example");
    await page.locator("#members-panel").getByRole("button", { name: "Ajouter" }).click();
    await page.locator("#invitation-link").waitFor();
    await expect(page.getByRole("textbox", { name: "Invitation" }).inputValue()).resolves.toContain("/invitations/");
    await expect(structureProblems(page)).resolves.toEqual([]);
    // Every × button says what it removes, for whom.
    await expect(page.getByRole("button", { name: "Retirer jury — ada@a11y.example" }).count()).resolves.toBe(1);
    expect(problems, JSON.stringify(problems)).toEqual([]);
  });

  it("the focus indicator stands out at 3:1 on the white page and on the blue header (WCAG 1.4.11)", async () => {
    const { page } = await b.open();
    for (const [path, within] of [["/login", ".site-header"], ["/login", "main"]] as const) {
      await page.goto(node.url + path);
      const { background, rings } = await focusRings(page, within);
      const visible = rings.filter((r) => r.width >= 2 && contrast(r.color, background) >= 3);
      expect(visible, `${within}: ${JSON.stringify({ background, rings })}`).not.toEqual([]);
    }
  });

  it("html lang follows the chosen language, and Accept-Language for a first visit", async () => {
    const { page } = admin;
    await page.goto(`${node.url}/issuers/a11y/members`);
    await page.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await page.locator("html[lang=en]").waitFor();
    await expect(structureProblems(page)).resolves.toEqual([]);
    await checkSkipLink(page, "Skip to content");
    await expect(page.getByRole("contentinfo").getByRole("link", { name: "English" }).getAttribute("aria-current")).resolves.toBe("true");

    const english = await b.open({ locale: "en-GB" });
    await english.page.goto(`${node.url}/login`);
    await expect(english.page.locator("html").getAttribute("lang")).resolves.toBe("en");
    await expect(english.page.locator("h1").textContent()).resolves.toBe("Sign in");
  });
});
