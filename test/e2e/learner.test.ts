import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { linkIn, mailOfKind, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";
import { listIdOf, settle, setUpAwards } from "../fixtures/awards/award-test-kit.ts";

// The learner's side in a real browser: from the award e-mail to the badge page, sign in by the
// link mailed to the address the badge went to, accept the badge in the backpack, build a public
// page, open it as a visitor, download the signed JSON and verify it on /verify (file input).
describe.skipIf(!chromiumPath)("a learner claims a badge, shares a page and verifies the download, in a real browser", { timeout: 90_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let sink: SmtpSink;
  let node: TestNode;
  let learner: WatchedPage;
  let pageUrl = "";
  let downloaded = "";
  const LEARNER = "lea@etu.example";
  const watched: WatchedPage[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    node = await startTestNode({ mail: { smtp: { host: "127.0.0.1", port: sink.port, secure: false } } });
    const kit = await setUpAwards(node);
    const path = "/issuers/ecm/award-lists";
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: LEARNER, name: "Léa Martin", notify: "1", token: "e2e-learner" }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    if ((await settle(node, id)) !== "issued") throw new Error("the award list was not issued");
  });
  afterAll(async () => {
    await node?.close();
    await sink?.close();
  });
  afterEach(() => { for (const w of watched) expect(w.problems).toEqual([]); });

  const mailTo = (to: string, kind: string) => mailOfKind(sink, node.services.jobs, to, kind);

  async function open(): Promise<WatchedPage> {
    const w = await b.open();
    watched.push(w);
    return w;
  }

  it("the award e-mail leads to the badge page; the learner asks for a sign-in link there", async () => {
    const link = linkIn(await mailTo(LEARNER, "award-notification"), /https?:\/\/\S+\/credentials\/[0-9a-f-]{36}/);
    expect(link).not.toBe("");
    learner = await open();
    const page = learner.page;
    await page.goto(link);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Anglais niveau 1");
    await page.getByRole("link", { name: "Ajouter à mon sac à dos" }).click();
    await page.waitForURL(`${node.url}/signin`);
    await page.getByLabel("Adresse e-mail").fill(LEARNER);
    await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(LEARNER);
  });

  it("the link from the second e-mail signs the learner in; the backpack shows the badge to accept", async () => {
    const link = linkIn(await mailTo(LEARNER, "magic-link"), /https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/);
    expect(link).not.toBe("");
    const page = learner.page;
    await page.goto(link);
    await page.getByRole("button", { name: "Me connecter" }).click();
    await page.waitForURL(`${node.url}/backpack`);
    const item = page.locator(".backpack-item", { has: page.getByRole("link", { name: "Anglais niveau 1" }) });
    await expect(item.getByText("À accepter").isVisible()).resolves.toBe(true);
    await item.getByRole("button", { name: "Accepter" }).click();
    await page.waitForURL(`${node.url}/backpack`);
    await page.locator(".backpack-item").getByRole("button", { name: "Rendre public" }).click();
    await page.waitForURL(`${node.url}/backpack`);
    await expect(page.locator(".backpack-item").getByRole("button", { name: "Rendre privé" }).isVisible()).resolves.toBe(true);
  });

  it("builds a public page with the badge; a visitor opens it", async () => {
    const page = learner.page;
    await page.getByRole("link", { name: "Nouvelle page" }).click();
    await page.getByLabel("Titre").fill("Mes compétences en langues");
    await page.getByLabel("Présentation").fill("Étudiante en L3 LEA.");
    await page.getByLabel("Anglais niveau 1").check();
    await page.getByLabel("Page publique (visible par toute personne qui a le lien)").check();
    await page.getByRole("button", { name: "Enregistrer la page" }).click();
    await page.waitForURL(/\/pages\/[0-9a-f-]{36}$/);
    pageUrl = page.url();
    const visitor = await open();
    await visitor.page.goto(pageUrl);
    await expect(visitor.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Mes compétences en langues");
    await expect(visitor.page.getByText("Étudiante en L3 LEA.").isVisible()).resolves.toBe(true);
    await visitor.page.getByRole("link", { name: "Anglais niveau 1" }).first().click();
    await visitor.page.waitForURL(/\/credentials\/[0-9a-f-]{36}$/);
    await expect(visitor.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Anglais niveau 1");
  });

  it("downloads the signed JSON from the badge page", async () => {
    const page = learner.page;
    await page.goto(pageUrl);
    await page.getByRole("link", { name: "Anglais niveau 1" }).first().click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Badge signé (JSON, Open Badges 3.0)" }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.json$/);
    downloaded = (await download.path())!;
    expect(JSON.parse(await readFile(downloaded, "utf8")).type).toContain("OpenBadgeCredential");
  });

  it("uploads the file on /verify and sees the green verdict", async () => {
    const page = learner.page;
    await page.goto(`${node.url}/verify`);
    await page.getByLabel("Fichier du badge").setInputFiles(downloaded);
    await page.getByRole("button", { name: "Vérifier" }).click();
    const verdict = page.locator("#verify-verdict");
    await verdict.waitFor({ state: "visible" });
    await expect(verdict.getAttribute("class")).resolves.toBe("verdict verdict-valid");
    await expect(verdict.textContent()).resolves.toBe("Badge valide");
    await expect(page.locator(".verify-name").textContent()).resolves.toBe("Anglais niveau 1");
    await expect(page.locator(".check-fail").count()).resolves.toBe(0);
  });
});
