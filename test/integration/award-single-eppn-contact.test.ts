import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { mailOfKind, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";
import { listIdOf, settle, setUpAwards, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";
import { oidcLogin, startTestOp, type TestOp } from "../fixtures/sso/oidc-op.ts";

const EPPN = "ext:eduPersonPrincipalName";

// The single-recipient award form takes a contact address beside an eppn recipient ("eppn:…"):
// the badge is bound to the eppn, the award e-mail goes (through real SMTP) to the address, and
// the learner finds the badge after signing in with their institution (OpenID Connect, eppn
// claim). A malformed contact address is refused next to its field and nothing is stored. The
// staff list of a template's issued badges shows each recipient's type and contact address.
describe("single award to an eppn with a contact address; staff list of issued badges", () => {
  let node: TestNode;
  let op: TestOp;
  let sink: SmtpSink;
  let kit: AwardKit;
  const path = "/issuers/ecm/award-lists";

  beforeAll(async () => {
    sink = await startSmtpSink();
    op = await startTestOp({
      clientId: "francebadge", clientSecret: "op-client-secret-0123456789", redirectUri: () => `${node.url}/auth/oidc/univ/callback`,
      // The institution's e-mail differs from the contact address given on the award form.
      accounts: { "lea-sub": { email: "lea.martin@univ-oidc.fr", email_verified: true, name: "Léa Martin", eduperson_principal_name: "lmartin@univ-oidc.fr" } },
    });
    node = await startTestNode({
      mail: { from: "FranceBadge <badges@univ.example>", smtp: { host: "127.0.0.1", port: sink.port, secure: false } },
      sso: { oidc: [{ id: "univ", issuer: op.issuer, clientId: "francebadge", clientSecret: "op-client-secret-0123456789", label: "Université OIDC", scopes: ["openid", "email", "profile", "eduperson"] }] },
    });
    kit = await setUpAwards(node);
  });
  afterAll(async () => {
    await op?.close();
    await node?.close();
    await sink?.close();
  });

  const listCount = async () => Number((await node.database.db.selectFrom("award_lists").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  async function oidcSignIn(): Promise<HttpClient> {
    const client = node.client();
    expect((await oidcLogin(op, node.url, client, "lea-sub", "/backpack")).status).toBe(303);
    return client;
  }

  it("the form has the contact field (labelled, with its help), present without JavaScript", async () => {
    const form = (await kit.awarder.text(`${path}/new?achievement=${kit.level1.row.id}`)).body;
    expect(form).toMatch(/<label for="f-contact">Adresse de contact \(destinataire eppn\)/);
    expect(form).toMatch(/name="contact" type="email"[^>]*aria-describedby="f-contact-help"/);
    expect(form).toContain("Utilisée seulement quand le destinataire est un identifiant de fédération");
    const en = await (await kit.awarder.get(`${path}/new?achievement=${kit.level1.row.id}`, { "Accept-Language": "en" })).text();
    expect(en).toMatch(/<label for="f-contact">Contact address \(eppn recipient\)/);
    expect(en).toContain("Used only when the recipient is a federation identifier");
  });

  it("one eppn with a contact address: the badge names the eppn, the award e-mail reaches the address, the learner sees it after SSO sign-in", async () => {
    const a = await template(node, kit.issuer, "Badge unique par eppn");
    const id = listIdOf(await kit.awarder.submit(path, {
      achievement: a.row.id, source: "single", email: "eppn:LMartin@Univ-OIDC.fr", contact: " Lea.Perso@Mail.example ", name: "Léa Martin", notify: "1", token: "single-contact",
    }));
    const [item] = await node.services.awardLists.allItems(id);
    expect([item!.recipient, item!.recipient_type, item!.contact_email, item!.status]).toEqual(["lmartin@univ-oidc.fr", EPPN, "lea.perso@mail.example", "valid"]);
    const preview = (await kit.awarder.text(`${path}/${id}`)).body;
    expect(preview).toContain("l&#39;e-mail d&#39;attribution ira à lea.perso@mail.example");
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    const [row] = await node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", a.row.id).execute();
    expect([row!.recipient, row!.recipient_type]).toEqual(["lmartin@univ-oidc.fr", EPPN]);
    expect(row!.document).not.toContain("mail.example"); // the contact address is no identity of the badge

    const mail = await mailOfKind(sink, node.services.jobs, "lea.perso@mail.example", "award-notification");
    expect(mail.parsed.text).toContain("Badge unique par eppn");
    expect(mail.parsed.text).toContain("(lmartin@univ-oidc.fr)");
    expect(mail.parsed.text).toContain(`${node.url}/login?next=%2Fbackpack`);
    expect(sink.messages.some((m) => m.envelope.to.includes("lmartin@univ-oidc.fr"))).toBe(false);

    const learner = await oidcSignIn();
    const backpack = (await learner.text("/backpack")).body;
    expect(backpack).toContain("Badge unique par eppn");
  });

  it("a malformed contact address is refused next to its field (FR and EN), the form kept, nothing stored", async () => {
    const before = await listCount();
    const res = await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "eppn:bad.contact@univ-oidc.fr", contact: "pas-une-adresse", name: "X", token: "single-bad-contact" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/<div class="field has-error" id="f-contact-wrap">/);
    expect(html).toMatch(/name="contact" type="email" value="pas-une-adresse"[^>]*aria-describedby="f-contact-help f-contact-error" aria-invalid="true"/);
    expect(html).toContain('<p class="error" id="f-contact-error">Adresse de contact mal formée');
    expect(html).toContain('value="eppn:bad.contact@univ-oidc.fr"'); // the recipient is kept
    expect(html).toContain("Rien n&#39;a été enregistré.");
    expect(await listCount()).toBe(before);

    const en = await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "eppn:bad.contact@univ-oidc.fr", contact: "a@b", token: "single-bad-contact-en" }, { "Accept-Language": "en" });
    expect(en.status).toBe(422);
    expect(await en.text()).toContain('<p class="error" id="f-contact-error">Malformed contact address');
    expect(await listCount()).toBe(before);
  });

  it("beside an e-mail recipient the contact field is not used; an eppn without one gets no e-mail", async () => {
    const mailId = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "Nina@Etu.example", contact: "autre@etu.example", token: "single-mail-contact" }));
    const [mailItem] = await node.services.awardLists.allItems(mailId);
    expect([mailItem!.recipient, mailItem!.recipient_type, mailItem!.contact_email]).toEqual(["nina@etu.example", "emailAddress", null]);
    const eppnId = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "eppn:seul@univ-oidc.fr", contact: "", token: "single-no-contact" }));
    const [eppnItem] = await node.services.awardLists.allItems(eppnId);
    expect([eppnItem!.recipient_type, eppnItem!.contact_email, JSON.parse(eppnItem!.errors!)[0].key]).toEqual([EPPN, null, "awards.row.eppnNoMail"]);
  });

  it("the staff list of issued badges shows each recipient's type and contact address, and filters by type", async () => {
    const a = await template(node, kit.issuer, "Badge à lister");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "single", email: "eppn:liste@univ-oidc.fr", contact: "liste.perso@mail.example", token: "single-list" }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    await node.services.credentials.issueMany(cliActor, kit.issuer, a, [
      { recipient: "courriel@etu.example", recipientType: "emailAddress" },
      { recipient: "12345678", recipientType: "ext:studentNumber" },
    ]);
    const rows = await node.database.db.selectFrom("credentials").select(["id", "recipient"]).where("achievement_id", "=", a.row.id).execute();
    const idOf = (recipient: string) => rows.find((r) => r.recipient === recipient)!.id;
    const url = `/issuers/ecm/achievements/${a.row.id}/credentials`;
    const rowHtml = (html: string, recipient: string) => html.match(new RegExp(`<tr id="credential-${idOf(recipient)}"[\\s\\S]*?</tr>`))?.[0] ?? "";

    // The template's own page leads staff there (jury included).
    expect((await kit.jury.text(`/achievements/${a.row.id}`)).body).toContain(`href="${url}"`);
    const all = (await kit.jury.text(url)).body;
    const eppnRow = rowHtml(all, "liste@univ-oidc.fr");
    expect(eppnRow).toContain('data-type="eppn"');
    expect(eppnRow).toContain("Identifiant de fédération (eppn)");
    expect(eppnRow).toContain("<td>liste.perso@mail.example</td>");
    expect(rowHtml(all, "courriel@etu.example")).toContain('<td class="recipient-type">Adresse e-mail</td>');
    expect(rowHtml(all, "12345678")).toContain("Autre identifiant (<code>ext:studentNumber</code>)");
    expect(all).toContain('<option value="eppn">Identifiant de fédération (eppn)</option>');

    const onlyEppn = (await kit.awarder.text(`${url}?type=eppn`)).body;
    expect(onlyEppn).toContain('<option value="eppn" selected>');
    expect(onlyEppn.match(/<tr id="credential-/g)?.length).toBe(1);
    expect(rowHtml(onlyEppn, "liste@univ-oidc.fr")).not.toBe("");
    const onlyOther = (await kit.awarder.text(`${url}?type=other`)).body;
    expect(onlyOther.match(/<tr id="credential-/g)?.length).toBe(1);
    expect(rowHtml(onlyOther, "12345678")).not.toBe("");
    const onlyMail = (await kit.awarder.text(`${url}?type=email`)).body;
    expect(onlyMail.match(/<tr id="credential-/g)?.length).toBe(1);

    const en = await (await kit.admin.get(url, { "Accept-Language": "en" })).text();
    expect(rowHtml(en, "liste@univ-oidc.fr")).toContain("Federation identifier (eppn)");
    expect(rowHtml(en, "12345678")).toContain("Other identifier");
    // The list page of the award links to it; outsiders are kept out.
    expect((await kit.awarder.text(`${path}/${id}`)).body).toContain(`href="${url}"`);
    expect((await node.client().get(url)).status).toBe(303);
    const outsider = await node.signIn("outsider@elsewhere.example");
    expect((await outsider.get(url)).status).toBe(403);
    expect((await kit.jury.get(`/issuers/ecm/achievements/nope/credentials`)).status).toBe(404);
  });
});
