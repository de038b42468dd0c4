import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { decodeStatusList, isBitSet } from "../../src/credentials/bitstring.ts";
import type { Achievement } from "../../src/achievements/achievements.service.ts";
import { open } from "../../src/shared/secret-box.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { setUpAwards, sleep, template, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// The award API for information systems (Moodle, Pégase…): bearer token with scope `award`.
describe("award API", () => {
  let node: TestNode;
  let kit: AwardKit;
  let token = "";
  let otherToken = "";
  let readOnly = "";
  let noJury: Achievement;

  beforeAll(async () => {
    node = await startTestNode({ jobs: { pollMs: 20 } });
    node.services.jobs.start();
    kit = await setUpAwards(node);
    const other = await setUpAwards(node, "autre");
    const make = async (issuer = kit.issuer, scopes = ["award"]) => {
      const made = await node.services.tokens.create(cliActor, issuer, "SI", scopes);
      if (!made.ok) throw new Error("token");
      return made.value.token;
    };
    token = await make();
    otherToken = await make(other.issuer);
    readOnly = await make(kit.issuer, ["read"]);
    noJury = await template(node, kit.issuer, "Moodle : cours terminé");
    await node.services.awardLists.saveSettings(cliActor, kit.issuer, noJury.row.id, { juryRequired: false, mailSubject: null, mailMessage: null });
  });
  afterAll(async () => { await node?.close(); });

  const post = (path: string, body: unknown, opts: { bearer?: string; headers?: Record<string, string> } = {}) => fetch(`${node.url}${path}`, {
    method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${opts.bearer ?? token}`, ...opts.headers },
  });
  const get = (path: string, bearer = token) => fetch(`${node.url}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
  const award = (id: string, body: unknown, opts: { bearer?: string; headers?: Record<string, string> } = {}) => post(`/api/v1/achievements/${id}/awards`, body, opts);
  const countCredentials = async (achievementId: string) =>
    Number((await node.database.db.selectFrom("credentials").select((eb) => eb.fn.countAll().as("n")).where("achievement_id", "=", achievementId).executeTakeFirstOrThrow()).n);
  const countLists = async () => Number((await node.database.db.selectFrom("award_lists").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

  it("201 for a small list on a \"no jury\" template: the credentials, issued during the request", async () => {
    const res = await award(noJury.row.id, { recipients: [{ email: "Ana@Etu.Example", name: "Ana", evidence: "https://moodle.example/ana" }, { email: "max@etu.example", result: null }], notify: true });
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body.credentials).toHaveLength(2);
    expect(body.credentials[0]).toMatchObject({ recipient: "ana@etu.example", url: `${node.url}/credentials/${body.credentials[0].id}` });
    const doc = (await (await fetch(body.credentials[0].url, { headers: { Accept: "application/ld+json" } })).json()) as any;
    expect(doc.evidence[0].id).toBe("https://moodle.example/ana");
    expect(body.list).toMatchObject({ status: "issued", total: 2 });
  });

  it("notifies each recipient once by e-mail, with the template's custom subject and the link to the badge", async () => {
    await node.services.awardLists.saveSettings(cliActor, kit.issuer, noJury.row.id, { juryRequired: false, mailSubject: "Bravo {name} : {badge}", mailMessage: null });
    const res = await award(noJury.row.id, { recipients: [{ email: "mia@etu.example", name: "Mia" }], notify: true });
    const id = ((await res.json()) as any).credentials[0].id;
    const jobs = await node.database.db.selectFrom("jobs").select("payload").where("dedupe_key", "=", `award:${id}`).execute();
    expect(jobs).toHaveLength(1);
    const mail = JSON.parse(open(node.config.secret, "mail-outbox", JSON.parse(jobs[0]!.payload).sealed));
    expect(mail.to).toBe("mia@etu.example");
    expect(mail.subject).toBe("Bravo Mia : Moodle : cours terminé");
    expect(mail.text).toContain(`${node.url}/credentials/${id}`);
    const silent = await award(noJury.row.id, { recipients: [{ email: "quiet@etu.example" }], notify: false });
    const quietId = ((await silent.json()) as any).credentials[0].id;
    expect(await node.database.db.selectFrom("jobs").select("id").where("dedupe_key", "=", `award:${quietId}`).execute()).toHaveLength(0);
  });

  it("the same Idempotency-Key answers the same credentials and never issues twice", async () => {
    const a = await template(node, kit.issuer, "Idempotent");
    await node.services.awardLists.saveSettings(cliActor, kit.issuer, a.row.id, { juryRequired: false, mailSubject: null, mailMessage: null });
    const body = { recipients: [{ email: "retry@etu.example" }] };
    const headers = { "Idempotency-Key": "moodle-batch-42" };
    const first = (await (await award(a.row.id, body, { headers })).json()) as any;
    const [second, third] = await Promise.all([award(a.row.id, body, { headers }), award(a.row.id, body, { headers })]);
    expect(second.status).toBe(201);
    expect(((await second.json()) as any).credentials).toEqual(first.credentials);
    expect(((await third.json()) as any).credentials).toEqual(first.credentials);
    expect(await countCredentials(a.row.id)).toBe(1);
    // Without the key, the recipient now holds the badge: skipped, not issued again.
    const again = (await (await award(a.row.id, body)).json()) as any;
    expect(again).toMatchObject({ credentials: [], skipped: [{ recipient: "retry@etu.example", reason: "already-holds" }] });
    expect(await countCredentials(a.row.id)).toBe(1);
  });

  it("202 with a job for a larger list; the job URL shows progress and counts, for the token's issuer only", async () => {
    const recipients = Array.from({ length: 60 }, (_, i) => ({ email: `bulk${i}@etu.example` }));
    const res = await award(noJury.row.id, { recipients });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body.job.url).toBe(`${node.url}/api/v1/jobs/${body.job.id}`);
    expect(res.headers.get("Location")).toBe(body.job.url);
    let job: any;
    for (let i = 0; i < 300; i++) {
      // A keep-alive socket the server closes just as it is reused fails once (busy machines): ask again.
      job = await (await get(`/api/v1/jobs/${body.job.id}`).catch(() => get(`/api/v1/jobs/${body.job.id}`))).json();
      if (job.status === "done") break;
      await sleep(50);
    }
    expect(job).toMatchObject({ status: "done", progress: { done: 60, total: 60 }, result: { issued: 60, skipped: 0, errors: 0 }, list: { status: "issued" } });
    expect((await get(`/api/v1/jobs/${body.job.id}`, otherToken)).status).toBe(404);
    expect((await get(`/api/v1/jobs/${body.job.id}`, readOnly)).status).toBe(403);
  });

  it("a template with a jury: 202 with the list, status \"submitted\", nothing issued", async () => {
    const res = await award(kit.level1.row.id, { recipients: [{ email: "jury@etu.example" }] });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: "submitted", list: { status: "submitted" } });
    expect(await countCredentials(kit.level1.row.id)).toBe(0);
    expect(await node.services.awardLists.listOf(kit.issuer.id, body.id)).toMatchObject({ status: "submitted", source: "api" });
  });

  it("422 with the path of each bad row, nothing stored", async () => {
    const before = await countLists();
    const res = await award(noJury.row.id, { recipients: [
      { email: "ok@etu.example" }, { email: "ok2@etu.example" }, { email: "ok3@etu.example" }, { email: "not-an-address" },
      { email: "ok@etu.example" }, { email: "ev@etu.example", evidence: "ftp://x" },
    ] });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).errors).toEqual([
      { field: "recipients.3.email", message: "Malformed e-mail address." },
      { field: "recipients.4.email", message: "Duplicate: same address as recipients.0." },
      { field: "recipients.5.evidence", message: "The evidence must be an http(s) web address." },
    ]);
    const prereq = await award(kit.level2.row.id, { recipients: [{ email: "new@etu.example" }] });
    expect(((await prereq.json()) as any).errors).toEqual([{ field: "recipients.0.email", message: "Prerequisite level missing: Anglais niveau 1." }]);
    const shape = await award(noJury.row.id, { recipients: [{ mail: "x@y.example" }] });
    expect(shape.status).toBe(422);
    expect(((await award(noJury.row.id, { recipients: [] })).status)).toBe(422);
    expect(await countLists()).toBe(before);
  });

  it("403 for another issuer's template or a token without the scope, 404 unknown, 409 archived or draft", async () => {
    expect((await award(noJury.row.id, { recipients: [{ email: "a@b.example" }] }, { bearer: otherToken })).status).toBe(403);
    expect((await award(noJury.row.id, { recipients: [{ email: "a@b.example" }] }, { bearer: readOnly })).status).toBe(403);
    expect((await award("00000000-0000-4000-8000-000000000000", { recipients: [{ email: "a@b.example" }] })).status).toBe(404);
    const archived = await template(node, kit.issuer, "Ancien");
    await node.services.achievements.archive(cliActor, archived.row.id);
    expect((await award(archived.row.id, { recipients: [{ email: "a@b.example" }] })).status).toBe(409);
    const draft = await template(node, kit.issuer, "Pas encore", { publish: false });
    expect((await award(draft.row.id, { recipients: [{ email: "a@b.example" }] })).status).toBe(409);
    expect((await fetch(`${node.url}/api/v1/achievements/${noJury.row.id}/awards`, { method: "POST", body: "{}" })).status).toBe(401);
  });

  it("revokes through the API: 200 with the new status, and the status list bit flips", async () => {
    const made = (await (await award(noJury.row.id, { recipients: [{ email: "fraud@etu.example" }] })).json()) as any;
    const id = made.credentials[0].id;
    const row = (await node.services.credentials.find(id))!;
    expect((await post(`/api/v1/credentials/${id}/revoke`, { reason: "Fraude" }, { bearer: otherToken })).status).toBe(403);
    expect((await post(`/api/v1/credentials/${id}/revoke`, { reason: "Fraude" }, { bearer: readOnly })).status).toBe(403);
    expect((await post(`/api/v1/credentials/${id}/revoke`, {})).status).toBe(422);
    const res = await post(`/api/v1/credentials/${id}/revoke`, { reason: "Fraude constatée" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "revoked", reason: "Fraude constatée" });
    const list = (await (await fetch(`${node.url}/issuers/ecm/status/revocation`)).json()) as any;
    expect(isBitSet(decodeStatusList(list.credentialSubject.encodedList), row.status_index)).toBe(true);
    expect((await post(`/api/v1/credentials/${id}/revoke`, { reason: "encore" })).status).toBe(409);
    expect((await post(`/api/v1/credentials/00000000-0000-4000-8000-000000000000/revoke`, { reason: "x" })).status).toBe(404);
  });
});
