import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows, esc, fixture, startFrameworkNode, toWindows1252, upload, type FrameworkActors, type Upload } from "../helpers/frameworks.ts";
import type { HttpClient } from "../helpers/http-client.ts";
import type { TestNode } from "../helpers/node.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";

const CENTRALE = ["data", "centrale-competencies"];
const COMPETENCIES = [
  "Créer de la valeur par l'innovation scientifique et technique", "Complexité",
];

describe("framework import (CSV) with preview", () => {
  let node: TestNode;
  let actors: FrameworkActors;

  beforeAll(async () => { ({ node, actors } = await startFrameworkNode()); });
  afterAll(async () => { await node?.close(); });

  const importCsv = (client: HttpClient, files: Record<string, Upload>, fields: Record<string, string> = { name: "Référentiel" }) =>
    upload(client, "/issuers/ecole/frameworks/import/csv", fields, files);

  /** Uploads, checks the preview page, confirms; returns the preview HTML and the framework id. */
  async function previewAndConfirm(files: Record<string, Upload>, name = "Référentiel") {
    const res = await importCsv(actors.creator, files, { name, sourceUrl: "https://www.example.org/ref.pdf" });
    expect(res.status).toBe(303);
    const previewUrl = res.headers.get("Location")!;
    expect(previewUrl).toMatch(/^\/issuers\/ecole\/frameworks\/imports\/[0-9a-f-]{36}$/);
    const preview = await actors.creator.text(previewUrl);
    expect(preview.status).toBe(200);
    const before = await countRows(node, "frameworks");
    const confirmed = await actors.creator.submit(`${previewUrl}/confirm`, {});
    expect(confirmed.status).toBe(303);
    expect(await countRows(node, "frameworks")).toBe(before + 1);
    return { preview: preview.body, id: confirmed.headers.get("Location")!.replace("/frameworks/", ""), previewUrl };
  }

  it("imports the shared Centrale CSVs: clean preview naming the encoding, nothing stored before confirming, then the matrix", async (ctx) => {
    if (skipIfNoShared(ctx, ...CENTRALE, "framework.csv")) return;
    const files = {
      framework: { name: "framework.csv", bytes: readShared(...CENTRALE, "framework.csv") },
      levels: { name: "levels.csv", bytes: readShared(...CENTRALE, "levels.csv") },
      situations: { name: "evaluation-situations.csv", bytes: readShared(...CENTRALE, "evaluation-situations.csv") },
    };
    const before = { frameworks: await countRows(node, "frameworks"), items: await countRows(node, "framework_items") };
    const res = await importCsv(actors.creator, files, { name: "Référentiel de compétences de l'ingénieur centralien" });
    expect(res.status).toBe(303);
    expect(await countRows(node, "frameworks")).toBe(before.frameworks);
    expect(await countRows(node, "framework_items")).toBe(before.items);
    const preview = await actors.creator.text(res.headers.get("Location")!);
    expect(preview.body).toContain("Aucune erreur.");
    expect(preview.body).toContain(esc("Encodage détecté pour framework.csv : UTF-8") + "</li>");
    expect(preview.body).toContain(esc("Encodage détecté pour levels.csv : UTF-8"));
    expect(preview.body).toContain(esc("5 compétence(s), 15 sous-compétence(s), 5 niveau(x), 15 descripteur(s), 15 situation(s) d'évaluation"));

    const confirmed = await actors.creator.submit(`${res.headers.get("Location")}/confirm`, {});
    expect(confirmed.status).toBe(303);
    const id = confirmed.headers.get("Location")!.replace("/frameworks/", "");
    const matrix = await node.client().text(`/frameworks/${id}`);
    expect(matrix.status).toBe(200);
    for (const name of [...COMPETENCIES, "Direction de programmes", "Management", "Vision stratégique"]) expect(matrix.body).toContain(esc(name));
    for (const d of ["Identifie et décrit les apports et indications des outils et techniques de créativité.", "Confronte ses idées à des experts ou des données scientifiques et techniques."]) {
      expect(matrix.body).toContain(esc(d));
    }
    expect(matrix.body).toContain("Training Idéation");
    expect(matrix.body).toContain('id="level-avance">Avancé — facultatif</li>');
    const events = await node.services.audit.listForObject("framework", id);
    expect(events.map((e) => e.action)).toEqual(["framework.import"]);
  });

  it("reads the same data re-encoded as Windows-1252 and says so; accented names come out right", async (ctx) => {
    if (skipIfNoShared(ctx, ...CENTRALE, "framework.csv")) return;
    const text = readShared(...CENTRALE, "framework.csv").toString("utf8");
    const { preview, id } = await previewAndConfirm({ framework: { name: "framework.csv", bytes: toWindows1252(text) } }, "Centrale (ANSI)");
    expect(preview).toContain(esc("Encodage détecté pour framework.csv : Windows-1252 (ANSI, Excel sous Windows)"));
    const fw = (await node.services.frameworks.load(id))!;
    expect(fw.competencies.map((c) => c.name)).toContain("Créer de la valeur par l'innovation scientifique et technique");
    expect(fw.competencies[0]!.subs.map((s) => s.name)).toEqual(["FAIRE ÉMERGER", "OSER", "CONCRÉTISER"]);
  });

  it("reads UTF-8 with a BOM (the BOM is not part of the first column)", async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture("small-framework.csv")]);
    const { preview, id } = await previewAndConfirm({ framework: { name: "framework.csv", bytes } }, "Avec BOM");
    expect(preview).toContain(esc("Encodage détecté pour framework.csv : UTF-8 avec BOM"));
    expect((await node.services.frameworks.load(id))!.competencies.map((c) => c.code)).toEqual(["communication", "numerique"]);
  });

  it("reads a Windows-1252 fixture too (runs without ../shared)", async () => {
    const bytes = toWindows1252(fixture("small-framework.csv").toString("utf8"));
    const { preview, id } = await previewAndConfirm({ framework: { name: "framework.csv", bytes } }, "ANSI");
    expect(preview).toContain("Windows-1252");
    expect((await node.services.frameworks.load(id))!.competencies[1]!.name).toBe("Agir dans un environnement numérique");
  });

  it("stores HTML as text and escapes it on every page", async () => {
    const { id } = await previewAndConfirm({ framework: { name: "framework.csv", bytes: fixture("small-framework.csv") } }, "<img src=x onerror=alert(1)>");
    const fw = (await node.services.frameworks.load(id))!;
    expect(fw.competencies[1]!.subs[0]!.cells[2]!.descriptor).toBe("<script>alert('x')</script> Protège des données sensibles.");
    const page = await node.client().text(`/frameworks/${id}`);
    expect(page.body).not.toContain("<script>alert");
    expect(page.body).not.toContain("<img src=x");
    expect(page.body).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Protège des données sensibles.");
    expect(page.body).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  describe("bad input: a clear message, nothing stored, nothing to confirm", () => {
    async function expectRefused(files: Record<string, Upload>, fields?: Record<string, string>) {
      const before = { frameworks: await countRows(node, "frameworks"), imports: await countRows(node, "framework_imports") };
      const res = await importCsv(actors.creator, files, fields);
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).not.toContain("/confirm");
      expect(await countRows(node, "frameworks")).toBe(before.frameworks);
      expect(await countRows(node, "framework_imports")).toBe(before.imports);
      return body;
    }

    it("wrong columns: one message naming the expected columns", async () => {
      const body = await expectRefused({ framework: { name: "framework.csv", bytes: fixture("bad-columns.csv") } });
      expect(body).toContain(esc("Colonnes incorrectes. Colonnes attendues : competency_code, competency_name, competency_short_name, sub_competency, level_code, descriptor. Colonnes trouvées : code, name, sub, level, text."));
    });

    it("duplicate row, unknown level, empty competency code: one line each", async () => {
      const body = await expectRefused({ framework: { name: "framework.csv", bytes: fixture("bad-rows.csv") } });
      expect(body).toContain(esc("3 problème(s)"));
      expect(body).toContain(`<td>framework.csv</td><td>3</td><td>${esc("Ligne en double : (communication, ÉCRIRE, novice) figure déjà ligne 2.")}</td>`);
      expect(body).toContain(`<td>4</td><td>${esc("Niveau inconnu « maitre ». Niveaux de l'échelle : novice, intermediaire, competent, avance, expert.")}</td>`);
      expect(body).toContain(`<td>5</td><td>${esc("Le code de la compétence (competency_code) est vide.")}</td>`);
    });

    it("a situation for an unknown competency", async () => {
      const body = await expectRefused({
        framework: { name: "framework.csv", bytes: fixture("small-framework.csv") },
        situations: { name: "evaluation-situations.csv", bytes: fixture("bad-situations.csv") },
      });
      expect(body).toContain(`<td>evaluation-situations.csv</td><td>3</td><td>${esc("Cette situation vise une compétence inconnue « inconnue ».")}</td>`);
    });

    it("a missing framework.csv, a missing name, a javascript: source URL", async () => {
      expect(await expectRefused({})).toContain(esc("Le fichier framework.csv est obligatoire."));
      expect(await expectRefused({ framework: { name: "f.csv", bytes: fixture("small-framework.csv") } }, { name: " " })).toContain(esc("Donnez un nom au référentiel."));
      const body = await expectRefused({ framework: { name: "f.csv", bytes: fixture("small-framework.csv") } }, { name: "X", sourceUrl: "javascript:alert(1)" });
      expect(body).toContain(esc("Cette adresse web n'est pas valide (https://…)."));
    });

    it("over 2 MB, over 5 000 rows, not text", async () => {
      const header = fixture("small-framework.csv").toString("utf8").split("\n")[0]!;
      const big = header + "\n" + `a,A,A,S,novice,${"x".repeat(1000)}\n`.repeat(2200);
      expect(await expectRefused({ framework: { name: "f.csv", bytes: big } })).toContain(esc("Fichier trop volumineux (au plus 2 Mo)."));
      const many = header + "\n" + Array.from({ length: 5001 }, (_, i) => `c${i},C,C,S,novice,d`).join("\n");
      expect(await expectRefused({ framework: { name: "f.csv", bytes: many } })).toContain(esc("Trop de lignes (au plus 5000)."));
      const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
      expect(await expectRefused({ framework: { name: "f.csv", bytes: png } })).toContain(esc("Ce fichier n'est pas un fichier texte."));
    });
  });

  describe("who may import", () => {
    const files = () => ({ framework: { name: "framework.csv", bytes: fixture("small-framework.csv") } });

    it("a viewer sees the list but no form, and gets 403 on import; another issuer's creator too; anonymous 401", async () => {
      const list = await actors.viewer.text("/issuers/ecole/frameworks");
      expect(list.status).toBe(200);
      expect(list.body).not.toContain("/frameworks/import/csv");
      expect((await actors.creator.text("/issuers/ecole/frameworks")).body).toContain('action="/issuers/ecole/frameworks/import/csv"');
      const before = await countRows(node, "framework_imports");
      expect((await importCsv(actors.viewer, files())).status).toBe(403);
      expect((await importCsv(actors.otherCreator, files())).status).toBe(403);
      expect((await importCsv(actors.anonymous, files())).status).toBe(401);
      expect(await countRows(node, "framework_imports")).toBe(before);
    });

    it("only the issuer's creators see and confirm a pending import; confirming twice gives one framework", async () => {
      const res = await importCsv(actors.creator, files(), { name: "Deux clics" });
      const previewUrl = res.headers.get("Location")!;
      expect((await actors.otherCreator.text(previewUrl)).status).toBe(403);
      expect((await actors.viewer.submit(`${previewUrl}/confirm`, {})).status).toBe(403);
      expect((await actors.otherCreator.submit(`/issuers/autre/frameworks/imports/${previewUrl.split("/").pop()}/confirm`, {})).status).toBe(404);
      const before = await countRows(node, "frameworks");
      const [a, b] = await Promise.all([actors.creator.submit(`${previewUrl}/confirm`, {}), actors.creator.submit(`${previewUrl}/confirm`, {})]);
      expect([a.status, b.status]).toEqual([303, 303]);
      expect(a.headers.get("Location")).toBe(b.headers.get("Location"));
      expect(await countRows(node, "frameworks")).toBe(before + 1);
      expect((await actors.creator.get(previewUrl)).headers.get("Location")).toBe(a.headers.get("Location"));
    });
  });
});
