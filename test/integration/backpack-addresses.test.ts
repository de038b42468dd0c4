import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { pdfPageText } from "../helpers/pdf-inspect.ts";
import { mailOfKind, startSmtpSink, type SinkMessage, type SmtpSink } from "../helpers/smtp-sink.ts";

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

  const mailTo = (to: string, kind: string, nth = 1) => mailOfKind(sink, node.services.jobs, to, kind, nth);
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
    // An address of another account gets the same answer as any (no one learns who has an account
    // here): no link is made, that address is told someone tried to add it elsewhere.
    const taken = await learner.submit("/backpack/addresses", { email: "camille@etu.univ.example" });
    expect(taken.status).toBe(200);
    expect(await taken.text()).toContain("Un lien de confirmation a été envoyé à camille@etu.univ.example");
    const notice = await mailTo("camille@etu.univ.example", "email-taken-notice");
    expect(notice.parsed.subject).toBe("Quelqu'un a tenté d'ajouter votre adresse à un autre compte FranceBadge");
    expect(notice.parsed.text).not.toMatch(/\/backpack\/addresses\/confirm\//);
    expect((await other.submit("/backpack/addresses", { email: PERSONAL })).status).toBe(200); // verified for Zoé
    await mailTo(PERSONAL, "email-taken-notice");
    const camille = (await node.services.accounts.findByEmail("camille@etu.univ.example"))!;
    const addTokens = await node.database.db.selectFrom("login_tokens").select("purpose")
      .where((eb) => eb.or([eb("purpose", "=", "email-add:camille@etu.univ.example"), eb.and([eb("user_id", "=", camille.id), eb("purpose", "like", "email-add:%")])])).execute();
    expect(addTokens).toEqual([]);
    expect((await learner.submit("/backpack/addresses", { email: MAIN })).status).toBe(422);
    expect((await learner.submit("/backpack/addresses", { email: "pas-une-adresse" })).status).toBe(422);

    // A link asked for by Zoé, followed while signed in as Camille: refused, nothing attached, and
    // the link still works for Zoé.
    await learner.submit("/backpack/addresses", { email: "zoe.bis@perso.example" });
    const bis = linkOf(await confirmationTo("zoe.bis@perso.example"));
    const stolen = await other.submit(bis, {});
    expect(stolen.status).toBe(410);
    expect(await stolen.text()).toContain("plus valable");
    expect(await node.services.backpack.addresses((await node.services.accounts.findByEmail("camille@etu.univ.example"))!)).toHaveLength(1);
    expect((await learner.submit(bis, {})).status).toBe(303);
    expect((await learner.text("/backpack/addresses")).body).toContain("zoe.bis@perso.example");

    // A link of another purpose (a sign-in link of Zoé's) posted here: refused, and not spent.
    const zoe = (await node.services.accounts.findByEmail(MAIN))!;
    const magic = await node.services.accounts.issueToken(zoe.id, `magic:${MAIN}`, 600_000);
    expect((await learner.submit(`/backpack/addresses/confirm/${magic}`, {})).status).toBe(410);
    expect((await node.client().submit(`/signin/${magic}`, {})).status).toBe(303);
    // The other way round: a confirmation link posted as a sign-in link is refused and stays usable.
    const confirmation = await node.services.accounts.issueToken(zoe.id, "email-add:autre@perso.example", 600_000);
    expect((await node.client().submit(`/signin/${confirmation}`, {})).status).toBe(410);
    expect((await learner.submit(`/backpack/addresses/confirm/${confirmation}`, {})).status).toBe(303);

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

  it("after \"sign in first\", the sign-in link comes back to the confirmation page", async () => {
    // Another learner: Zoé has used up her confirmation mails for the hour.
    const NOE = "noe@etu.univ.example";
    const learner = await node.signIn(NOE);
    await learner.submit("/backpack/addresses", { email: "noe.perso@perso.example" });
    const link = linkOf(await confirmationTo("noe.perso@perso.example"));
    const visitor = node.client();
    const first = (await visitor.text(link)).body;
    expect(first).toContain(`/signin?next=${encodeURIComponent(link)}`);
    expect((await visitor.text(`/signin?next=${encodeURIComponent(link)}`)).body).toContain(`value="${link}"`);
    expect((await visitor.submit("/signin", { email: NOE, next: link })).status).toBe(200);
    const magic = new URL((await mailTo(NOE, "magic-link")).parsed.text!.match(/https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+\S*/)![0]);
    expect((await visitor.text(magic.pathname + magic.search)).body).toContain(`name="next" value="${link}"`);
    const signedIn = await visitor.submit(magic.pathname + magic.search, {});
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("Location")).toBe(link);
    expect((await visitor.submit(link, {})).status).toBe(303);
    expect((await visitor.text("/backpack/addresses")).body).toContain("noe.perso@perso.example");
    // Only a path of this site: anything else goes to the backpack.
    await visitor.submit("/signin", { email: NOE, next: "https://evil.example/x" });
    const other = new URL((await mailTo(NOE, "magic-link", 2)).parsed.text!.match(/https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+\S*/)![0]);
    expect((await node.client().submit(other.pathname + other.search, {})).headers.get("Location")).toBe("/backpack");
  });

  it("removing an address drops the account's entries of its badges: a stale \"show my name\" no longer shows it", async () => {
    const learner = await node.signIn("ines@etu.univ.example");
    await learner.submit("/backpack/addresses", { email: "ines.bis@perso.example" });
    expect((await learner.submit(linkOf(await confirmationTo("ines.bis@perso.example")), {})).status).toBe(303);
    const id = await issue("ines.bis@perso.example", "Inès Bis");
    const entryId = [...(await learner.text("/backpack")).body.matchAll(/\/backpack\/entries\/([0-9a-f-]+)/g)].map((m) => m[1]!);
    const rows = await node.database.db.selectFrom("backpack_entries").select(["id", "credential_id"]).where("credential_id", "=", id).execute();
    expect(rows).toHaveLength(1);
    expect(entryId).toContain(rows[0]!.id);
    expect((await learner.submit(`/backpack/entries/${rows[0]!.id}`, { showName: "1" })).status).toBe(303);
    expect((await node.client().text(`/credentials/${id}`)).body).toContain("Inès Bis");
    expect((await learner.submit("/backpack/addresses/remove", { email: "ines.bis@perso.example" })).status).toBe(303);
    expect((await node.client().text(`/credentials/${id}`)).body).not.toContain("Inès Bis");
    expect(await node.database.db.selectFrom("backpack_entries").select("id").where("credential_id", "=", id).execute()).toEqual([]);
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
