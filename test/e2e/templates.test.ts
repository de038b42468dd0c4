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

  it("generates the innovation ladder from the matrix", async () => {
    await page.getByRole("button", { name: "Générer l'échelle de badges de cette compétence" }).first().click();
    await expect(page.getByText(/5 modèle\(s\) créé\(s\)/).isVisible()).resolves.toBe(true);
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

  it("finds it in the public catalogue, typing without accents", async () => {
    const visitor = await b.open();
    await visitor.page.goto(`${node.url}/catalogue`);
    await visitor.page.getByRole("searchbox", { name: "Mots-clés" }).fill("innovation intermediaire");
    await visitor.page.getByRole("link", { name: /niveau intermédiaire/ }).waitFor();
    await expect(visitor.page.getByRole("link", { name: /niveau novice/ }).count()).resolves.toBe(0);
    await visitor.page.getByRole("link", { name: /niveau intermédiaire/ }).click();
    await expect(visitor.page.getByText("Validé en jury de fin de semestre.").isVisible()).resolves.toBe(true);
    expect(visitor.problems).toEqual([]);
  });
});
