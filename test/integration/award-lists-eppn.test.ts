import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { AwardItemRow } from "../../src/db/database.ts";
import { loadSchemaSet } from "../../src/verification/json-schemas.ts";
import { sharedPath, skipIfNoShared } from "../helpers/shared-data.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { listIdOf, settle, setUpAwards, template, uploadCsv, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

const EPPN = "ext:eduPersonPrincipalName";

// Awards to a federation identifier (eduPersonPrincipalName) instead of an e-mail address: a CSV
// `eppn` column, "eppn:" in a paste or the single form, `eppn` in the API. Same checks as e-mail
// rows (format, duplicates, holders, prerequisites); the credential carries a hashed
// IdentityObject of type ext:eduPersonPrincipalName; no e-mail is sent to such a recipient.
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

  it("a CSV with `email` and `eppn` columns: either per row, the eppn wins; malformed, duplicate and holder flagged", async () => {
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
    ].join("\n");
    const id = listIdOf(await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "eppn-csv" }, csv));
    expect(await rowsOf(id)).toEqual([
      [2, "ana@etu.example", "emailAddress", "valid", []],
      [3, "jdupont@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]],
      [4, "bob@univ-exemple.fr", EPPN, "valid", ["awards.row.eppnNoMail"]],
      [5, "pas-un-eppn", EPPN, "error", ["awards.row.eppn"]],
      [6, "jdupont@univ-exemple.fr", EPPN, "error", ["awards.row.eppnNoMail", "awards.row.duplicate"]],
      [7, "holder@univ-exemple.fr", EPPN, "error", ["awards.row.eppnNoMail", "awards.row.holder"]],
      [8, "eve@univ_exemple", EPPN, "error", ["awards.row.eppn"]],
      [9, "", "emailAddress", "error", ["awards.row.emailMissing"]],
    ]);
    const html = (await kit.awarder.text(`${path}/${id}`)).body;
    expect(html).toContain("aucun e-mail n&#39;est envoyé à ce titulaire");
    expect(html).toContain("Identifiant de fédération mal formé");
    expect(html).toContain('<abbr title="Identifiant de fédération (eppn)">eppn</abbr>&nbsp;: jdupont@univ-exemple.fr');
    const report = parse((await (await kit.awarder.get(`${path}/${id}/report.csv`)).text()).replace(/^\uFEFF/, ""), { columns: true }) as Array<Record<string, string>>;
    expect(report.slice(0, 2).map((r) => [r.line, r.email, r.eppn])).toEqual([["2", "ana@etu.example", ""], ["3", "", "jdupont@univ-exemple.fr"]]);
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
      // The same string as an e-mail address: the same person (compared by value, as the backpack does).
      [3, "holder@univ-exemple.fr", "emailAddress", "error", ["awards.row.duplicate"]],
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
  });
});
