import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, stopAfterFirstFailure, useBrowser, type InPage } from "../helpers/browser.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

// The same key flows with JavaScript off: every form is a plain POST answered by a page or a
// redirect (style.md rule 6, "every htmx interaction is a working form or link first").
describe.skipIf(!chromiumPath)("foundation, with JavaScript disabled", { timeout: 90_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let node: TestNode;
  let page: Page;
  let invitationLink = "";

  beforeAll(async () => {
    node = await startTestNode();
    const { accounts } = node.services;
    const created = await accounts.create({ email: "root@univ.example", displayName: "Root", password: TEST_PASSWORD, isNodeAdmin: true });
    if (!created.ok) throw new Error(created.error);
    await accounts.create({ email: "jules@univ.example", displayName: "Jules Jury", password: TEST_PASSWORD });
    page = (await b.open({ javaScriptEnabled: false })).page;
  });
  afterAll(async () => { await node?.close(); });

  it("really has JavaScript off: htmx never runs", async () => {
    await page.goto(`${node.url}/login`);
    await expect(page.evaluate(() => typeof (globalThis as unknown as InPage).window.htmx)).resolves.toBe("undefined");
  });

  it("rejects a wrong password, then logs in through the form", async () => {
    await page.goto(`${node.url}/login`);
    await page.getByLabel("Adresse e-mail").fill("root@univ.example");
    await page.getByLabel("Mot de passe").fill("not the password");
    await page.getByRole("button", { name: "Se connecter" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Adresse e-mail ou mot de passe incorrect.");
    await expect(page.getByLabel("Adresse e-mail").inputValue()).resolves.toBe("root@univ.example");
    await page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(`${node.url}/`);
    await expect(page.getByRole("button", { name: "Se déconnecter" }).isVisible()).resolves.toBe(true);
  });

  it("creates an issuer and a sub-issuer; a taken slug is reported next to the field on submit", async () => {
    await page.goto(`${node.url}/issuers/new`);
    await page.getByLabel(/Identifiant \(dans les adresses\)/).fill("univ");
    await page.getByLabel("Nom", { exact: true }).fill("Université de test");
    await page.getByRole("button", { name: "Créer l'émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/univ`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Université de test");

    await page.getByRole("link", { name: "Nouvel émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/new?parent=univ`);
    await page.getByLabel(/Identifiant \(dans les adresses\)/).fill("univ");
    await page.getByLabel("Nom", { exact: true }).fill("Faculté des sciences");
    await page.getByRole("button", { name: "Créer l'émetteur" }).click();
    await expect(page.locator("#f-slug-error").textContent()).resolves.toBe("Cet identifiant est déjà utilisé.");
    await expect(page.getByRole("alert").first().textContent()).resolves.toContain("rien n'a été enregistré");
    await expect(page.getByLabel("Nom", { exact: true }).inputValue()).resolves.toBe("Faculté des sciences");
    await expect(page.getByLabel(/Émetteur parent/).inputValue()).resolves.toBe("univ");

    await page.getByLabel(/Identifiant \(dans les adresses\)/).fill("univ-sciences");
    await page.getByRole("button", { name: "Créer l'émetteur" }).click();
    await page.waitForURL(`${node.url}/issuers/univ-sciences`);
    await expect(page.getByRole("link", { name: "Rattaché à Université de test" }).isVisible()).resolves.toBe(true);
  });

  it("invites a member by e-mail: the page shows the invitation link", async () => {
    await page.goto(`${node.url}/issuers/univ/members`);
    await page.getByLabel("Adresse e-mail").fill("new@univ.example");
    await page.getByLabel("Rôle", { exact: true }).selectOption("creator");
    await page.getByRole("button", { name: "Ajouter" }).click();
    await page.locator("#invitation-link").waitFor();
    invitationLink = await page.locator("#invitation-link").inputValue();
    expect(invitationLink).toMatch(new RegExp(`^${node.url}/invitations/[\\w-]+$`));
    await expect(page.locator("ul.invitations").textContent()).resolves.toContain("new@univ.example — création de modèles");
  });

  it("adds an existing user as jury and removes the role with ×; the language switch still works afterwards", async () => {
    await page.goto(`${node.url}/issuers/univ/members`);
    await page.getByLabel("Adresse e-mail").fill("jules@univ.example");
    await page.getByLabel("Rôle", { exact: true }).selectOption("jury");
    await page.getByRole("button", { name: "Ajouter" }).click();
    await page.getByText("jules@univ.example a maintenant le rôle « jury ».").waitFor();
    await page.getByRole("button", { name: "Retirer jury — jules@univ.example" }).click();
    await page.getByText("Rôle retiré.").waitFor();
    await expect(page.locator("table.members tr", { hasText: "jules@univ.example" }).count()).resolves.toBe(0);
    // The page was rendered at the POST-only address: the language switch must lead back to a
    // page that exists (the members page the form was posted from), not to a 404.
    expect(page.url()).toBe(`${node.url}/issuers/univ/members/remove`);
    await page.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await page.waitForURL(`${node.url}/issuers/univ/members`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Members of Université de test");
    await page.getByRole("contentinfo").getByRole("link", { name: "Français" }).click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Membres de Université de test");
  });

  it("shows a form error next to the field", async () => {
    await page.getByLabel("Adresse e-mail").fill("nope");
    await page.getByRole("button", { name: "Ajouter" }).click();
    await expect(page.locator("#f-email-error").textContent()).resolves.toBe("Cette adresse e-mail n'est pas valide.");
  });

  it("revokes an invitation", async () => {
    await page.goto(`${node.url}/issuers/univ/members`);
    await page.getByLabel("Adresse e-mail").fill("later@univ.example");
    await page.getByRole("button", { name: "Ajouter" }).click();
    const item = page.locator("ul.invitations li", { hasText: "later@univ.example" });
    await item.getByRole("button", { name: "Révoquer" }).click();
    await page.locator("ul.invitations li", { hasText: "later@univ.example" }).waitFor({ state: "detached" });
    await expect(page.locator("ul.invitations").textContent()).resolves.toContain("new@univ.example");
  });

  it("lets the invitee create an account from the link, without JavaScript", async () => {
    const p = (await b.open({ javaScriptEnabled: false })).page;
    await p.goto(invitationLink);
    await p.getByLabel("Nom affiché").fill("Nora Nouvelle");
    await p.getByLabel("Nouveau mot de passe").fill("un mot de passe solide");
    await p.getByLabel("Confirmez le mot de passe").fill("un mot de passe solide");
    await p.getByRole("button", { name: "Créer mon compte et accepter" }).click();
    await p.waitForURL(`${node.url}/issuers/univ`);
    await expect(p.locator(".staff-box").textContent()).resolves.toContain("création de modèles");
  });

  it("switches language with the footer link, keeping the query of the page", async () => {
    await page.goto(`${node.url}/issuers/new?parent=univ`);
    await page.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await page.waitForURL(`${node.url}/issuers/new?parent=univ`);
    await expect(page.getByLabel(/Parent issuer/).inputValue()).resolves.toBe("univ");
    await page.goto(`${node.url}/issuers/univ/members`);
    await page.getByRole("contentinfo").getByRole("link", { name: "English" }).click();
    await page.waitForURL(`${node.url}/issuers/univ/members`);
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("en");
    await expect(page.locator("h1").textContent()).resolves.toBe("Members of Université de test");
  });
});
