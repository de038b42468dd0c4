import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { AwardItemRow } from "../../src/db/database.ts";
import type { TestNode } from "../helpers/node.ts";
import { listIdOf, setUpAwards, startAwardNode, template, uploadCsv, windows1252, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// Preparing award lists: the three inputs, the preview that flags each bad row, and the inputs
// refused as a whole (nothing stored). Real HTTP, real database (SQLite, or PostgreSQL in CI).
describe("award lists: prepare and preview", () => {
  let node: TestNode;
  let kit: AwardKit;
  const path = "/issuers/ecm/award-lists";

  beforeAll(async () => {
    ({ node, kit } = await startAwardNode());
    // Someone who already holds level 1 (and so may get level 2).
    await node.services.credentials.issueMany(cliActor, kit.issuer, kit.level1, [{ recipient: "holder@etu.example", recipientType: "emailAddress" }]);
  });
  afterAll(async () => { await node?.close(); });

  const items = (listId: string): Promise<AwardItemRow[]> => node.services.awardLists.allItems(listId);
  const keysOf = (item: AwardItemRow) => (item.errors ? (JSON.parse(item.errors) as Array<{ key: string }>).map((p) => p.key) : []);
  const countLists = async () => Number((await node.database.db.selectFrom("award_lists").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const countCredentials = async () => Number((await node.database.db.selectFrom("credentials").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const page = async (listId: string) => (await kit.awarder.text(`${path}/${listId}`)).body;

  it("one recipient: stored as a draft with a preview, nothing issued", async () => {
    const before = await countCredentials();
    const res = await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: " Zoe.Martin@Etu.Example ", name: "Zoé Martin", evidence: "https://portfolio.example/zoe", result: "", notify: "1", token: "t-single-1" });
    const id = listIdOf(res);
    const [row] = await items(id);
    expect(row).toMatchObject({ recipient: "zoe.martin@etu.example", name: "Zoé Martin", evidence_url: "https://portfolio.example/zoe", status: "valid" });
    expect(await node.services.awardLists.listOf(kit.issuer.id, id)).toMatchObject({ status: "draft", source: "single", total: 1, valid: 1, notify: 1 });
    expect(await countCredentials()).toBe(before);
    const html = await page(id); // the preview survives a reload
    expect(html).toContain("zoe.martin@etu.example");
    expect(html).toContain("Soumettre au jury");
  });

  it("a pasted list: malformed, duplicate, already holds and prerequisite missing are each flagged", async () => {
    const res = await kit.awarder.submit(path, {
      achievement: kit.level2.row.id, source: "paste", token: "t-paste-1",
      recipients: "holder@etu.example; ana@etu.example,\nnot-an-address\n ana@etu.example  leo@etu.example",
    });
    const id = listIdOf(res);
    const rows = await items(id);
    expect(rows.map((r) => [r.row_number, r.recipient, r.status, keysOf(r)])).toEqual([
      [1, "holder@etu.example", "valid", []],
      [2, "ana@etu.example", "error", ["awards.row.prerequisite"]],
      [3, "not-an-address", "error", ["awards.row.email"]],
      [4, "ana@etu.example", "error", ["awards.row.duplicate"]],
      [5, "leo@etu.example", "error", ["awards.row.prerequisite"]],
    ]);
    const held = await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "paste", recipients: "holder@etu.example", token: "t-paste-2" });
    expect(keysOf((await items(listIdOf(held)))[0]!)).toEqual(["awards.row.holder"]);
    const html = await page(id);
    expect(html).toContain("Niveau préalable manquant : Anglais niveau 1.");
    expect(html).toContain("Adresse e-mail mal formée.");
    expect(html).toContain("Doublon : cette adresse figure déjà ligne 2.");
  });

  it("a UTF-8 CSV (columns in any order): bad URL, too-long field, unknown level, formula flagged; encoding shown", async () => {
    const ladder = await template(node, kit.issuer, "Projet (niveaux)", { extra: { resultDescription: [{ id: "urn:rd:1", name: "Niveau", resultType: "RubricCriterionLevel", rubricCriterionLevel: [{ id: "urn:level:novice", name: "Novice" }, { id: "urn:level:expert", name: "Expert" }], requiredLevel: "urn:level:novice" }] } });
    const csv = [
      "name,email,evidence,result,narrative",
      "Zoé,zoe@etu.example,https://ok.example/p,Expert,Très bien",
      "Max,max@etu.example,javascript:alert(1),,",
      `${"L".repeat(201)},long@etu.example,,,`,
      "Ana,ana@etu.example,,Maître,",
      `"=HYPERLINK(""http://evil.example"",""cliquez"")",leo@etu.example,,,`,
    ].join("\n");
    const id = listIdOf(await uploadCsv(kit.awarder, path, { achievement: ladder.row.id, source: "csv", token: "t-csv-utf8" }, csv));
    const rows = await items(id);
    expect(rows.map((r) => [r.row_number, r.status, keysOf(r)])).toEqual([
      [2, "valid", []],
      [3, "error", ["awards.row.evidence"]],
      [4, "error", ["awards.row.tooLong"]],
      [5, "error", ["awards.row.level"]],
      [6, "valid", ["awards.row.formula"]],
    ]);
    expect(rows[0]).toMatchObject({ name: "Zoé", result: "Expert", narrative: "Très bien" });
    expect(rows[4]!.name).toBe('=HYPERLINK("http://evil.example","cliquez")'); // stored as typed: nothing stripped
    const html = await page(id);
    expect(html).toContain("Fichier lu en UTF-8, séparateur « , ».");
    expect(html).toContain("formule de tableur");
    expect(html).toContain("Niveau inconnu pour ce modèle (attendu : Novice, Expert).");
    expect(html).not.toContain('<a href="http://evil.example"');
  });

  it("reads a CSV with BOM, a Windows-1252 CSV and a `;`-separated CSV, and says which", async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("email,name\nbom@etu.example,Éloïse\n")]);
    const a = listIdOf(await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-bom" }, bom));
    expect((await items(a))[0]).toMatchObject({ recipient: "bom@etu.example", name: "Éloïse", status: "valid" });
    expect(await page(a)).toContain("Fichier lu en UTF-8 avec BOM");
    const latin = windows1252("Courriel;Nom;Niveau\r\nfrancois@etu.example;François Lefèvre;\r\n");
    const b = listIdOf(await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-1252" }, latin));
    expect((await items(b))[0]).toMatchObject({ recipient: "francois@etu.example", name: "François Lefèvre" });
    expect(await page(b)).toContain("Fichier lu en Windows-1252, séparateur « ; ».");
  });

  it("wrong columns: a clear message naming the expected columns, nothing stored", async () => {
    const before = await countLists();
    const res = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-cols" }, "mail_address,full name\na@b.example,A\n");
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Colonnes inattendues. Attendu (ligne d&#39;en-tête, dans n&#39;importe quel ordre) : email, eppn, name, evidence, narrative, result — email ou eppn obligatoire");
    expect(html).toContain("Trouvé : mail_address, full name");
    expect(html).toContain("Rien n&#39;a été enregistré.");
    const broken = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-broken" }, 'email,name\na@b.example,"Zoé\n');
    expect(broken.status).toBe(422);
    expect(await broken.text()).toContain("CSV mal formé vers la ligne");
    const utf16 = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-utf16" }, new Uint8Array([0xff, 0xfe, 0x65, 0x00]));
    expect(await utf16.text()).toContain("Ce fichier est en UTF-16");
    expect(await countLists()).toBe(before);
  });

  it("a 100 000-row CSV is refused with the limit in the message, nothing stored", async () => {
    const before = await countLists();
    const lines = ["email"];
    for (let i = 0; i < 100_000; i++) lines.push(`u${i}@x.fr`);
    const csv = lines.join("\n");
    expect(csv.length).toBeLessThan(2 * 1024 * 1024); // the row limit, not the size limit, answers
    const res = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-big" }, csv);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Trop de lignes : au plus 10 000 destinataires par liste.");
    expect(await countLists()).toBe(before);
  });

  it("a file over 2 MB is refused with the size limit", async () => {
    const res = await uploadCsv(kit.awarder, path, { achievement: kit.level1.row.id, source: "csv", token: "t-huge" }, "email\n" + "x".repeat(2 * 1024 * 1024 + 10));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Fichier trop gros : au plus 2 Mo.");
  });

  it("unknown, draft and archived templates: a clear error, nothing stored", async () => {
    const draft = await template(node, kit.issuer, "Brouillon", { publish: false });
    const archived = await template(node, kit.issuer, "Archivé");
    await node.services.achievements.archive(cliActor, archived.row.id);
    const before = await countLists();
    const cases: Array<[string, number, string]> = [
      ["00000000-0000-4000-8000-000000000000", 404, "Ce modèle n&#39;existe pas dans cet espace."],
      [draft.row.id, 409, "Ce modèle est un brouillon : publiez-le avant de l&#39;attribuer."],
      [archived.row.id, 409, "Ce modèle est archivé : il ne peut plus être attribué."],
    ];
    for (const [id, status, message] of cases) {
      const res = await kit.awarder.submit(path, { achievement: id, source: "paste", recipients: "a@b.example", token: `t-tpl-${id}` });
      expect(res.status).toBe(status);
      expect(await res.text()).toContain(message);
      expect((await kit.awarder.get(`${path}/new?achievement=${id}`)).status).toBe(status);
    }
    expect(await countLists()).toBe(before);
  });

  it("the same form posted twice gives one list", async () => {
    const before = await countLists();
    const fields = { achievement: kit.level1.row.id, source: "paste", recipients: "twice@etu.example", token: "t-twice" };
    const [first, second] = await Promise.all([kit.awarder.submit(path, fields), kit.awarder.submit(path, fields)]);
    expect(listIdOf(first)).toBe(listIdOf(second));
    expect(await countLists()).toBe(before + 1);
  });

  it("the report CSV escapes formulas and parses back", async () => {
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: "formula@etu.example", name: "=HYPERLINK(\"http://evil.example\";\"x\")", token: "t-report" }));
    const res = await kit.awarder.get(`${path}/${id}/report.csv`);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"";""x"")"`);
    const records = parse(text.replace(/^\uFEFF/, ""), { columns: true }) as Array<Record<string, string>>;
    expect(records[0]).toMatchObject({ line: "1", email: "formula@etu.example", name: "'=HYPERLINK(\"http://evil.example\";\"x\")", status: "Prête" });
  });

  it("only awarders prepare; other issuers' lists are not found", async () => {
    expect((await kit.jury.submit(path, { achievement: kit.level1.row.id, source: "paste", recipients: "x@y.example" })).status).toBe(403);
    const other = await setUpAwards(node, "autre");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "paste", recipients: "mine@etu.example", token: "t-mine" }));
    expect((await other.awarder.get(`/issuers/autre/award-lists/${id}`)).status).toBe(404);
    expect((await other.awarder.get(`${path}/${id}`)).status).toBe(403);
  });
});
