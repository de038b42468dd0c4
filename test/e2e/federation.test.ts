import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { chromiumPath, markDocument, sameDocument, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { TEST_PASSWORD, type TestNode } from "../helpers/node.ts";
import { createIssuer, followAccepted, publishTemplateTo, startFederatedNode, waitFor } from "../federation/federation-kit.ts";

// Two real nodes in a real browser (issue #6 "Done when"): A's admin follows B by its handle in the
// partners page, B accepts on its own (automatic policy), B publishes a template, A's creator finds
// it under "partners" and reuses it, B's public page names A; A's admin endorses it, B shows the
// verified endorsement (also without JavaScript), A withdraws it and B stops showing it.
describe.skipIf(!chromiumPath)("federation between two nodes, in a real browser", { timeout: 120_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let nodeA: TestNode;
  let nodeB: TestNode;
  let univA: IssuerRow;
  let univB: IssuerRow;
  let adminA: WatchedPage;
  let creatorA: WatchedPage;
  let visitor: WatchedPage;
  let templateId = "";
  let partnerPage = "";
  const name = "Cybersécurité & <éthique>";
  const comment = "Un modèle <b>exemplaire</b> & clair.";
  const watched: WatchedPage[] = [];

  beforeAll(async () => {
    [nodeA, nodeB] = await Promise.all([startFederatedNode(), startFederatedNode()]);
    [univA, univB] = await Promise.all([createIssuer(nodeA, "univ-a", "Université A"), createIssuer(nodeB, "univ-b", "Université B")]);
    for (const [email, role] of [["admin@a.test", "admin"], ["creator@a.test", "creator"]] as const) {
      await nodeA.signIn(email); // creates the account (password TEST_PASSWORD)
      await nodeA.services.members.add(systemActor, univA, { email, role });
    }
  });
  afterAll(async () => { await Promise.all([nodeA?.close(), nodeB?.close()]); });
  afterEach(() => { for (const w of watched) expect(w.problems).toEqual([]); });

  async function open(javaScriptEnabled = true): Promise<WatchedPage> {
    const w = await b.open({ javaScriptEnabled });
    watched.push(w);
    return w;
  }
  async function signIn(email: string): Promise<WatchedPage> {
    const w = await open();
    await w.page.goto(`${nodeA.url}/login`);
    await w.page.getByLabel("Adresse e-mail").fill(email);
    await w.page.getByLabel("Mot de passe").fill(TEST_PASSWORD);
    await w.page.getByRole("button", { name: "Se connecter" }).click();
    await w.page.waitForURL(`${nodeA.url}/`);
    return w;
  }
  const onB = (page: Page) => page.goto(`${nodeB.url}/achievements/${templateId}`);
  const received = () => nodeB.database.db.selectFrom("endorsements").selectAll().where("direction", "=", "received")
    .where("achievement_id", "=", templateId).executeTakeFirst();

  it("A's admin follows B by its handle; B accepts by itself", async () => {
    adminA = await signIn("admin@a.test");
    const page = adminA.page;
    await page.goto(`${nodeA.url}/issuers/univ-a`);
    await page.getByRole("link", { name: "Partenaires", exact: true }).click();
    await page.waitForURL(`${nodeA.url}/issuers/univ-a/partners`);
    await markDocument(page);
    const target = page.getByLabel("Identifiant ou adresse");
    await target.fill(`@nobody@${new URL(nodeB.url).host}`);
    await page.getByRole("button", { name: "Suivre", exact: true }).click();
    await expect(page.locator("#f-target-error").textContent()).resolves.toContain("Aucun établissement ne répond à cet identifiant ou à cette adresse.");
    // Chromium itself logs every 4xx answer; this 422 is the expected one, not an app error.
    const expected = /Failed to load resource: .* 422 .*\/issuers\/univ-a\/partners\/following$/;
    adminA.problems.splice(0, adminA.problems.length, ...adminA.problems.filter((p) => !expected.test(p)));
    await target.fill(`@univ-b@${new URL(nodeB.url).host}`);
    await page.getByRole("button", { name: "Suivre", exact: true }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Demande envoyée à Université B.");
    expect(await sameDocument(page)).toBe(true); // htmx swapped the panel
    await waitFor(async () => (await nodeA.services.federation.partners.following(univA.id))[0]?.state === "accepted", 20_000, "Accept");
    await page.reload();
    const following = page.locator("ul.following li");
    await expect(following.textContent()).resolves.toContain("Université B");
    await expect(following.textContent()).resolves.toContain("accepté");
    await expect((await nodeB.services.federation.partners.followers(univB.id)).map((f) => f.actor_id)).toEqual([`${nodeA.url}/issuers/univ-a`]);
    await followAccepted(nodeB, univB, `${nodeA.url}/issuers/univ-a`); // and back (B's own page is the same form): partners both ways
  });

  it("B publishes a template; A's creator finds it under partners and reuses it", async () => {
    templateId = (await publishTemplateTo(nodeB, univB, nodeA, { name, description: "Sécurité des systèmes", criteria: { narrative: "Audit réalisé." } })).id;

    creatorA = await signIn("creator@a.test");
    const page = creatorA.page;
    await page.goto(`${nodeA.url}/catalogue`);
    await page.getByLabel("Provenance").selectOption({ label: "Partenaires" });
    await page.waitForURL(/source=partners/); // htmx pushed the filtered URL
    const item = page.locator("#catalogue-results li.catalogue-item");
    await expect(item.count()).resolves.toBe(1);
    await expect(item.locator("p.by").textContent()).resolves.toContain(`par Université B (${new URL(nodeB.url).host})`);
    await item.getByRole("link", { name }).click();
    await page.waitForURL(/\/catalogue\/partners\/[^/]+$/);
    partnerPage = page.url();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(name);
    await page.getByRole("button", { name: "Réutiliser ce modèle" }).click();
    await page.waitForURL(/\/achievements\/[^/]+\/edit$/);
    await expect(page.locator('input[name="name"]').inputValue()).resolves.toBe(name);
  });

  it("A's creator saves and publishes the copy; B receives it, credited to B as creator", async () => {
    const page = creatorA.page;
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await page.waitForURL(/\/achievements\/[^/]+$/);
    const copyId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByRole("button", { name: "Publier" }).click();
    await expect(page.getByText("Modèle publié").first().isVisible()).resolves.toBe(true);
    const back = await waitFor(() => nodeB.database.db.selectFrom("remote_templates").select(["id", "creator_id"]).where("ob_id", "=", `${nodeA.url}/achievements/${copyId}`).executeTakeFirst(), 20_000, "copy received");
    expect(back.creator_id).toBe(`${nodeB.url}/issuers/univ-b`);
    const res = await fetch(`${nodeB.url}/catalogue/partners/${back.id}`, { headers: { Accept: "text/html" } });
    expect(await res.text()).toContain("Créé par Université B");
  });

  it("B's public template page says A reused it", async () => {
    await waitFor(() => nodeB.database.db.selectFrom("template_reuses").select("achievement_id").where("achievement_id", "=", templateId).executeTakeFirst(), 20_000, "Announce");
    visitor = await open();
    await onB(visitor.page);
    await expect(visitor.page.locator(".achievement-partners .reuses").textContent()).resolves.toBe("Réutilisé par 1 établissement : Université A");
  });

  it("A's admin endorses B's template with a comment; B shows it, verified and escaped", async () => {
    const page = adminA.page;
    await page.goto(partnerPage);
    await page.getByLabel("Commentaire").fill(comment);
    await page.getByRole("button", { name: "Recommander", exact: true }).click();
    await page.waitForURL(partnerPage);
    await expect(page.locator("ul.endorsements.given blockquote").textContent()).resolves.toBe(comment);
    await waitFor(() => received(), 20_000, "endorsement received");

    await onB(visitor.page);
    const item = visitor.page.locator(".achievement-partners ul.endorsements li");
    await expect(item.locator("blockquote").textContent()).resolves.toBe(comment);
    await expect(item.locator("blockquote b").count()).resolves.toBe(0);
    await expect(item.textContent()).resolves.toContain("Université A");
    await expect(item.locator(".chip.verified").textContent()).resolves.toBe("signature vérifiée");
  });

  it("without JavaScript, B's template page links to the same partners' list", async () => {
    const noJs = await open(false);
    await onB(noJs.page);
    await noJs.page.getByRole("link", { name: "Réutilisations et recommandations par des partenaires" }).click();
    await noJs.page.waitForURL(`${nodeB.url}/achievements/${templateId}/partners`);
    await expect(noJs.page.locator("ul.endorsements blockquote").textContent()).resolves.toBe(comment);
    await expect(noJs.page.locator(".reuses").textContent()).resolves.toBe("Réutilisé par 1 établissement : Université A");
  });

  it("A's admin endorses the institution B; B's public profile shows it", async () => {
    const page = adminA.page;
    await page.goto(`${nodeA.url}/issuers/univ-a/partners/endorsements`);
    const form = page.locator("form.endorse");
    await form.getByLabel("Commentaire").fill("Partenaire fiable depuis 2020.");
    await form.getByRole("button", { name: "Recommander", exact: true }).click();
    await page.waitForURL(`${nodeA.url}/issuers/univ-a/partners/endorsements`);
    await waitFor(() => nodeB.database.db.selectFrom("endorsements").select("id").where("achievement_id", "is", null).where("direction", "=", "received").executeTakeFirst(), 20_000, "issuer endorsement");
    await visitor.page.goto(`${nodeB.url}/issuers/univ-b`);
    const section = visitor.page.locator("#issuer-endorsements");
    await expect(section.getByRole("heading").textContent()).resolves.toBe("Recommandations d'établissements partenaires");
    await expect(section.locator("blockquote").textContent()).resolves.toBe("Partenaire fiable depuis 2020.");
    const noJs = await open(false);
    await noJs.page.goto(`${nodeB.url}/issuers/univ-b`);
    await noJs.page.getByRole("link", { name: "Recommandations d'établissements partenaires" }).click();
    await expect(noJs.page.locator("ul.endorsements blockquote").textContent()).resolves.toBe("Partenaire fiable depuis 2020.");
    const english = await fetch(`${nodeB.url}/issuers/univ-b/endorsements`, { headers: { "HX-Request": "true", "Accept-Language": "en" } });
    expect(await english.text()).toContain("Endorsements from partner institutions");
  });

  it("A withdraws the template endorsement; B stops showing it", async () => {
    const page = adminA.page;
    await page.goto(partnerPage);
    await page.getByRole("button", { name: "Retirer la recommandation" }).click();
    await page.waitForURL(partnerPage);
    await expect(page.locator("ul.endorsements.given").textContent()).resolves.toContain("retirée le");
    await waitFor(async () => (await received())?.withdrawn_at, 20_000, "Delete");
    await onB(visitor.page);
    await visitor.page.locator(".achievement-partners .reuses").waitFor({ state: "visible" }); // the fragment is in
    await expect(visitor.page.locator(".achievement-partners ul.endorsements").count()).resolves.toBe(0);
  });
});
