import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { up } from "../../migrations/2026-11-30-0071-achievement-edition-language.ts";
import { createIssuerWithTemplate } from "../helpers/issuing.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// Migration 0071 adds achievements.edition_language (the catalogue's language filter) and fills it
// from each template's current version: templates made before it are found by their edition too.

describe("migration: the edition language of existing templates", () => {
  let node: TestNode;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    node = await startTestNode();
    const made = await createIssuerWithTemplate(node, "ecole", "École", {
      name: "Travailler en équipe", description: "En équipe.", criteria: { narrative: "Faire." }, edition: { inLanguage: "en", name: "Teamwork", description: "In a team." },
    });
    ids.bilingual = made.template.row.id;
    const plain = await node.services.achievements.define(systemActor, made.issuer, { name: "Prendre la parole", description: "À l'oral.", criteria: { narrative: "Parler." } }, { publish: true });
    if (!plain.ok) throw new Error("template");
    ids.plain = plain.value.row.id;
    // Back to the schema before the migration, then run it over these rows.
    const db = node.database.db;
    await db.schema.dropIndex("achievements_status_edition_language_idx").execute();
    await db.schema.alterTable("achievements").dropColumn("edition_language").execute();
    await up(db);
  });
  afterAll(async () => { await node?.close(); });

  it("fills the column from the current version, and the language filter finds the edition", async () => {
    const rows = await node.database.db.selectFrom("achievements").select(["id", "edition_language"]).orderBy("name").execute();
    expect(rows).toEqual([{ id: ids.plain, edition_language: null }, { id: ids.bilingual, edition_language: "en" }]);
    const found = await node.services.achievements.search({ language: "en" });
    expect(found.rows.map((r) => r.id)).toEqual([ids.bilingual]);
  });
});
