import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../src/audit/audit.service.ts";
import { fixture } from "../helpers/frameworks.ts";
import { createAmu } from "../helpers/issuing.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// Issue 3, matrix: "for each cell the template and how many learners hold it" — learners, not
// credentials: a learner awarded twice counts once, a suspended or revoked credential not at all.

describe("matrix: how many learners hold each template", () => {
  let node: TestNode;
  let frameworkId: string;
  let templateId: string;
  let otherTemplateId: string;

  beforeAll(async () => {
    node = await startTestNode();
    const amu = await createAmu(node);
    const imported = await node.services.frameworks.importCsv(systemActor, amu, { name: "Petit référentiel", sourceUrl: null, framework: fixture("small-framework.csv") });
    if (!imported.ok) throw new Error(JSON.stringify(imported.error.errors));
    frameworkId = imported.value.id;
    const fw = (await node.services.frameworks.load(frameworkId))!;
    const competency = fw.competencies[0]!;
    const define = async (name: string, levelCode: string) => {
      const r = await node.services.achievements.define(systemActor, amu, {
        name, description: "Un niveau.", criteria: { narrative: "Faire." }, frameworkId, competencyId: competency.id, levelCode,
      }, { publish: true });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value;
    };
    const template = await define("Communiquer : novice", "novice");
    const other = await define("Communiquer : intermédiaire", "intermediaire");
    templateId = template.row.id;
    otherTemplateId = other.row.id;
    const issue = async (recipient: string, recipientType: "emailAddress" | "ext:eduPersonPrincipalName" = "emailAddress") =>
      (await node.services.credentials.issueMany(systemActor, amu, template, [{ recipient, recipientType }]))[0]!;
    await issue("alice@etu.example"); // Alice, awarded twice (two award lists, say)
    await issue("alice@etu.example");
    // Same value under another identity type: another learner (an eppn is not an e-mail address).
    await issue("alice@etu.example", "ext:eduPersonPrincipalName");
    const bob = await issue("bob@etu.example");
    await node.services.credentials.suspend(systemActor, bob.id, "Enquête en cours");
    const carol = await issue("carol@etu.example");
    await node.services.credentials.revoke(systemActor, carol.id, "Fraude");
    // Dan had his revoked, then was awarded again: he holds it.
    const dan = await issue("dan@etu.example");
    await node.services.credentials.revoke(systemActor, dan.id, "Erreur");
    await issue("dan@etu.example");
  });
  afterAll(async () => { await node?.close(); });

  it("counts distinct recipients (type and value) holding an active credential", async () => {
    const counts = await node.services.credentials.countHolders([templateId, otherTemplateId]);
    // Alice (e-mail), Alice (eppn), Dan; not Bob (suspended) nor Carol (revoked); Alice's two count once.
    expect(counts.get(templateId)).toBe(3);
    expect(counts.get(otherTemplateId) ?? 0).toBe(0);
  });

  it("the matrix page shows that count in the template's cell", async () => {
    const html = await (await node.client().request(`/frameworks/${frameworkId}`)).text();
    const cell = (id: string) => html.match(new RegExp(`<a href="/achievements/${id}">[^<]*</a>(?:(?!</p>).)*`, "s"))?.[0] ?? "";
    expect(cell(templateId)).toContain("3 titulaire(s)");
    expect(cell(otherTemplateId)).toContain("0 titulaire(s)");
  });
});
