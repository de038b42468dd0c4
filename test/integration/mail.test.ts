import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configure, reset, type LogRecord } from "@logtape/logtape";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src/app.ts";
import { systemActor } from "../../src/audit/audit.service.ts";
import type { JobRow } from "../../src/db/database.ts";
import { resolveConfig } from "../../src/config/load-config.ts";
import { MAIL_QUEUE } from "../../src/mail/mail.service.ts";
import { isPermanentMailError } from "../../src/mail/mail.transport.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { freePort, startTestNode, type TestNode } from "../helpers/node.ts";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.ts";

/** A clock the test moves by hand, starting now (sessions and run_at stay realistic). */
function manualClock() {
  let t = Date.now();
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; } } satisfies Clock & { advance(ms: number): void };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const smtpConfig = (port: number) => ({ mail: { from: "FranceBadge <badges@univ.example>", smtp: { host: "127.0.0.1", port, secure: false, user: "badges", password: "pw" } } });

describe("e-mail over SMTP (outbox on the job queue)", () => {
  let sink: SmtpSink;
  let node: TestNode;
  const clock = manualClock();

  beforeAll(async () => {
    sink = await startSmtpSink();
    node = await startTestNode(smtpConfig(sink.port), { clock });
  });
  afterAll(async () => {
    await node?.close();
    await sink?.close();
  });

  const jobs = () => node.database.db.selectFrom("jobs").selectAll().where("queue", "=", MAIL_QUEUE).orderBy("created_at").execute();
  const jobByKey = (key: string) => node.database.db.selectFrom("jobs").selectAll().where("dedupe_key", "=", key).executeTakeFirst();
  async function run(): Promise<JobRow[]> {
    await node.services.jobs.tick();
    for (const deadline = Date.now() + 15_000; ;) {
      const all = await jobs();
      if (!all.some((j) => j.status === "running")) return all;
      if (Date.now() > deadline) throw new Error("mail jobs still running after 15 s");
      await sleep(10);
    }
  }

  it("an invitation made in the web UI arrives with a UTF-8 subject, both parts, and a link that opens the invitation", async () => {
    const r = await node.services.issuers.create(systemActor, { slug: "ete", name: "École d'été à Aix", description: "", website: null, email: null, logoUrl: null, parent: null });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const admin = await node.signIn("helene@univ.example");
    await node.services.members.add(systemActor, r.value, { email: "helene@univ.example", role: "admin" });

    const res = await admin.submit("/issuers/ete/members", { email: "nouvelle@partenaire.example", role: "jury" });
    expect(res.status).toBe(200);
    const shown = /value="(https?:\/\/[^"]+\/invitations\/[^"]+)"/.exec(await res.text())?.[1];
    expect(shown).toBeDefined();

    const [job] = await jobs();
    expect(job).toMatchObject({ status: "pending", attempts: 0 });
    // The stored job carries no readable link: the message is sealed with the node secret.
    expect(job!.payload).not.toContain("/invitations/");

    expect((await run()).map((j) => j.status)).toEqual(["done"]);
    const [mail] = await sink.waitFor(1);
    expect(mail!.envelope).toEqual({ from: "badges@univ.example", to: ["nouvelle@partenaire.example"] });
    expect(mail!.user).toBe("badges");
    expect(mail!.parsed.subject).toBe("Invitation à rejoindre « École d'été à Aix » sur FranceBadge");
    expect(mail!.raw.toString("latin1")).toMatch(/^Subject: =\?UTF-8\?/m); // RFC 2047 encoded word
    expect(mail!.parsed.headers.get("auto-submitted")).toBe("auto-generated");
    const text = mail!.parsed.text!;
    const html = mail!.parsed.html as string;
    expect(text).toContain("helene vous invite à rejoindre l'espace « École d'été à Aix » sur FranceBadge avec le rôle « jury ».");
    expect(text).toContain(`Accepter l'invitation :\n${shown}\n`);
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain("École d&#39;été à Aix");
    expect(html).toContain(`<a href="${shown}"`);

    // The e-mailed link works for someone without an account.
    const page = await node.client().text(new URL(shown!).pathname);
    expect(page.status).toBe(200);
    expect(page.body).toContain("nouvelle@partenaire.example");
  });

  it("a 550 on RCPT fails the job for good, after one try", async () => {
    const before = sink.messages.length;
    const sent = await node.services.mail.sendMagicLink({ to: "ghost@bounce.test", signInUrl: `${node.url}/login/x`, expiresAt: new Date(Date.now() + 900_000).toISOString() }, { dedupeKey: "t:bounce" });
    await run();
    const job = await jobByKey("t:bounce");
    expect(job).toMatchObject({ id: sent.jobId, status: "failed", attempts: 1 });
    expect(job!.last_error).toMatch(/550/);
    expect(sink.refused).toContainEqual({ address: "ghost@bounce.test", code: 550 });
    clock.advance(24 * 3600_000);
    await run();
    expect(await jobByKey("t:bounce")).toMatchObject({ status: "failed", attempts: 1 });
    expect(sink.messages.length).toBe(before);
  });

  it("a 451 is retried later with backoff, then delivered", async () => {
    const before = sink.messages.length;
    await node.services.mail.send({ to: "late@greylist.test", subject: "Essai différé", text: "t", html: "<p>t</p>" }, { dedupeKey: "t:grey" });
    await run();
    const waiting = await jobByKey("t:grey");
    expect(waiting).toMatchObject({ status: "pending", attempts: 1 });
    expect(waiting!.last_error).toMatch(/451/);
    expect(Date.parse(waiting!.run_at)).toBeGreaterThan(clock.now().getTime());
    clock.advance(60_000);
    await run();
    expect(await jobByKey("t:grey")).toMatchObject({ status: "done", attempts: 2 });
    expect((await sink.waitFor(before + 1)).at(-1)!.parsed.subject).toBe("Essai différé");
  });

  it("a message queued in a transaction that rolls back is never sent", async () => {
    const before = (await jobs()).length;
    const sentBefore = sink.messages.length;
    await expect(node.database.db.transaction().execute(async (tx) => {
      await node.services.mail.send({ to: "never@univ.example", subject: "Jamais", text: "t", html: "<p>t</p>" }, { db: tx, dedupeKey: "t:rollback" });
      throw new Error("the change failed");
    })).rejects.toThrow("the change failed");
    await run();
    expect((await jobs()).length).toBe(before);
    expect(await jobByKey("t:rollback")).toBeUndefined();
    expect(sink.messages.length).toBe(sentBefore);
  });

  it("the same dedupe key queues and sends one message", async () => {
    const sentBefore = sink.messages.length;
    const msg = { to: "once@univ.example", subject: "Une fois", text: "t", html: "<p>t</p>" };
    const first = await node.services.mail.send(msg, { dedupeKey: "t:once" });
    const second = await node.services.mail.send(msg, { dedupeKey: "t:once" });
    expect(first.queued).toBe(true);
    expect(second).toMatchObject({ jobId: first.jobId, messageId: second.messageId, queued: false });
    await run();
    await node.services.mail.send(msg, { dedupeKey: "t:once" }); // even after it was sent
    await run();
    expect(sink.messages.slice(sentBefore).map((m) => m.parsed.subject)).toEqual(["Une fois"]);
  });

  it("award notifications follow the recipient's saved language and the template's own texts", async () => {
    const learner = await node.services.accounts.create({ email: "learner@univ.example", displayName: "Lee", password: "correct horse battery" });
    if (!learner.ok) throw new Error(learner.error);
    await node.database.db.updateTable("users").set({ locale: "en" }).where("id", "=", learner.value.id).execute();
    const sentBefore = sink.messages.length;
    await node.services.mail.sendAwardNotification({
      to: "learner@univ.example", recipientName: "Lee <Admin>", badgeName: "Tutorat & entraide", issuerName: "École d'été à Aix",
      credentialId: "c-123", custom: { subject: "{name}, your badge “{badge}”", message: "Dear {name},\n\nWell done.\nSee {link}" },
    }, { dedupeKey: "award-notification:c-123" });
    await node.services.mail.sendAwardNotification({ to: "sans-compte@univ.example", badgeName: "Tutorat", issuerName: "ECM", credentialId: "c-124" });
    await run();
    // Two jobs may be picked up in either order (PostgreSQL gives no order among equal run_at).
    const sent = (await sink.waitFor(sentBefore + 2)).slice(sentBefore);
    const byRecipient = (to: string) => sent.find((m) => m.envelope.to.includes(to));
    const en = byRecipient("learner@univ.example");
    const fr = byRecipient("sans-compte@univ.example");
    expect(en!.parsed.subject).toBe("Lee <Admin>, your badge “Tutorat & entraide”");
    expect(en!.parsed.text).toContain(`Dear Lee <Admin>,\n\nWell done.\nSee ${node.url}/credentials/c-123\n`);
    expect(en!.parsed.text).toContain(`View my badge:\n${node.url}/credentials/c-123`);
    const html = en!.parsed.html as string;
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("Dear Lee &lt;Admin&gt;,</p>");
    expect(html).not.toContain("<Admin>");
    expect(html).toContain(`See <a href="${node.url}/credentials/c-123"`);
    expect(fr!.parsed.subject).toBe("Vous avez reçu un badge : « Tutorat »");
    expect(fr!.parsed.text).toMatch(/^Bonjour,\n\nECM vous a décerné le badge « Tutorat »\. Félicitations !/);
  });

  it("a bulk award's notifications read every recipient's saved language in one go", async () => {
    const learner = await node.services.accounts.create({ email: "bulk-en@univ.example", displayName: "Bea", password: "correct horse battery" });
    if (!learner.ok) throw new Error(learner.error);
    await node.database.db.updateTable("users").set({ locale: "en" }).where("id", "=", learner.value.id).execute();
    const sentBefore = sink.messages.length;
    const common = { badgeName: "Tutorat", issuerName: "ECM" };
    await node.services.mail.sendAwardNotifications([
      { ...common, to: "Bulk-EN@univ.example", credentialId: "c-201", dedupeKey: "award:c-201" },
      { ...common, to: "bulk-fr@univ.example", credentialId: "c-202", dedupeKey: "award:c-202" },
    ]);
    await run();
    const sent = (await sink.waitFor(sentBefore + 2)).slice(sentBefore);
    const subjectTo = (to: string) => sent.find((m) => m.envelope.to.includes(to))?.parsed.subject;
    expect(subjectTo("Bulk-EN@univ.example")).not.toContain("Vous avez reçu");
    expect(subjectTo("bulk-fr@univ.example")).toBe("Vous avez reçu un badge : « Tutorat »");
  });
});

describe("e-mail while the SMTP server is down", () => {
  let port: number;
  let node: TestNode;
  let sink: SmtpSink | undefined;
  const clock = manualClock();
  const restarted: Services[] = [];

  beforeAll(async () => {
    port = await freePort(); // nothing listens there yet
    node = await startTestNode(smtpConfig(port), { clock });
  });
  afterEach(async () => { await Promise.all(restarted.splice(0).map((s) => s.jobs.stop())); });
  afterAll(async () => {
    await node?.close();
    await sink?.close();
  });

  it("keeps the message pending with a later retry, and delivers it after a restart once the server is up", async () => {
    const sent = await node.services.mail.send({ to: "patient@univ.example", subject: "Reçu malgré la panne", text: "t", html: "<p>t</p>" });
    await node.services.jobs.tick();
    const failed = await waitForJob(node, sent.jobId, (j) => j.status === "pending" && j.attempts === 1);
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(Date.parse(failed.run_at)).toBeGreaterThan(clock.now().getTime());

    // The process stops; the SMTP server comes back; a new process starts on the same database.
    await node.services.jobs.stop();
    sink = await startSmtpSink(port);
    const services = createServices({ config: node.config, db: node.database.db, dialect: node.database.dialect, clock });
    restarted.push(services);
    clock.advance(60_000);
    services.jobs.start();
    const [mail] = await sink.waitFor(1);
    expect(mail!.parsed.subject).toBe("Reçu malgré la panne");
    expect(await waitForJob(node, sent.jobId, (j) => j.status === "done")).toMatchObject({ attempts: 2, last_error: null });
  });
});

describe("e-mail on a local node without SMTP (.eml files)", () => {
  let node: TestNode;
  const logs: LogRecord[] = [];
  beforeAll(async () => {
    node = await startTestNode();
    await configure({
      reset: true, sinks: { memory: (r) => { logs.push(r); } },
      loggers: [{ category: ["francebadge", "mail"], lowestLevel: "info", sinks: ["memory"] }, { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] }],
    });
  });
  afterAll(async () => {
    await reset();
    await node?.close();
  });

  it("writes each message as an .eml file under dataDir/mail that a mail parser reads back", async () => {
    expect(node.config.mail).toMatchObject({ transport: "file", dir: join(node.config.dataDir, "mail") });
    const link = `${node.url}/login/magic-token`;
    const sent = await node.services.mail.sendMagicLink({ to: "local@univ.example", signInUrl: link, expiresAt: "2026-12-01T10:15:00.000Z", locale: "fr" });
    await node.services.jobs.tick();
    const job = await waitForJob(node, sent.jobId, (j) => j.status === "done");
    const files = readdirSync(node.config.mail.dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{8}T\d{6}Z-[0-9a-f-]{36}\.eml$/);
    expect(JSON.parse(job.result!).file).toBe(join(node.config.mail.dir, files[0]!));
    const parsed = await simpleParser(readFileSync(join(node.config.mail.dir, files[0]!)));
    expect(parsed.subject).toBe("Votre lien de connexion à FranceBadge");
    expect(parsed.messageId).toBe(sent.messageId);
    expect((parsed.to as { text: string }).text).toBe("local@univ.example");
    expect(parsed.text).toContain(`Me connecter :\n${link}\n`);
    expect(parsed.text).toContain("jusqu'au 1 décembre 2026 à 11:15");
    expect(parsed.html).toContain(`<a href="${link}"`);
    // The links are logged, so a local try can follow them from the console.
    const logged = logs.find((r) => r.properties["file"] === join(node.config.mail.dir, files[0]!));
    expect(logged?.properties).toMatchObject({ to: "local@univ.example", links: link });
  });
});

describe("mail settings and SMTP answers", () => {
  const resolve = (input: Parameters<typeof resolveConfig>[0], env: Record<string, string> = {}) =>
    resolveConfig({ origin: "http://localhost:8080", dataDir: "/srv/fb", ...input }, { FRANCEBADGE_SECRET: "s".repeat(40), ...env }, "/srv");

  it("sends through SMTP when a host is set, else writes files under dataDir/mail; the environment overrides both", () => {
    expect(resolve({})).toMatchObject({ ok: true, config: { mail: { transport: "file", dir: "/srv/fb/mail" } } });
    expect(resolve({ mail: { smtp: { host: "smtp.univ.example" } } })).toMatchObject({ ok: true, config: { mail: { transport: "smtp", smtp: { host: "smtp.univ.example", port: 587, secure: false } } } });
    expect(resolve({ mail: { smtp: { host: "smtp.univ.example" } } }, { FRANCEBADGE_MAIL_TRANSPORT: "file", FRANCEBADGE_MAIL_DIR: "outbox" }))
      .toMatchObject({ ok: true, config: { mail: { transport: "file", dir: "/srv/outbox" } } });
    expect(resolve({}, { FRANCEBADGE_MAIL_TRANSPORT: "smtp" })).toEqual({ ok: false, problems: ["mail.transport: smtp needs mail.smtp.host (FRANCEBADGE_MAIL_SMTP_HOST)"] });
    expect(resolve({}, { FRANCEBADGE_MAIL_TRANSPORT: "pigeon" })).toMatchObject({ ok: false, problems: [expect.stringMatching(/^mail\.transport: must be smtp or file/)] });
  });

  it("tells a refusal for good (5xx) from a failure worth retrying (4xx, 503, network, login)", () => {
    expect(isPermanentMailError({ code: "EENVELOPE", responseCode: 550 })).toBe(true);
    expect(isPermanentMailError({ code: "EMESSAGE", responseCode: 552 })).toBe(true);
    expect(isPermanentMailError({ code: "EENVELOPE" })).toBe(true); // no valid recipient at all
    expect(isPermanentMailError({ code: "EENVELOPE", responseCode: 451 })).toBe(false);
    expect(isPermanentMailError({ code: "EPROTOCOL", responseCode: 503 })).toBe(false);
    expect(isPermanentMailError({ code: "ECONNECTION" })).toBe(false);
    expect(isPermanentMailError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ESOCKET" }))).toBe(false);
    expect(isPermanentMailError({ code: "EAUTH", responseCode: 535 })).toBe(false); // the operator fixes the password
  });
});

/** Polls a job until `ok` holds (the queue runs it in the background). */
async function waitForJob(node: TestNode, id: string, ok: (j: JobRow) => boolean, ms = 15_000): Promise<JobRow> {
  const deadline = Date.now() + ms;
  for (;;) {
    const job = await node.database.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
    if (job && ok(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id}: ${JSON.stringify(job && { status: job.status, attempts: job.attempts, last_error: job.last_error })}`);
    await sleep(20);
  }
}
