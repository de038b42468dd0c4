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
