import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpClient } from "../helpers/http-client.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";
import { pdfAttachments } from "../helpers/pdf-inspect.ts";
import { linkIn, mailOfKind, startSmtpSink, type SinkMessage, type SmtpSink } from "../helpers/smtp-sink.ts";
import { listIdOf, settle, setUpAwards, type AwardKit } from "../fixtures/awards/award-test-kit.ts";

// Issue 5, "done when": from the award e-mail a learner claims the badge, finds it in the
// backpack, builds a public page, downloads JSON/PNG/SVG/PDF; each file verifies on node A (the
// issuer) and on node B (another node, which fetches A's keys and status list over loopback
// HTTP); a revocation turns every one of them red on both nodes.
describe("the learner's journey: award e-mail → claim → backpack → page → downloads → verify on two nodes → revoke", () => {
  let sink: SmtpSink;
  let a: TestNode;
  let b: TestNode;
  let kit: AwardKit;
  let learner: HttpClient;
  let credentialId = "";
  const LEARNER = "learner@etu.example";
  const files: Array<{ kind: string; bytes: Uint8Array; type: string }> = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    a = await startTestNode({ mail: { from: "FranceBadge <badges@ecm.example>", smtp: { host: "127.0.0.1", port: sink.port, secure: false } } });
    // Node B reads A's keys and status list over loopback HTTP (a loopback origin allows it by default; said here).
    b = await startTestNode({ verification: { allowPrivateAddress: true } });
    kit = await setUpAwards(a);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sink?.close();
  });

  const mailTo = (to: string, kind: string) => mailOfKind(sink, a.services.jobs, to, kind);
  const urlIn = (m: SinkMessage, pattern: RegExp) => {
    const found = linkIn(m, pattern);
    if (!found) throw new Error(`no link ${pattern} in:\n${m.parsed.text}`);
    return new URL(found);
  };

  async function verifyFile(node: TestNode, file: { kind: string; bytes: Uint8Array; type: string }) {
    const form = new FormData();
    form.set("file", new Blob([file.bytes as BlobPart], { type: file.type }), `badge.${file.kind}`);
    const res = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: form, headers: { "Accept-Language": "en" } });
    expect(res.status).toBe(200);
    return (await res.json()) as { verified: boolean; checks: Array<{ check: string; status: string; message: string }> };
  }

  // The /verify page (a browser's multipart form, with its CSRF token): the verdict it shows.
  async function verdictOnPage(node: TestNode, file: { kind: string; bytes: Uint8Array; type: string }): Promise<string> {
    const visitor = node.client();
    await visitor.get("/verify");
    const form = new FormData();
    form.set("_csrf", visitor.csrf);
    form.set("file", new Blob([file.bytes as BlobPart], { type: file.type }), `badge.${file.kind}`);
    const res = await visitor.request("/verify", { method: "POST", body: form });
    expect(res.status).toBe(200);
    return (await res.text()).match(/id="verify-verdict" class="verdict verdict-([a-z-]+)"/)?.[1] ?? "none";
  }

  it("the awarder awards the badge; the learner receives the award e-mail with a link to it", async () => {
    const path = "/issuers/ecm/award-lists";
    const id = listIdOf(await kit.awarder.submit(path, { achievement: kit.level1.row.id, source: "single", email: LEARNER, name: "Léa Martin", notify: "1", token: "journey-1" }));
    expect((await kit.awarder.submit(`${path}/${id}/submit`, {})).status).toBe(303);
    expect((await kit.jury.submit(`${path}/${id}/approve`, {})).status).toBe(303);
    expect(await settle(a, id)).toBe("issued");
    const mail = await mailTo(LEARNER, "award-notification");
    expect(mail.parsed.subject).toContain("Anglais niveau 1");
    const link = urlIn(mail, /https?:\/\/\S+\/credentials\/[0-9a-f-]{36}/);
    expect(link.origin).toBe(a.url);
    credentialId = link.pathname.split("/").pop()!;
    const page = await a.client().text(link.pathname);
    expect(page.status).toBe(200);
    expect(page.body).toContain("Anglais niveau 1");
    expect(page.body).toContain('href="/signin"'); // "add to my backpack" for a visitor
  });

  it("the learner claims it by a magic link sent to the address the badge was issued to", async () => {
    learner = a.client();
    expect((await learner.submit("/signin", { email: LEARNER })).status).toBe(200);
    const mail = await mailTo(LEARNER, "magic-link");
    const link = urlIn(mail, /https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/);
    expect(link.origin).toBe(a.url);
    expect((await learner.get(link.pathname)).status).toBe(200); // a button, not yet spent
    const res = await learner.submit(link.pathname, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/backpack");
    expect((await a.client().submit(link.pathname, {})).status).toBe(410); // one time only
  });

  it("the backpack lists the badge; accepted and made public, it shows on the learner's public page", async () => {
    const backpack = await learner.text("/backpack");
    expect(backpack.status).toBe(200);
    expect(backpack.body).toContain(`/credentials/${credentialId}`);
    const entryId = backpack.body.match(/\/backpack\/entries\/([0-9a-f-]{36})/)![1]!;
    expect((await learner.submit(`/backpack/entries/${entryId}`, { status: "accepted" })).status).toBe(303);
    expect((await learner.submit(`/backpack/entries/${entryId}`, { visibility: "public" })).status).toBe(303);
    const saved = await learner.submit("/backpack/pages", { title: "Mes compétences", intro: "Étudiante en L3.", published: "1", entries: entryId });
    expect(saved.status).toBe(303);
    const pageUrl = saved.headers.get("Location")!;
    expect(pageUrl).toMatch(/^\/pages\/[0-9a-f-]{36}$/);
    const visitor = await a.client().text(pageUrl);
    expect(visitor.status).toBe(200);
    expect(visitor.body).toContain("Mes compétences");
    expect(visitor.body).toContain("Anglais niveau 1");
    expect(visitor.body).toContain(`/credentials/${credentialId}`);
  });

  it("downloads the badge as signed JSON, baked PNG and SVG, and a PDF with the credential attached", async () => {
    const page = (await a.client().text(`/credentials/${credentialId}`)).body;
    for (const [kind, type] of [["json", "application/vc+ld+json"], ["png", "image/png"], ["svg", "image/svg+xml"], ["pdf", "application/pdf"]] as const) {
      expect(page).toContain(`href="${a.url}/credentials/${credentialId}.${kind}"`);
      const res = await fetch(`${a.url}/credentials/${credentialId}.${kind}`);
      expect(res.status, kind).toBe(200);
      expect(res.headers.get("content-type"), kind).toContain(type);
      expect(res.headers.get("content-disposition"), kind).toContain("attachment");
      files.push({ kind, type, bytes: new Uint8Array(await res.arrayBuffer()) });
    }
    const attached = await pdfAttachments(files.find((f) => f.kind === "pdf")!.bytes);
    expect(attached).toHaveLength(1);
    expect(JSON.parse(attached[0]!.data.toString("utf8")).id).toBe(`${a.url}/credentials/${credentialId}`);
  });

  it("each downloaded file verifies on the issuing node and on a second node", async () => {
    for (const node of [a, b]) {
      for (const file of files) {
        const report = await verifyFile(node, file);
        expect({ node: node.url, kind: file.kind, verified: report.verified, failed: report.checks.filter((c) => c.status === "fail") })
          .toEqual({ node: node.url, kind: file.kind, verified: true, failed: [] });
        expect(report.checks.find((c) => c.check === "status")?.status).toBe("pass");
        if (file.kind === "pdf") expect(report.checks[0]!.message).toBe("Badge read from the file attached to the PDF (credential.json).");
      }
      for (const file of files) expect(await verdictOnPage(node, file), `${file.kind} on /verify`).toBe("valid");
    }
  });

  it("a PDF without a badge, with two, with a huge attachment, or cut short, is not verified, with the reason", async () => {
    const json = files.find((f) => f.kind === "json")!.bytes;
    const withFiles = async (attach: Array<[Uint8Array, string]>) => {
      const doc = await PDFDocument.create();
      doc.addPage();
      for (const [bytes, name] of attach) await doc.attach(bytes, name, { mimeType: "application/json" });
      return doc.save();
    };
    const bomb = new Uint8Array(3 * 1024 * 1024).fill(0x20); // deflates to a few kB, over the 1 MB per file read
    bomb[0] = 0x7b;
    const cases = [
      { bytes: await withFiles([]), message: "This PDF has no badge attached." },
      { bytes: await withFiles([[json, "a.json"], [json, "b.json"]]), message: "This PDF has 2 badges attached: there is no telling which one to verify." },
      { bytes: await withFiles([[bomb, "big.json"]]), message: "This PDF has no badge attached." },
      { bytes: files.find((f) => f.kind === "pdf")!.bytes.subarray(0, 2000), message: "The PDF file cannot be read." },
    ];
    for (const c of cases) {
      const report = await verifyFile(b, { kind: "pdf", type: "application/pdf", bytes: c.bytes });
      expect(report.verified).toBe(false);
      expect(report.checks).toEqual([{ check: "input", status: "fail", message: c.message }]);
    }
  });

  it("revoked by the awarder, every file fails verification on both nodes with the reason", async () => {
    const page = await kit.awarder.text(`/credentials/${credentialId}`);
    expect(page.body).toContain(`/credentials/${credentialId}/revoke`);
    expect((await kit.awarder.submit(`/credentials/${credentialId}/revoke`, { reason: "Fraude à l'examen" })).status).toBe(303);
    for (const node of [a, b]) {
      for (const file of files) {
        const report = await verifyFile(node, file);
        const status = report.checks.find((c) => c.check === "status");
        expect({ node: node.url, kind: file.kind, verified: report.verified, status: status?.status }).toEqual({ node: node.url, kind: file.kind, verified: false, status: "fail" });
        expect(status!.message).toMatch(/revoked/i);
        // Only the issuer knows why (the published list carries a bit, not a reason).
        if (node === a) expect(status!.message).toContain("Fraude à l'examen");
      }
      for (const file of files) expect(await verdictOnPage(node, file), `${file.kind} on /verify`).toBe("revoked");
    }
    const visitor = (await a.client().text(`/credentials/${credentialId}`)).body;
    expect(visitor).toMatch(/class="verdict verdict-revoked"[^>]*><strong>[^<]+<\/strong> — [^<]*Fraude à l&#39;examen/);
  });
});
