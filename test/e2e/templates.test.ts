import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { cliActor } from "../../src/audit/audit.service.ts";
import { chromiumPath, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, TEST_PASSWORD, type TestNode } from "../helpers/node.ts";

// The framework files that ship with the node's demo data (no ../shared needed).
const DEMO = join(import.meta.dirname, "..", "..", "src", "demo", "centrale");

// Issue 3 "Done when": a creator imports the framework, sees the matrix, generates the ladder,
// edits a level's criteria, publishes, and finds it with the catalogue search.
describe.skipIf(!chromiumPath)("templates from a competency framework, in a real browser", { timeout: 120_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let node: TestNode;
  let creator: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    node = await startTestNode();
    const issuer = await node.services.issuers.create(cliActor, { slug: "ecm", name: "École Centrale de Marseille", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!issuer.ok) throw new Error("issuer");
    await node.services.accounts.create({ email: "camille@centrale.example", displayName: "Camille Créatrice", password: TEST_PASSWORD });
    await node.services.members.add(cliActor, issuer.value, { email: "camille@centrale.example", role: "creator" });
    creator = await b.open();
    page = creator.page;
  });
  afterAll(async () => { await node?.close(); });
  afterEach(() => { expect(creator.problems).toEqual([]); });

  it("imports the CSV framework through a preview, then confirms", async () => {
    await page.goto(`${node.url}/login`);
    await page.getByLabel("Adresse e-mail").fill("camille@centrale.example");
    await page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.goto(`${node.url}/issuers/ecm/frameworks`);
    await page.getByLabel("Nom du référentiel").first().fill("Référentiel centralien");
    await page.getByLabel("Référentiel (framework.csv)").setInputFiles(join(DEMO, "framework.csv"));
    await page.getByLabel("Échelle de niveaux (levels.csv)").setInputFiles(join(DEMO, "levels.csv"));
    await page.getByLabel("Situations d'évaluation (evaluation-situations.csv)").setInputFiles(join(DEMO, "evaluation-situations.csv"));
    await page.getByRole("button", { name: "Prévisualiser l'import" }).first().click();
    await expect(page.getByText("UTF-8").first().isVisible()).resolves.toBe(true);
    await page.getByRole("button", { name: "Confirmer l'import" }).click();
    await page.waitForURL(/\/frameworks\/[0-9a-f-]+$/);
    await expect(page.getByText("Créer de la valeur par l'innovation scientifique et technique").first().isVisible()).resolves.toBe(true);
    await expect(page.getByText("Identifie et décrit les apports et indications des outils et techniques de créativité.").first().isVisible()).resolves.toBe(true);
  });

  it("generates the innovation ladder from the matrix, which shows one template per level", async () => {
    await page.getByRole("button", { name: "Générer l'échelle de badges de cette compétence" }).first().click();
    await expect(page.getByText(/5 modèle\(s\) créé\(s\)/).isVisible()).resolves.toBe(true);
    // The matrix's "templates" row of the innovation competency: one draft per level, in level order.
    const innovation = page.locator("section.competency", { has: page.getByRole("heading", { name: /Créer de la valeur par l'innovation/ }) });
    const cells = innovation.locator("tr.templates td");
    await expect(cells.count()).resolves.toBe(5);
    const levels = ["novice", "intermédiaire", "compétent", "avancé", "expert"];
    for (const [i, level] of levels.entries()) {
      const links = cells.nth(i).locator("p.template a");
      await expect(links.allTextContents()).resolves.toEqual([`Créer de la valeur par l'innovation scientifique et technique : niveau ${level}`]);
      await expect(cells.nth(i).getByText("brouillon").isVisible()).resolves.toBe(true);
      await expect(cells.nth(i).getByText("0 titulaire(s)").isVisible()).resolves.toBe(true);
    }
    // The other competencies of the framework have no template yet.
    const others = page.locator("section.competency", { hasNot: page.getByRole("heading", { name: /Créer de la valeur par l'innovation/ }) });
    await expect(others.locator("tr.templates p.template").count()).resolves.toBe(0);
  });

  it("edits the intermediate level's criteria, then publishes it", async () => {
    await page.goto(`${node.url}/issuers/ecm/achievements`);
    await page.getByRole("link", { name: /niveau intermédiaire/ }).click();
    await page.getByRole("link", { name: "Modifier le modèle" }).click();
    const criteria = page.getByLabel("Critères d'obtention (Markdown)");
    await criteria.fill((await criteria.inputValue()) + "\n\nValidé en jury de fin de semestre.");
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await expect(page.getByText("Validé en jury de fin de semestre.").isVisible()).resolves.toBe(true);
    await page.getByRole("button", { name: "Publier" }).click();
    await expect(page.getByText("Modèle publié").isVisible()).resolves.toBe(true);
  });

  it("publishes the novice level too", async () => {
    await page.goto(`${node.url}/issuers/ecm/achievements`);
    await page.getByRole("link", { name: /niveau novice/ }).click();
    await page.getByRole("button", { name: "Publier" }).click();
    await expect(page.getByText("Modèle publié").isVisible()).resolves.toBe(true);
  });

  it("finds it in the public catalogue, typing without accents: the other level goes, the count and the URL change", async () => {
    const visitor = await b.open();
    const v = visitor.page;
    await v.goto(`${node.url}/catalogue`);
    const count = v.locator("#catalogue-results .results-count");
    // Both published levels are listed before any search.
    await expect(count.textContent()).resolves.toBe("2 badges");
    await expect(v.getByRole("link", { name: /niveau novice/ }).isVisible()).resolves.toBe(true);
    await expect(v.getByRole("link", { name: /niveau intermédiaire/ }).isVisible()).resolves.toBe(true);
    await v.getByRole("searchbox", { name: "Mots-clés" }).fill("innovation intermediaire");
    // htmx swaps the results in place: the novice level disappears, the count drops, the URL follows.
    await v.getByRole("link", { name: /niveau novice/ }).waitFor({ state: "detached" });
    await expect(count.textContent()).resolves.toBe("1 badge");
    await expect(v.getByRole("link", { name: /niveau intermédiaire/ }).isVisible()).resolves.toBe(true);
    await v.waitForURL((u) => u.searchParams.get("q") === "innovation intermediaire");
    // Choosing the framework brings its competency select (swapped in beside the results).
    await v.getByLabel("Référentiel", { exact: true }).selectOption({ label: "Référentiel centralien" });
    await v.getByLabel("Compétence", { exact: true }).selectOption({ label: "innovation — Créer de la valeur par l'innovation scientifique et technique" });
    await v.waitForURL((u) => u.searchParams.has("competency"));
    await expect(count.textContent()).resolves.toBe("1 badge");
    await v.getByRole("link", { name: /niveau intermédiaire/ }).click();
    await expect(v.getByText("Validé en jury de fin de semestre.").isVisible()).resolves.toBe(true);
    expect(visitor.problems).toEqual([]);
  });
});
