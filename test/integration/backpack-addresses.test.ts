import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { sleep } from "../fixtures/awards/award-test-kit.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { pdfPageText } from "../helpers/pdf-inspect.ts";
import { startSmtpSink, type SinkMessage, type SmtpSink } from "../helpers/smtp-sink.ts";

// Issue 5: "a learner account can hold several verified e-mail addresses (students lose their
// institutional mailbox): all badges issued to any of them show up". The confirmation mail goes
// through the outbox to a real SMTP server; and the holder decides whether their name is shown.
describe("backpack: extra e-mail addresses and the holder's name", () => {
  let sink: SmtpSink;
  let node: TestNode;
  let issuer: IssuerRow;
  let template: Achievement;
  let offsetMs = 0; // moves the node's clock forward, to expire links
  const MAIN = "zoe@etu.univ.example";
  const PERSONAL = "zoe.martin@perso.example";

  async function issue(recipient: string, name = "Zoé Martin"): Promise<string> {
    const [row] = await node.services.credentials.issueMany(cliActor, issuer, template, [{ recipient, recipientType: "emailAddress", name }]);
    return row!.id;
  }

  // Runs the node's job queue (the test node does not poll) until the n-th mail of a kind to `to` arrives.
  async function mailTo(to: string, kind: string, nth = 1): Promise<SinkMessage> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = sink.messages.filter((m) => m.envelope.to.includes(to) && m.parsed.headers.get("x-francebadge-kind") === kind);
      if (found.length >= nth) return found[nth - 1]!;
      if (Date.now() > deadline) throw new Error(`no ${kind} mail to ${to} (${sink.messages.length} in the sink)`);
      await node.services.jobs.tick();
      await sleep(20);
    }
  }
  const confirmationTo = (to: string, nth = 1) => mailTo(to, "email-confirmation", nth);

  const linkOf = (m: SinkMessage) => new URL((m.parsed.text ?? "").match(/https?:\/\/\S+\/backpack\/addresses\/confirm\/[A-Za-z0-9_-]+/)![0]).pathname;

  beforeAll(async () => {
    sink = await startSmtpSink();
    node = await startTestNode(
      { mail: { from: "FranceBadge <badges@univ.example>", smtp: { host: "127.0.0.1", port: sink.port, secure: false } } },
      { clock: { now: () => new Date(Date.now() + offsetMs) } },
    );
    const created = await node.services.issuers.create(cliActor, { slug: "univ", name: "Université", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    const t = await node.services.achievements.define(cliActor, issuer, { name: "Tutorat", description: "Tuteur", criteria: { narrative: "10 séances" } }, { publish: true });
    if (!t.ok) throw new Error("template");
    template = t.value;
  });
  afterAll(async () => {
    await node?.close();
    await sink?.close();
  });

  it("adds an address by a one-time link mailed to it; badges issued there join the backpack", async () => {
    const learner = await node.signIn(MAIN);
    await issue(PERSONAL);
    expect((await learner.text("/backpack")).body).not.toContain("Tutorat");

    const asked = await learner.submit("/backpack/addresses", { email: "Zoe.Martin@Perso.example" });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain(`Un lien de confirmation a été envoyé à ${PERSONAL}`);
    const mail = await confirmationTo(PERSONAL);
    expect(mail.parsed.subject).toBe("Confirmez votre adresse e-mail pour FranceBadge");
    const link = linkOf(mail);
    expect((await learner.text("/backpack/addresses")).body).not.toContain(PERSONAL); // not before the link is followed

    expect((await node.client().text(link)).body).toContain("Connectez-vous d&#39;abord"); // a GET spends nothing
    expect((await learner.text(link)).body).toContain("Ajouter cette adresse à mon compte");
    const confirmed = await learner.submit(link, {});
    expect(confirmed.status).toBe(303);
    const list = (await learner.text("/backpack/addresses")).body;
    expect(list).toContain(`L&#39;adresse ${PERSONAL} est vérifiée et ajoutée à votre compte.`);
    expect(list).toContain(PERSONAL);
    expect(list).toContain(MAIN);
    expect((await learner.text("/backpack")).body).toContain("Tutorat");
    expect((await learner.submit(link, {})).status).toBe(410); // one-time

    expect(await node.services.backpack.addresses((await node.services.accounts.findByEmail(MAIN))!)).toEqual([{ email: MAIN, main: true }, { email: PERSONAL, main: false }]);

    // A sign-in link asked for at the new address opens the same account.
    const visitor = node.client();
    expect((await visitor.submit("/signin", { email: PERSONAL })).status).toBe(200);
    const magic = (await mailTo(PERSONAL, "magic-link")).parsed.text!.match(/https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/)![0];
    expect((await visitor.submit(new URL(magic).pathname, {})).status).toBe(303);
    const page = (await visitor.text("/backpack/addresses")).body;
    expect(page).toContain(MAIN);
    expect(page).toContain(PERSONAL);
  });

  it("refuses an address another account holds, a link used from another account, and an expired link", async () => {
    const learner = await node.signIn(MAIN);
    const other = await node.signIn("camille@etu.univ.example");
    const taken = await learner.submit("/backpack/addresses", { email: "camille@etu.univ.example" });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain("déjà utilisée par un autre compte");
    expect((await other.submit("/backpack/addresses", { email: PERSONAL })).status).toBe(422); // verified for Zoé
    expect((await learner.submit("/backpack/addresses", { email: MAIN })).status).toBe(422);
    expect((await learner.submit("/backpack/addresses", { email: "pas-une-adresse" })).status).toBe(422);

    // A link asked for by Zoé, followed while signed in as Camille: spent, nothing attached.
    await learner.submit("/backpack/addresses", { email: "zoe.bis@perso.example" });
    const stolen = await other.submit(linkOf(await confirmationTo("zoe.bis@perso.example")), {});
    expect(stolen.status).toBe(410);
    expect(await stolen.text()).toContain("plus valable");
    expect(await node.services.backpack.addresses((await node.services.accounts.findByEmail("camille@etu.univ.example"))!)).toHaveLength(1);

    // Verified by another account between the request and the click: refused, nothing changed.
    await learner.submit("/backpack/addresses", { email: "partage@perso.example" });
    const late = linkOf(await confirmationTo("partage@perso.example"));
    await other.submit("/backpack/addresses", { email: "partage@perso.example" });
    expect((await other.submit(linkOf(await confirmationTo("partage@perso.example", 2)), {})).status).toBe(303);
    const lost = await learner.submit(late, {});
    expect(lost.status).toBe(422);
    expect(await lost.text()).toContain("déjà utilisée par un autre compte");
    expect((await learner.text("/backpack/addresses")).body).not.toContain("partage@perso.example");

    await learner.submit("/backpack/addresses", { email: "tard@perso.example" });
    const expiring = linkOf(await confirmationTo("tard@perso.example"));
    offsetMs = 25 * 3_600_000;
    try {
      expect((await learner.submit(expiring, {})).status).toBe(410);
    } finally {
      offsetMs = 0;
    }
  });

  it("removes an extra address (its badges leave the backpack) but never the sign-in address", async () => {
    const learner = await node.signIn(MAIN);
    const main = await learner.submit("/backpack/addresses/remove", { email: MAIN });
    expect(main.status).toBe(422);
    expect(await main.text()).toContain("ne peut pas être retirée");
    expect((await learner.submit("/backpack/addresses/remove", { email: "inconnue@perso.example" })).status).toBe(422);
    expect((await learner.submit("/backpack/addresses/remove", { email: PERSONAL })).status).toBe(303);
    expect((await learner.text("/backpack/addresses")).body).not.toContain(`<span class="address">${PERSONAL}`);
    expect((await learner.text("/backpack")).body).not.toContain("Tutorat");
  });

  it("shows the holder's name on the credential page and the PDF only when they allow it", async () => {
    const id = await issue("yanis@etu.univ.example", "Yanis Benali");
    const learner = await node.signIn("yanis@etu.univ.example");
    const pdfText = async () => pdfPageText(new Uint8Array(await (await fetch(`${node.url}/credentials/${id}.pdf`)).arrayBuffer()));
    expect((await node.client().text(`/credentials/${id}`)).body).not.toContain("Yanis Benali");
    expect(await pdfText()).not.toContain("Yanis Benali");

    const entryId = (await learner.text("/backpack")).body.match(/\/backpack\/entries\/([0-9a-f-]+)/)![1]!;
    expect((await learner.submit(`/backpack/entries/${entryId}`, { showName: "1" })).status).toBe(303);
    expect((await node.client().text(`/credentials/${id}`)).body).toContain("Yanis Benali");
    expect(await pdfText()).toContain("Yanis Benali");

    await learner.submit(`/backpack/entries/${entryId}`, { showName: "0" });
    expect((await node.client().text(`/credentials/${id}`)).body).not.toContain("Yanis Benali");
  });
});
