import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { chromiumPath, stopAfterFirstFailure, useBrowser, type WatchedPage } from "../helpers/browser.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { linkIn, mailOfKind, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";

// The backpack's newer parts in a real browser: a signed-in learner uploads a badge file issued by
// a second node (verified, shown as external with its origin), puts it on a public page; adds a
// second e-mail address by the link mailed there, and a badge issued to that address shows up.
describe.skipIf(!chromiumPath)("a learner imports a badge from elsewhere and adds an e-mail address, in a real browser", { timeout: 60_000 }, () => {
  const b = useBrowser();
  stopAfterFirstFailure();
  let sink: SmtpSink;
  let a: TestNode;
  let other: TestNode;
  let dir = "";
  let badgeFile = "";
  let learner: WatchedPage;
  const LEARNER = "maya@etu.example";
  const PERSONAL = "maya.perso@mail.example";
  const watched: WatchedPage[] = [];

  async function issuerWith(node: TestNode, slug: string, name: string, badge: string): Promise<{ issuer: IssuerRow; template: Achievement }> {
    const created = await node.services.issuers.create(cliActor, { slug, name, description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    const t = await node.services.achievements.define(cliActor, created.value, { name: badge, description: badge, criteria: { narrative: "Réussir." } }, { publish: true });
    if (!t.ok) throw new Error("template");
    return { issuer: created.value, template: t.value };
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    a = await startTestNode({ mail: { smtp: { host: "127.0.0.1", port: sink.port, secure: false } } });
    other = await startTestNode();
    const { issuer, template } = await issuerWith(other, "ecole-b", "École B", "Secourisme");
    const [row] = await other.services.credentials.issueMany(cliActor, issuer, template, [{ recipient: LEARNER, recipientType: "emailAddress", name: "Maya" }]);
    const png = await fetch(`${other.url}/credentials/${row!.id}.png`);
    if (png.status !== 200) throw new Error("no baked PNG on the second node");
    dir = await mkdtemp(join(tmpdir(), "fb-e2e-backpack-"));
    badgeFile = join(dir, "secourisme.png");
    await writeFile(badgeFile, new Uint8Array(await png.arrayBuffer()));
    await a.signIn(LEARNER); // the account exists; the browser signs in by the mailed link
  });
  afterAll(async () => {
    await a?.close();
    await other?.close();
    await sink?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => { for (const w of watched) expect(w.problems).toEqual([]); });

  const mailTo = (to: string, kind: string) => mailOfKind(sink, a.services.jobs, to, kind);

  async function open(): Promise<WatchedPage> {
    const w = await b.open();
    watched.push(w);
    return w;
  }

  it("signs in by the mailed link and imports the other node's badge file; it shows as external with its origin", async () => {
    learner = await open();
    const page = learner.page;
    await page.goto(`${a.url}/signin`);
    await page.getByLabel("Adresse e-mail").fill(LEARNER);
    await page.getByRole("button", { name: "Recevoir un lien de connexion" }).click();
    await page.goto(linkIn(await mailTo(LEARNER, "magic-link"), /https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/));
    await page.getByRole("button", { name: "Me connecter" }).click();
    await page.waitForURL(`${a.url}/backpack`);

    await page.getByRole("link", { name: "Importer un badge" }).click();
    await page.getByLabel("Fichier du badge").setInputFiles(badgeFile);
    await page.getByRole("button", { name: "Vérifier et importer" }).click();
    await page.waitForURL(`${a.url}/backpack`);
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("Badge « Secourisme » vérifié et importé.");
    const item = page.locator(".backpack-item", { has: page.getByRole("link", { name: "Secourisme" }) });
    await expect(item.locator(".external-tag").textContent()).resolves.toBe("Externe");
    const origin = (await item.locator(".external-origin").textContent())!.replace(/\s+/g, " ");
    expect(origin).toContain("Badge Open Badges 3.0 importé");
    expect(origin).toContain("depuis le fichier secourisme.png");
    expect(origin).toContain("émis à l'une de vos adresses");
    await item.getByRole("button", { name: "Rendre public" }).click();
    await page.waitForURL(`${a.url}/backpack`);
    await expect(page.locator(".backpack-item", { has: page.getByRole("link", { name: "Secourisme" }) }).getByRole("button", { name: "Rendre privé" }).isVisible()).resolves.toBe(true);
  });

  it("puts the imported badge on a public page; a visitor sees it and its origin", async () => {
    const page = learner.page;
    await page.getByRole("link", { name: "Nouvelle page" }).click();
    await page.getByLabel("Titre").fill("Mes formations");
    await page.getByLabel("Secourisme").check();
    await page.getByLabel("Page publique (visible par toute personne qui a le lien)").check();
    await page.getByRole("button", { name: "Enregistrer la page" }).click();
    await page.waitForURL(/\/pages\/[0-9a-f-]{36}$/);
    const visitor = await open();
    await visitor.page.goto(page.url());
    await expect(visitor.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Mes formations");
    await visitor.page.getByRole("link", { name: "Secourisme" }).first().click();
    await visitor.page.waitForURL(/\/backpack\/imported\/[0-9a-f-]{36}$/);
    await expect(visitor.page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Secourisme");
    await expect(visitor.page.getByText("Émis par École B").isVisible()).resolves.toBe(true);
    await expect(visitor.page.locator(".external-origin").textContent()).resolves.toContain("depuis le fichier secourisme.png");
  });

  it("adds a second address by the link mailed there; a badge issued to it appears in the backpack", async () => {
    const page = learner.page;
    await page.goto(`${a.url}/backpack`);
    await page.getByRole("link", { name: "Mes adresses e-mail" }).click();
    await page.getByLabel("Nouvelle adresse").fill(PERSONAL);
    await page.getByRole("button", { name: "Ajouter l'adresse" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain(`Un lien de confirmation a été envoyé à ${PERSONAL}`);
    await page.goto(linkIn(await mailTo(PERSONAL, "email-confirmation"), /https?:\/\/\S+\/backpack\/addresses\/confirm\/[A-Za-z0-9_-]+/));
    await page.getByRole("button", { name: "Ajouter cette adresse à mon compte" }).click();
    await page.waitForURL(`${a.url}/backpack/addresses`);
    await expect(page.locator(".addresses").textContent()).resolves.toContain(PERSONAL);

    const { issuer, template } = await issuerWith(a, "univ-a", "Université A", "Tutorat");
    await a.services.credentials.issueMany(cliActor, issuer, template, [{ recipient: PERSONAL, recipientType: "emailAddress", name: "Maya" }]);
    await page.goto(`${a.url}/backpack`);
    const item = page.locator(".backpack-item", { has: page.getByRole("link", { name: "Tutorat" }) });
    await expect(item.getByText("À accepter").isVisible()).resolves.toBe(true);
    await expect(item.locator(".external-tag").count()).resolves.toBe(0);
  });
});
