import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumPath, markDocument, sameDocument, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";
import { setUpAwards, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// The FranceBadge way, in a real browser with JavaScript: an awarder pastes addresses (one bad),
// the preview flags it, the list goes to the jury, the jury approves, the progress bar fills by
// itself (htmx polling, no reload) and the report gives the issued count.
describe.skipIf(!chromiumPath)("awarding after a jury, in a real browser", { timeout: 90_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let node: TestNode;
  let kit: AwardKit;
  let awarder: WatchedPage;
  let jury: WatchedPage;
  let listUrl = "";
  const watched: WatchedPage[] = [];

  beforeAll(async () => {
    node = await startTestNode({ jobs: { pollMs: 50 } }); // the queue starts later, so the page is seen polling
    kit = await setUpAwards(node);
  });
  afterAll(async () => { await node?.close(); });
  afterEach(() => { for (const w of watched) expect(w.problems).toEqual([]); });

  async function signIn(email: string): Promise<WatchedPage> {
    const w = await b.open();
    watched.push(w);
    await w.page.goto(`${node.url}/login`);
    await w.page.getByLabel("Adresse e-mail").fill(email);
    await w.page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await w.page.getByRole("button", { name: "Se connecter" }).click();
    await w.page.waitForURL(`${node.url}/`);
    return w;
  }

  const section = (page: Page, heading: string) => page.locator("section", { has: page.getByRole("heading", { name: heading }) });

  it("the awarder pastes addresses with one bad row; the preview flags it", async () => {
    awarder = await signIn("awarder@ecm.example");
    const page = awarder.page;
    await page.goto(`${node.url}/achievements/${kit.level1.row.id}`);
    await page.getByRole("link", { name: "Attribuer ce badge" }).click();
    const paste = section(page, "Coller une liste d'adresses");
    await paste.getByLabel("Adresses e-mail").fill("ana@etu.example\nmax@etu.example; leo@etu.example\npas-une-adresse");
    await paste.getByRole("button", { name: "Prévisualiser" }).click();
    await page.waitForURL(/\/issuers\/ecm\/award-lists\/[0-9a-f-]{36}$/);
    listUrl = page.url();
    await expect(page.locator("#list-status").textContent()).resolves.toBe("Brouillon");
    const bad = page.locator("#row-4");
    await expect(bad.textContent()).resolves.toContain("Adresse e-mail mal formée.");
    await expect(bad.getByText("Exclue").isVisible()).resolves.toBe(true);
    await expect(page.locator("#row-1").getByText("Prête").isVisible()).resolves.toBe(true);
    await expect(page.locator("#list-counts").textContent()).resolves.toBe("4 ligne(s) : 3 à émettre, 1 exclue(s) pour un problème.");
  });

  it("submits it to the jury", async () => {
    const page = awarder.page;
    await page.getByRole("button", { name: "Soumettre au jury" }).click();
    await page.waitForURL(listUrl);
    await expect(page.getByRole("status").first().textContent()).resolves.toBe("Liste soumise.");
    await expect(page.locator("#list-status").textContent()).resolves.toBe("Soumise au jury");
    await expect(page.getByText("Cette liste attend la décision du jury.").isVisible()).resolves.toBe(true);
  });

  it("the jury finds the list and approves it; the progress bar fills without a reload; the report counts the badges", async () => {
    jury = await signIn("jury@ecm.example");
    const page = jury.page;
    await page.goto(`${node.url}/issuers/ecm`);
    await page.getByRole("link", { name: "Listes d'attribution" }).click();
    await page.getByRole("link", { name: "Anglais niveau 1" }).click();
    await page.waitForURL(listUrl);
    await page.getByRole("button", { name: "Valider et émettre" }).click();
    await page.waitForURL(listUrl);
    const bar = page.locator("#award-progress-bar");
    await expect(bar.getAttribute("max")).resolves.toBe("3");
    await expect(bar.getAttribute("value")).resolves.toBe("0");
    await markDocument(page);
    node.services.jobs.start();
    const report = page.locator("#award-report");
    await report.waitFor({ state: "visible" });
    await expect(report.textContent()).resolves.toContain("3 badge(s) émis, 0 ignoré(s) (déjà détenus), 1 ligne(s) en erreur.");
    await expect(bar.getAttribute("value")).resolves.toBe("3");
    expect(await sameDocument(page)).toBe(true); // htmx polled the partial: no reload
    await expect(page.locator("#award-progress").getAttribute("hx-trigger")).resolves.toBeNull(); // polling stopped
  });

  it("the reloaded page links each row to its credential", async () => {
    const page = jury.page;
    await page.getByRole("link", { name: "Voir le détail des lignes" }).click();
    await page.waitForURL(listUrl);
    await expect(page.locator("#list-status").textContent()).resolves.toBe("Émise");
    await expect(page.getByRole("link", { name: "Voir le badge" }).count()).resolves.toBe(3);
    await page.getByRole("link", { name: "Voir le badge" }).first().click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Anglais niveau 1");
  });

  it("a Windows-1252 CSV with `;` is previewed with its encoding, bad rows flagged and the formula kept as text", async () => {
    const page = awarder.page;
    await page.goto(`${node.url}/issuers/ecm/award-lists/new?achievement=${kit.level1.row.id}`);
    const csv = "Nom;Courriel;evidence\r\nFrançois Lefèvre;francois@etu.example;https://ok.example\r\n=HYPERLINK(\"http://evil.example\");zoe@etu.example;\r\nMax;max@etu;\r\n";
    const csvSection = section(page, "Importer un fichier CSV");
    await csvSection.getByLabel("Fichier CSV").setInputFiles({ name: "jury.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "latin1") });
    await csvSection.getByRole("button", { name: "Prévisualiser" }).click();
    await page.waitForURL(/\/award-lists\/[0-9a-f-]{36}$/);
    await expect(page.getByText("Fichier lu en Windows-1252, séparateur « ; ».").isVisible()).resolves.toBe(true);
    await expect(page.locator("#row-2").textContent()).resolves.toContain("François Lefèvre");
    await expect(page.locator("#row-3").textContent()).resolves.toContain("formule de tableur");
    await expect(page.locator("#row-3").textContent()).resolves.toContain('=HYPERLINK("http://evil.example")');
    await expect(page.locator("#row-3 a").count()).resolves.toBe(0);
    await expect(page.locator("#row-4").textContent()).resolves.toContain("Adresse e-mail mal formée.");
  });
});
