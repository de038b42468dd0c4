import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { AwardItemRow } from "../../src/db/database.ts";
import { open } from "../../src/shared/secret-box.ts";
import { loadSchemaSet } from "../../src/verification/json-schemas.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { listIdOf, settle, setUpAwards, template, uploadCsv, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

const EPPN = "ext:eduPersonPrincipalName";

// Awards to a federation identifier (eduPersonPrincipalName) instead of an e-mail address: a CSV
// `eppn` column, "eppn:" in a paste or the single form, `eppn` in the API. Same checks as e-mail
// rows (format, duplicates, holders, prerequisites), comparing type and value; the credential
// carries a hashed IdentityObject of type ext:eduPersonPrincipalName. An e-mail address beside the
// eppn is a contact address: the award e-mail goes there and asks to sign in with the institution.
describe("awards to a federation identifier (eppn)", () => {
  let node: TestNode;
  let kit: AwardKit;
  let token = "";
  const path = "/issuers/ecm/award-lists";

  beforeAll(async () => {
    node = await startTestNode();
    kit = await setUpAwards(node);
    await node.services.credentials.issueMany(cliActor, kit.issuer, kit.level1, [{ recipient: "holder@univ-exemple.fr", recipientType: EPPN }]);
    const made = await node.services.tokens.create(cliActor, kit.issuer, "SI", ["award"]);
    if (!made.ok) throw new Error("token");
    token = made.value.token;
  });
  afterAll(async () => { await node?.close(); });

  const items = (listId: string): Promise<AwardItemRow[]> => node.services.awardLists.allItems(listId);
  const keysOf = (item: AwardItemRow) => (item.errors ? (JSON.parse(item.errors) as Array<{ key: string }>).map((p) => p.key) : []);
  const rowsOf = async (listId: string) => (await items(listId)).map((r) => [r.row_number, r.recipient, r.recipient_type, r.status, keysOf(r)]);
  // The award e-mail of a credential, opened from the sealed outbox (undefined when none was queued).
  const awardMail = async (credentialId: string) => {
    const job = await node.database.db.selectFrom("jobs").select("payload").where("queue", "=", "mail").where("dedupe_key", "=", `award:${credentialId}`).executeTakeFirst();
    return job && (JSON.parse(open(node.config.secret, "mail-outbox", JSON.parse(job.payload).sealed)) as { to: string; subject: string; text: string; html: string });
  };

  it("a CSV with `email` and `eppn` columns: the eppn is the recipient, an address beside it the contact; malformed, duplicate and holder flagged", async () => {
    const csv = [
      "email,eppn,name",
      "ana@etu.example,,Ana",
      ",JDupont@Univ-Exemple.fr,Jean Dupont",
      "bob@etu.example,bob@univ-exemple.fr,Bob",
      ",pas-un-eppn,X",
      ",jdupont@univ-exemple.fr,Jean encore",
      ",holder@univ-exemple.fr,Déjà titulaire",
      ",eve@univ_exemple,Eve",
      ",,Personne",
      "pas-une-adresse,cleo@univ-exemple.fr,Cléo",
      "holder@univ-exemple.fr,,Adresse homonyme",
    ].join("\n");
    const id = listIdOf(await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "eppn-csv" }, csv));
    expect(await rowsOf(id)).toEqual([
      [2, "ana@etu.example", "emailAddress", "valid", []],
      [3, "jdupont@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]],
      [4, "bob@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnContact"]],
      [5, "pas-un-eppn", EPPN, "error", ["awards.row.eppn"]],
      [6, "jdupont@univ-exemple.fr", EPPN, "error", ["awards.row.eppnNoMail", "awards.row.duplicate"]],
      [7, "holder@univ-exemple.fr", EPPN, "error", ["awards.row.eppnNoMail", "awards.row.holder"]],
      [8, "eve@univ_exemple", EPPN, "error", ["awards.row.eppn"]],
      [9, "", "emailAddress", "error", ["awards.row.emailMissing"]],
      // A contact address must be an address: nothing is dropped silently.
      [10, "cleo@univ-exemple.fr", EPPN, "error", ["awards.row.email"]],
      // The address written like the eppn that holds the badge: another identity, neither holder nor duplicate.
      [11, "holder@univ-exemple.fr", "emailAddress", "valid", []],
    ]);
    expect((await items(id)).map((r) => r.contact_email)).toEqual([null, null, "bob@etu.example", null, null, null, null, null, "pas-une-adresse", null]);
    const html = (await kit.awarder.text(`${path}/${id}`)).body;
    expect(html).toContain("aucun e-mail n&#39;est envoyé à ce titulaire");
    expect(html).toContain("l&#39;e-mail d&#39;attribution ira à bob@etu.example");
    expect(html).toContain("Identifiant de fédération mal formé");
    expect(html).toContain('<abbr title="Identifiant de fédération (eppn)">eppn</abbr>&nbsp;: jdupont@univ-exemple.fr');
    const report = parse((await (await kit.awarder.get(`${path}/${id}/report.csv`)).text()).replace(/^\uFEFF/, ""), { columns: true }) as Array<Record<string, string>>;
    expect(report.slice(0, 3).map((r) => [r.line, r.email, r.eppn])).toEqual([["2", "ana@etu.example", ""], ["3", "", "jdupont@univ-exemple.fr"], ["4", "bob@etu.example", "bob@univ-exemple.fr"]]);
  });

  it("a CSV with only an `eppn` column is read; one with neither column is refused", async () => {
    const id = listIdOf(await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "eppn-only" }, "eduPersonPrincipalName;Nom\nlea@univ-exemple.fr;Léa\n"));
    expect(await rowsOf(id)).toEqual([[2, "lea@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]]]);
    const res = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "eppn-none" }, "name\nLéa\n");
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("email ou eppn obligatoire");
  });

  it("paste and single form: `eppn:` prefix; prerequisites are checked on the identifier", async () => {
    const paste = listIdOf(await kit.awarder.submit(path, {
      achievement: kit.level2.row.id, source: "paste", token: "eppn-paste", recipients: "eppn:holder@univ-exemple.fr\neppn: max@univ-exemple.fr; holder@univ-exemple.fr eppn:bad",
    }));
    expect(await rowsOf(paste)).toEqual([
      [1, "holder@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]],
      [2, "max@univ-exemple.fr", EPPN, "error", ["awards.row.eppnNoMail", "awards.row.prerequisite"]],
      // The same string as an e-mail address is another identity (type and value, as the backpack
      // matches): not a duplicate of line 1, and it does not hold level 1 (the eppn does).
      [3, "holder@univ-exemple.fr", "emailAddress", "error", ["awards.row.prerequisite"]],
      [4, "bad", EPPN, "error", ["awards.row.eppn"]],
    ]);
    const single = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "eppn:Solo@Univ-Exemple.fr", name: "Solo", token: "eppn-single" }));
    expect(await rowsOf(single)).toEqual([[1, "solo@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]]]);
    const form = (await kit.awarder.text(`${path}/new?achievement=${kit.level1.row.id}`)).body;
    expect(form).toContain("eppn:jdupont@univ-exemple.fr");
    expect(form).not.toMatch(/name="email" type="email"/); // the browser must let "eppn:" through
  });

  it("issued: the credential names the eppn as a hashed ext:eduPersonPrincipalName identity (schema-valid); only the e-mail row is notified", async (ctx) => {
    const a = await template(node, kit.issuer, "Certificat de fédération");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "paste", recipients: "eppn:zoe@univ-exemple.fr mia@etu.example", notify: "1", token: "eppn-issue" }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    const rows = await node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", a.row.id).orderBy("recipient").execute();
    expect(rows.map((r) => [r.recipient, r.recipient_type])).toEqual([["mia@etu.example", "emailAddress"], ["zoe@univ-exemple.fr", EPPN]]);
    const zoe = rows[1]!;
    const doc = JSON.parse(zoe.document) as any;
    const identity = doc.credentialSubject.identifier[0];
    expect(identity).toMatchObject({ type: "IdentityObject", identityType: EPPN, hashed: true, salt: zoe.salt });
    expect(identity.identityHash).toBe(`sha256$${createHash("sha256").update(`zoe@univ-exemple.fr${zoe.salt}`).digest("hex")}`);
    expect(zoe.document).not.toContain("zoe@univ-exemple.fr");
    const mails = await node.database.db.selectFrom("jobs").select("dedupe_key").where("queue", "=", "mail").where("dedupe_key", "in", rows.map((r) => `award:${r.id}`)).execute();
    expect(mails.map((m) => m.dedupe_key)).toEqual([`award:${rows[0]!.id}`]);
    if (skipIfNoShared(ctx, "ob3", "schema", "ob_v3p0_achievementcredential_schema.json")) return;
    const outcome = loadSchemaSet(sharedPath("ob3", "schema"))!.validate("achievement", doc);
    expect(outcome.errors).toEqual([]);
    expect(outcome.valid).toBe(true);
  });

  it("issued to an eppn with a contact address: the badge names the eppn, the award e-mail goes to the address and asks to sign in with the institution", async () => {
    const a = await template(node, kit.issuer, "Certificat avec contact");
    const csv = "email,eppn,name\nLina.Contact@Gmail.example,lina@univ-exemple.fr,Lina\n,solo2@univ-exemple.fr,Solo\n";
    const id = listIdOf(await uploadCsv(kit.awarder, path, { achievement: a.row.id, source: "csv", notify: "1", token: "eppn-contact" }, csv));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    const rows = await node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", a.row.id).orderBy("recipient").execute();
    expect(rows.map((r) => [r.recipient, r.recipient_type])).toEqual([["lina@univ-exemple.fr", EPPN], ["solo2@univ-exemple.fr", EPPN]]);
    expect(rows[0]!.document).not.toContain("gmail"); // the contact address is no identity of the badge
    const mail = await awardMail(rows[0]!.id);
    expect(mail?.to).toBe("lina.contact@gmail.example");
    expect(mail?.text).toContain("identifiant d'établissement (lina@univ-exemple.fr)");
    expect(mail?.text).toContain(`${node.url}/login?next=%2Fbackpack`);
    expect(mail?.text).not.toContain("/signin");
    expect(mail?.html).toContain("Me connecter avec mon établissement");
    expect(await awardMail(rows[1]!.id)).toBeUndefined(); // no address: no e-mail
    // The credential page sends its holder to the institution login, not to the e-mail sign-in link.
    const page = (await node.client().text(`/credentials/${rows[0]!.id}`)).body;
    expect(page).toContain('href="/login?next=%2Fbackpack"');
    expect(page).toContain("identifiant d&#39;établissement (eppn)");
  });

  it("the verifier answers \"was it issued to this eppn?\" (API `eppn` field or parameter, `eppn:` in the /verify field), against eppn identities only", async () => {
    const a = await template(node, kit.issuer, "Badge à vérifier");
    const [row] = await node.services.credentials.issueMany(cliActor, kit.issuer, a, [{ recipient: "vera@univ-exemple.fr", recipientType: EPPN }]);
    const credential = JSON.parse(row!.document);
    const recipientLine = async (body: unknown, query = "") => {
      const res = await fetch(`${node.url}/api/v1/verify${query}`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
      return ((await res.json()) as { checks: Array<{ check: string; status: string; message: string }> }).checks.find((c) => c.check === "recipient");
    };
    expect(await recipientLine({ credential, eppn: "Vera@Univ-Exemple.fr" })).toMatchObject({ status: "pass", message: "Awarded to the federation identifier Vera@Univ-Exemple.fr." });
    expect(await recipientLine({ credential, email: "eppn:someone@univ-exemple.fr" })).toMatchObject({ status: "fail" });
    expect(await recipientLine(credential, "?eppn=vera%40univ-exemple.fr")).toMatchObject({ status: "pass" });
    // The same string as an e-mail address is not the eppn: the badge names no e-mail identity.
    expect(await recipientLine({ credential, email: "vera@univ-exemple.fr" })).toMatchObject({ status: "warn" });
    const page = await node.client().text(`/verify?url=${encodeURIComponent(credential.id)}&email=${encodeURIComponent("eppn:vera@univ-exemple.fr")}`);
    expect(page.body).toContain("Décerné à l&#39;identifiant de fédération vera@univ-exemple.fr.");
    expect(page.body).toMatch(/name="email" type="text"/); // the browser lets "eppn:" through
  });

  it("the award API takes `eppn` beside `email`, with the same checks, errors at the right JSON path", async () => {
    const noJury = await template(node, kit.issuer, "API fédération");
    await node.services.awardLists.saveSettings(cliActor, kit.issuer, noJury.row.id, { juryRequired: false, mailSubject: null, mailMessage: null });
    const award = (body: unknown) => fetch(`${node.url}/api/v1/achievements/${noJury.row.id}/awards`, {
      method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, "Accept-Language": "en" },
    });
    const bad = await award({ recipients: [{ eppn: "nope" }, { name: "Nobody" }, { eppn: "ok@univ-exemple.fr" }, { eppn: "OK@univ-exemple.fr" }] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).errors.map((e: any) => e.field)).toEqual(["recipients.0.eppn", "recipients.1.email", "recipients.3.eppn"]);
    const res = await award({ recipients: [{ eppn: "Api.User@Univ-Exemple.fr", name: "Api User" }, { email: "api@etu.example" }], notify: true });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.credentials.map((c: any) => c.recipient).sort()).toEqual(["api.user@univ-exemple.fr", "api@etu.example"]);
    const again = await award({ recipients: [{ eppn: "api.user@univ-exemple.fr" }] });
    expect(((await again.json()) as any).skipped).toEqual([{ recipient: "api.user@univ-exemple.fr", reason: "already-holds" }]);
    // Both together: the eppn is the recipient, the address is notified; a bad address is an error at its path.
    const badContact = await award({ recipients: [{ eppn: "duo@univ-exemple.fr", email: "not-an-address" }] });
    expect(((await badContact.json()) as any).errors.map((e: any) => e.field)).toEqual(["recipients.0.email"]);
    const both = await award({ recipients: [{ eppn: "Duo@Univ-Exemple.fr", email: "duo.perso@etu.example", name: "Duo" }], notify: true });
    expect(both.status).toBe(201);
    const [credential] = ((await both.json()) as any).credentials;
    expect(credential.recipient).toBe("duo@univ-exemple.fr");
    const row = await node.services.credentials.find(credential.id);
    expect(row?.recipient_type).toBe(EPPN);
    const mail = await awardMail(credential.id);
    expect(mail?.to).toBe("duo.perso@etu.example");
    expect(mail?.text).toContain("(duo@univ-exemple.fr)");
  });
});
