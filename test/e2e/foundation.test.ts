import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { chromiumPath, markDocument, sameDocument, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

/** Where the members-page screenshot goes (never committed). */
const SCREENSHOT = join(tmpdir(), "francebadge-e2e-members.png");

// One story, step by step, in a real browser with JavaScript on: each `it` continues where the
// previous one stopped (vitest runs the tests of a file in order).
describe.skipIf(!chromiumPath)("foundation, in a real browser with JavaScript", { timeout: 90_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let node: TestNode;
  let admin: WatchedPage;
  let page: Page;
  let invitationLink = "";
  const watched: WatchedPage[] = [];

  beforeAll(async () => {
    node = await startTestNode();
    const { accounts, issuers } = node.services;
    const created = await accounts.create({ email: "ada@centrale.example", displayName: "Ada Admin", password: TEST_PASSWORD, isNodeAdmin: true });
    if (!created.ok) throw new Error(created.error);
    await accounts.create({ email: "juliette@centrale.example", displayName: "Juliette Jury", password: TEST_PASSWORD });
    // An issuer that already holds a slug, for the inline "already in use" check.
    await issuers.create({ userId: null, label: "test", ip: null }, { slug: "ecm-existant", name: "Existant", description: "", website: null, email: null, logoUrl: null, parent: null });
    admin = await b.open();
    watched.push(admin);
    page = admin.page;
  });
  afterAll(async () => { await node?.close(); });
  // No console error, page error or CSP violation in any page of the story, at any step.
  afterEach(() => { for (const w of watched) expect(w.problems).toEqual([]); });

  it("logs a node admin in through the login form", async () => {
    await page.goto(`${node.url}/`);
    await page.getByRole("link", { name: "Se connecter" }).click();
    await page.getByLabel("Adresse e-mail").fill("ada@centrale.example");
    await page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${node.url}/`);
    await expect(page.getByRole("button", { name: "Se déconnecter" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "Administration" }).isVisible()).resolves.toBe(true);
  });

  it("creates an issuer, with the inline slug check (htmx, no reload)", async () => {
    await page.goto(`${node.url}/issuers`);
    await page.getByRole("link", { name: "Nouvel émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/new`);
    await markDocument(page);
    const slug = page.getByLabel(/Identifiant \(dans les adresses\)/);
    await slug.pressSequentially("ecm-existant", { delay: 15 });
    await expect(page.locator("#f-slug-error").textContent()).resolves.toBe("Cet identifiant est déjà utilisé.");
    await expect(slug.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(slug.getAttribute("aria-describedby")).resolves.toContain("f-slug-error");
    expect(await sameDocument(page)).toBe(true);

    await page.getByLabel(/Identifiant \(dans les adresses\)/).fill("");
    await page.getByLabel(/Identifiant \(dans les adresses\)/).pressSequentially("centrale", { delay: 15 });
    await page.locator("#f-slug-error").waitFor({ state: "detached" });
    await expect(page.getByLabel(/Identifiant \(dans les adresses\)/).inputValue()).resolves.toBe("centrale");
    expect(await sameDocument(page)).toBe(true);

    await page.getByLabel("Nom", { exact: true }).fill("École Centrale de Marseille");
    await page.getByLabel(/Description/).fill("Grande école d'ingénieurs.");
    // The logo travels with the form (multipart) and shows on the public page.
    const logo = new PNG({ width: 48, height: 48 });
    logo.data.fill(200);
    await page.getByLabel(/Fichier du logo/).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG.sync.write(logo) });
    await page.getByRole("button", { name: "Créer l'émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/centrale`);
    await expect(page.locator("h1").textContent()).resolves.toBe("École Centrale de Marseille");
    await expect(page.locator("img.logo").evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).resolves.toBe(48);
    await expect(page.getByRole("status").textContent()).resolves.toContain("Émetteur « École Centrale de Marseille » créé.");
  });

  it("creates a sub-issuer from the issuer page and sees both in /issuers", async () => {
    await page.getByRole("link", { name: "Nouvel émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/new?parent=centrale`);
    await expect(page.getByLabel(/Émetteur parent/).inputValue()).resolves.toBe("centrale");
    await page.getByLabel(/Identifiant \(dans les adresses\)/).pressSequentially("centrale-info", { delay: 15 });
    await page.getByLabel("Nom", { exact: true }).fill("Département informatique");
    await page.getByRole("button", { name: "Créer l'émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/centrale-info`);
    await expect(page.getByRole("link", { name: "Rattaché à École Centrale de Marseille" }).isVisible()).resolves.toBe(true);

    await page.getByRole("navigation", { name: "Navigation principale" }).getByRole("link", { name: "Émetteurs" }).click();
    await page.waitForURL(`${node.url}/issuers`);
    const items = await page.locator("ul.tree li").allTextContents();
    expect(items).toEqual(expect.arrayContaining(["École Centrale de Marseille", "Département informatique"]));
    // The sub-issuer is listed right under its parent, one level in.
    expect(items.indexOf("Département informatique")).toBe(items.indexOf("École Centrale de Marseille") + 1);
    await expect(page.locator("ul.tree li", { hasText: "Département informatique" }).getAttribute("class")).resolves.toBe("depth-1");
  });

  it("invites an unknown e-mail: the invitation link appears in the swapped panel", async () => {
    await page.goto(`${node.url}/issuers/centrale`);
    await page.getByRole("link", { name: "Membres" }).click();
    await page.waitForURL(`${node.url}/issuers/centrale/members`);
    await markDocument(page);
    const panel = page.locator("#members-panel");
    await panel.getByLabel("Adresse e-mail").fill("nadia@centrale.example");
    await panel.getByLabel("Rôle", { exact: true }).selectOption({ label: "proposition d'attributions" });
    await panel.getByRole("button", { name: "Ajouter" }).click();
    const link = page.locator("#invitation-link");
    await link.waitFor();
    invitationLink = await link.inputValue();
    expect(invitationLink).toMatch(new RegExp(`^${node.url}/invitations/[\\w-]+$`));
    await expect(panel.getByRole("status").textContent()).resolves.toContain("Invitation envoyée par e-mail à nadia@centrale.example");
    await expect(panel.locator("ul.invitations").textContent()).resolves.toContain("nadia@centrale.example — proposition d'attributions");
    expect(await sameDocument(page)).toBe(true);
    expect(page.url()).toBe(`${node.url}/issuers/centrale/members`);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("lets the invitee open the link in another browser, create an account and land on the issuer", async () => {
    const invitee = await b.open();
    watched.push(invitee);
    const p = invitee.page;
    await p.goto(invitationLink);
    await expect(p.locator("main").textContent()).resolves.toContain("rejoindre « École Centrale de Marseille » avec le rôle « proposition d'attributions »");
    await p.getByLabel("Nom affiché").fill("Nadia Nouvelle");
    await p.getByLabel("Nouveau mot de passe").fill("un mot de passe solide");
    await p.getByLabel("Confirmez le mot de passe").fill("un mot de passe solide");
    await p.getByRole("button", { name: "Créer mon compte et accepter" }).click();
    await p.waitForURL(`${node.url}/issuers/centrale`);
    await expect(p.getByRole("status").textContent()).resolves.toContain("Bienvenue dans « École Centrale de Marseille »");
    await expect(p.locator(".staff-box").textContent()).resolves.toContain("proposition d'attributions");
    // And the admin's pending invitation is gone once accepted.
    await page.reload();
    await expect(page.locator("#members-panel").textContent()).resolves.toContain("Aucune invitation en attente.");
    await expect(page.locator("table.members").textContent()).resolves.toContain("nadia@centrale.example");
  });

  it("adds an existing user as jury, then removes that role with ×, both through htmx", async () => {
    await markDocument(page);
    const panel = page.locator("#members-panel");
    await panel.getByLabel("Adresse e-mail").fill("juliette@centrale.example");
    await panel.getByLabel("Rôle", { exact: true }).selectOption("jury");
    await panel.getByRole("button", { name: "Ajouter" }).click();
    await page.getByText("juliette@centrale.example a maintenant le rôle « jury ».").waitFor();
    const row = page.locator("table.members tr", { hasText: "juliette@centrale.example" });
    await expect(row.locator(".chip span").allTextContents()).resolves.toEqual(["jury"]);

    await row.getByRole("button", { name: "Retirer jury — juliette@centrale.example" }).click();
    await page.getByText("Rôle retiré.").waitFor();
    await expect(page.locator("table.members tr", { hasText: "juliette@centrale.example" }).count()).resolves.toBe(0);
    expect(await sameDocument(page)).toBe(true);
    expect(page.url()).toBe(`${node.url}/issuers/centrale/members`);
  });

  it("shows field errors of the htmx members form next to the field", async () => {
    await markDocument(page);
    const panel = page.locator("#members-panel");
    await panel.getByLabel("Adresse e-mail").fill("pas-une-adresse");
    await panel.getByRole("button", { name: "Ajouter" }).click();
    await expect(page.locator("#f-email-error").textContent()).resolves.toBe("Cette adresse e-mail n'est pas valide.");
    await expect(page.locator("#f-email").inputValue()).resolves.toBe("pas-une-adresse");
    expect(await sameDocument(page)).toBe(true);
    // Chromium itself logs every 4xx answer; this 422 is the expected one, not an app error.
    const expected = /Failed to load resource: .* 422 .*\/issuers\/centrale\/members$/;
    expect(admin.problems.filter((p) => expected.test(p))).toHaveLength(1);
    admin.problems.splice(0, admin.problems.length, ...admin.problems.filter((p) => !expected.test(p)));
  });

  it("switches language with the footer link, and the choice stays", async () => {
    await page.goto(`${node.url}/`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Bienvenue sur ce nœud FranceBadge");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("fr");
    await page.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await page.locator("html[lang=en]").waitFor();
    expect(page.url()).toBe(`${node.url}/`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Welcome to this FranceBadge node");
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Issuers" }).click();
    await page.waitForURL(`${node.url}/issuers`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Issuers");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("en");

    await page.getByRole("contentinfo").getByRole("link", { name: "Français" }).click();
    await page.locator("html[lang=fr]").waitFor();
    expect(page.url()).toBe(`${node.url}/issuers`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Émetteurs");
  });

  it("switches language for a member whose account already has a language", async () => {
    // The invitee's account stored "fr" when it was created: the footer switch must still win.
    const p = watched[1]!.page;
    await p.goto(`${node.url}/`);
    await p.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await p.locator("html[lang=en]").waitFor();
    await p.goto(`${node.url}/issuers/centrale`);
    await expect(p.locator(".staff-box").textContent()).resolves.toContain("Your roles: award proposals");
  });
});
