import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { TestNode } from "../helpers/node.ts";
import { listIdOf, settle, startAwardNode, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// The jury workflow: submit, send back with a comment, fix, approve, issue as a job with a
// progress bar and a report; the "no jury" setting; prerequisites and the admin override.
describe("award lists: jury, issuing, overrides", () => {
  let node: TestNode;
  let kit: AwardKit;
  const path = "/issuers/ecm/award-lists";

  beforeAll(async () => { ({ node, kit } = await startAwardNode()); });
  afterAll(async () => { await node?.close(); });

  const list = (id: string) => node.services.awardLists.listOf(kit.issuer.id, id);
  const audit = async (id: string) => (await node.services.audit.listForObject("award_list", id)).map((e) => e.action).sort();
  const credentialsOf = (achievementId: string) => node.database.db.selectFrom("credentials").selectAll().where("achievement_id", "=", achievementId).execute();
  const jobsOf = (listId: string) => node.database.db.selectFrom("jobs").selectAll().where("dedupe_key", "=", listId).execute();
  const progress = async (id: string) => (await kit.jury.get(`${path}/${id}/progress`, { "HX-Request": "true" })).text();

  it("awarder submits, jury sends back with a comment, awarder fixes and resubmits, jury approves, the job issues", async () => {
    const a = await template(node, kit.issuer, "Tutorat");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "paste", recipients: "ana@etu.example\nmax@etu.example\nbad-address", token: "jury-1" }));
    expect((await kit.awarder.submit(`${path}/${id}/submit`, {})).status).toBe(303);
    expect(await list(id)).toMatchObject({ status: "submitted", valid: 2, total: 3 });
    expect((await kit.awarder.submit(`${path}/${id}/approve`, {})).status).toBe(403); // awarders do not judge
    expect((await kit.jury.text(`${path}/${id}`)).body).toContain("Valider et émettre");

    expect((await kit.jury.submit(`${path}/${id}/return`, { comment: "" })).status).toBe(303);
    expect((await list(id))!.status).toBe("submitted"); // a comment is required
    await kit.jury.submit(`${path}/${id}/return`, { comment: "Il manque Léo." });
    expect(await list(id)).toMatchObject({ status: "returned", review_comment: "Il manque Léo." });
    expect((await kit.awarder.text(`${path}/${id}`)).body).toContain("Renvoyée par le jury : Il manque Léo.");

    await kit.awarder.submit(`${path}/${id}/replace`, { source: "paste", recipients: "ana@etu.example max@etu.example leo@etu.example bad-address" });
    const bad = (await node.services.awardLists.allItems(id)).find((i) => i.status === "error")!;
    await kit.awarder.submit(`${path}/${id}/items/${bad.id}/remove`, {});
    expect(await list(id)).toMatchObject({ status: "returned", total: 3, valid: 3 });
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    expect((await credentialsOf(a.row.id)).length).toBe(0); // nothing before the jury says so

    expect((await kit.jury.submit(`${path}/${id}/approve`, {})).status).toBe(303);
    expect((await list(id))!.status).toBe("approved");
    const running = await progress(id);
    expect(running).toContain('hx-get="/issuers/ecm/award-lists/' + id + '/progress" hx-trigger="every 1s"');
    expect(running).toMatch(/<progress id="award-progress-bar" max="3" value="0"/);
    expect(running).toContain(">Actualiser</a>"); // without JavaScript

    expect(await settle(node, id)).toBe("issued");
    const done = await progress(id);
    expect(done).not.toContain("hx-trigger"); // polling stops
    expect(done).toMatch(/<progress id="award-progress-bar" max="3" value="3"/);
    expect(done).toContain("3 badge(s) émis, 0 ignoré(s) (déjà détenus), 0 ligne(s) en erreur.");
    const issued = await credentialsOf(a.row.id);
    expect(issued.map((c) => c.recipient).sort()).toEqual(["ana@etu.example", "leo@etu.example", "max@etu.example"]);
    const items = await node.services.awardLists.allItems(id);
    expect(items.every((i) => i.status === "issued" && issued.some((c) => c.id === i.credential_id && c.award_item_id === i.id))).toBe(true);
    const page = (await kit.awarder.text(`${path}/${id}`)).body;
    expect(page).toContain(`/credentials/${items[0]!.credential_id}`);
    expect(await audit(id)).toEqual(["award.approve", "award.issued", "award.prepare", "award.removeRow", "award.replace", "award.return", "award.submit", "award.submit"]);
  });

  it("submitting or approving twice never issues twice", async () => {
    const a = await template(node, kit.issuer, "Idempotence");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "paste", recipients: "one@etu.example two@etu.example", token: "twice-1" }));
    await Promise.all([kit.awarder.submit(`${path}/${id}/submit`, {}), kit.awarder.submit(`${path}/${id}/submit`, {})]);
    await Promise.all([kit.jury.submit(`${path}/${id}/approve`, {}), kit.jury.submit(`${path}/${id}/approve`, {})]);
    expect(await settle(node, id)).toBe("issued");
    await kit.jury.submit(`${path}/${id}/approve`, {});
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    expect(await node.services.awardLists.approve(cliActor, kit.issuer, id)).toMatchObject({ ok: true });
    await settle(node, id);
    expect((await credentialsOf(a.row.id)).length).toBe(2);
    expect((await jobsOf(id)).length).toBe(1);
    expect((await audit(id)).filter((x) => x === "award.approve")).toHaveLength(1);
  });

  it("a list that holds only errors cannot be submitted", async () => {
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "paste", recipients: "nope", token: "empty-1" }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    expect((await list(id))!.status).toBe("draft");
  });

  it("a \"no jury\" template: submitting issues at once; only issuer admins change the setting", async () => {
    const a = await template(node, kit.issuer, "Sans jury");
    const settingsPath = `/issuers/ecm/achievements/${a.row.id}/award-settings`;
    expect((await kit.awarder.submit(settingsPath, { mailSubject: "x" })).status).toBe(403);
    expect((await kit.admin.submit(settingsPath, { mailSubject: "Votre badge {badge}", mailMessage: "Bravo !" })).status).toBe(303);
    expect(await node.services.awardLists.settings(a.row.id)).toEqual({ juryRequired: false, mailSubject: "Votre badge {badge}", mailMessage: "Bravo !" });
    expect((await kit.admin.text(settingsPath)).body).toContain("Bravo !");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "single", email: "solo@etu.example", token: "nojury-1" }));
    expect((await kit.awarder.text(`${path}/${id}`)).body).toContain("Soumettre et émettre");
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    expect((await list(id))!.status).toBe("approved");
    expect(await settle(node, id)).toBe("issued");
    expect((await credentialsOf(a.row.id)).map((c) => c.recipient)).toEqual(["solo@etu.example"]);
    const events = await node.services.audit.listForObject("award_list", id);
    expect(events.find((e) => e.action === "award.approve")?.details).toContain('"auto":true');
  });

  it("levels in order: a missing prerequisite is refused unless an issuer admin overrides it with a reason (audited)", async () => {
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level2.row.id, source: "paste", recipients: "skip@etu.example", token: "prereq-1" }));
    const [row] = await node.services.awardLists.allItems(id);
    expect(row).toMatchObject({ status: "error" });
    expect((await kit.awarder.text(`${path}/${id}`)).body).not.toContain("Passer outre");
    expect((await kit.admin.text(`${path}/${id}`)).body).toContain("Passer outre (administration)");
    expect((await kit.awarder.submit(`${path}/${id}/items/${row!.id}/override`, { reason: "VAE" })).status).toBe(403);
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    expect((await list(id))!.status).toBe("draft"); // nothing valid to submit

    await kit.admin.submit(`${path}/${id}/items/${row!.id}/override`, { reason: "" });
    expect((await node.services.awardLists.allItems(id))[0]!.status).toBe("error"); // a reason is required
    await kit.admin.submit(`${path}/${id}/items/${row!.id}/override`, { reason: "Niveau 1 validé par VAE (PV du 12/11)" });
    expect((await node.services.awardLists.allItems(id))[0]).toMatchObject({ status: "valid", override_reason: "Niveau 1 validé par VAE (PV du 12/11)" });
    const override = (await node.services.audit.listForObject("award_list", id)).find((e) => e.action === "award.override")!;
    expect(JSON.parse(override.details!)).toMatchObject({ recipient: "skip@etu.example", missing: "Anglais niveau 1", reason: "Niveau 1 validé par VAE (PV du 12/11)" });
    expect(override.actor_label).toBe("admin@ecm.example");

    await kit.awarder.submit(`${path}/${id}/submit`, {}); // the check runs again; the override holds
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    expect((await credentialsOf(kit.level2.row.id)).map((c) => c.recipient)).toEqual(["skip@etu.example"]);
  });

  it("a row whose recipient got the badge between preview and issuing is skipped, and the report says so", async () => {
    const a = await template(node, kit.issuer, "Course");
    const id = listIdOf(await kit.awarder.submit(path, { achievement: a.row.id, source: "paste", recipients: "fast@etu.example slow@etu.example", token: "race-1" }));
    await kit.awarder.submit(`${path}/${id}/submit`, {});
    await node.services.credentials.issueMany(cliActor, kit.issuer, a, [{ recipient: "fast@etu.example", recipientType: "emailAddress" }]);
    await kit.jury.submit(`${path}/${id}/approve`, {});
    expect(await settle(node, id)).toBe("issued");
    expect((await node.services.awardLists.allItems(id)).map((i) => i.status)).toEqual(["skipped", "issued"]);
    expect(await progress(id)).toContain("1 badge(s) émis, 1 ignoré(s) (déjà détenus), 0 ligne(s) en erreur.");
    const csv = await (await kit.jury.get(`${path}/${id}/report.csv`)).text();
    expect(csv).toContain("a reçu ce badge entre l'aperçu et l'émission");
  });

  it("the issuer page links to the award lists, the template page to awarding", async () => {
    expect(await (await kit.jury.get("/issuers/ecm", { Accept: "text/html" })).text()).toContain(`href="/issuers/ecm/award-lists"`);
    const page = (await kit.awarder.get(`/achievements/${kit.level1.row.id}`, { Accept: "text/html" }));
    expect(await page.text()).toContain(`href="/issuers/ecm/award-lists/new?achievement=${kit.level1.row.id}"`);
    const jury = await kit.jury.get(`/achievements/${kit.level1.row.id}`, { Accept: "text/html" });
    expect(await jury.text()).not.toContain("award-lists/new");
    const index = (await kit.jury.text(path)).body;
    expect(index).toContain("Tutorat");
  });
});
