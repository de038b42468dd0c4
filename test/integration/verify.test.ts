import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import type { IssuerRow } from "../../src/db/database.ts";
import type { Clock } from "../../src/shared/clock.ts";
import { itxt, png } from "../fixtures/verification/png.ts";
import { createAmu, issueFromNewTemplate } from "../helpers/issuing.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

const content = {
  name: "Tutorat", description: "A accompagné des étudiants de première année.", criteria: { narrative: "10 séances de tutorat" },
  achievementType: "Badge", inLanguage: "fr", validForDays: 30,
};

type ApiAnswer = { verified: boolean; verdict: string; kind: string; reason?: string; checks: Array<{ check: string; status: string; message: string }> };

describe("verifying badges on /verify and POST /api/v1/verify", () => {
  let node: TestNode;
  let issuer: IssuerRow;
  let now = new Date();
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    node = await startTestNode({ verification: { rateBurst: 1000 } }, { clock });
    issuer = await createAmu(node);
  });
  afterAll(async () => { await node?.close(); });

  const issueOne = (recipient = "zoe@etu.univ-amu.fr") => issueFromNewTemplate(node, issuer, content, recipient);

  async function api(body: BodyInit, type: string, headers: Record<string, string> = {}): Promise<{ status: number; json: ApiAnswer; res: Response }> {
    const res = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body, headers: { "Content-Type": type, ...headers } });
    return { status: res.status, json: (await res.json()) as ApiAnswer, res };
  }
  const line = (a: ApiAnswer, check: string) => a.checks.find((c) => c.check === check);

  it("verifies our own credential posted as JSON: every check passes, in English by default", async () => {
    const row = await issueOne();
    const { status, json, res } = await api(row.document, "application/json");
    expect(status).toBe(200);
    expect(res.headers.get("content-language")).toBe("en");
    expect(json).toMatchObject({ verified: true, verdict: "valid", kind: "ob3" });
    const statuses = Object.fromEntries(json.checks.map((c) => [c.check, c.status]));
    expect(statuses).toMatchObject({ input: "pass", structure: "pass", proof: "pass", key: "pass", issuer: "pass", status: "pass", dates: "pass", recipient: "skip" });
    expect(["pass", "skip"]).toContain(statuses.schema); // skip when the official schemas are not installed
    expect(line(json, "key")!.message).toBe(`Key ${node.url}/issuers/amu/keys/1 published by ${node.url}/issuers/amu.`);
  });

  it("answers in French for Accept-Language: fr, and checks the recipient's e-mail", async () => {
    const row = await issueOne("ines@etu.univ-amu.fr");
    const yes = await api(JSON.stringify({ credential: JSON.parse(row.document), email: "Ines@etu.univ-amu.fr" }), "application/json", { "Accept-Language": "fr-FR,fr;q=0.9" });
    expect(line(yes.json, "recipient")).toEqual({ check: "recipient", status: "pass", message: "Décerné à Ines@etu.univ-amu.fr." });
    const no = await api(row.document, "application/json", { "Accept-Language": "fr" });
    expect(no.json.verified).toBe(true);
    const wrong = await api(JSON.stringify({ credential: JSON.parse(row.document), email: "autre@example.org" }), "application/json");
    expect(wrong.json.verified).toBe(false);
    expect(line(wrong.json, "recipient")!.status).toBe("fail");
  });

  it("verifies the bytes of the downloaded .json file (multipart field `file`) and the public page URL", async () => {
    const row = await issueOne();
    const file = await (await fetch(`${node.url}/credentials/${row.id}.json`)).arrayBuffer();
    const form = new FormData();
    form.set("file", new Blob([file], { type: "application/json" }), `badge-${row.id}.json`);
    const res = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: form });
    expect(((await res.json()) as ApiAnswer).verified).toBe(true);
    const byUrl = await api(JSON.stringify({ url: `${node.url}/credentials/${row.id}` }), "application/json");
    expect(byUrl.json).toMatchObject({ verified: true });
    expect(line(byUrl.json, "input")!.message).toContain(`${node.url}/credentials/${row.id}`);
  });

  it("the downloaded baked PNG and SVG, and the OB 2.0 baked PNG, verify; revoking turns each of them red", async () => {
    const row = await issueOne("eva@etu.univ-amu.fr");
    const download = async (path: string) => {
      const res = await fetch(`${node.url}${path}`);
      expect(res.status, path).toBe(200);
      return new Uint8Array(await res.arrayBuffer());
    };
    const upload = async (bytes: Uint8Array<ArrayBuffer>, name: string) => {
      const form = new FormData();
      form.set("file", new Blob([bytes]), name);
      form.set("email", "eva@etu.univ-amu.fr");
      return (await (await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: form })).json()) as ApiAnswer;
    };
    const files = [`/credentials/${row.id}.png`, `/credentials/${row.id}.svg`, `/ob2/assertions/${row.id}.png`];
    const downloaded = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const path of files) downloaded.set(path, await download(path));
    for (const [path, bytes] of downloaded) {
      const answer = await upload(bytes, path);
      expect(answer, path).toMatchObject({ verified: true, verdict: "valid", kind: path.startsWith("/ob2") ? "ob2" : "ob3" });
      expect(line(answer, "recipient")!.status, path).toBe("pass");
      if (path.endsWith(".png") && !path.startsWith("/ob2")) expect(line(answer, "input")!.message).toBe("Badge read from the image (PNG iTXt openbadgecredential).");
    }
    await node.services.credentials.revoke(cliActor, row.id, "Erreur de saisie");
    for (const [path, bytes] of downloaded) expect((await upload(bytes, path)).verdict, path).toBe("revoked");
  });

  it("a credential altered by one character fails its proof", async () => {
    const row = await issueOne();
    const doc = JSON.parse(row.document);
    doc.credentialSubject.achievement.name = "Tutorax";
    const { json } = await api(JSON.stringify(doc), "application/json");
    expect(json).toMatchObject({ verified: false, verdict: "invalid" });
    expect(line(json, "proof")).toMatchObject({ status: "fail", message: "Invalid signature: the content was changed or signed with another key." });
  });

  it("revoked: the status line fails with the issuer's reason", async () => {
    const row = await issueOne("max@etu.univ-amu.fr");
    expect((await node.services.credentials.revoke(cliActor, row.id, "Fraude constatée")).ok).toBe(true);
    const { json } = await api(row.document, "application/json");
    expect(json).toMatchObject({ verified: false, verdict: "revoked", reason: "Fraude constatée" });
    expect(line(json, "status")).toMatchObject({ status: "fail", message: "Revoked by the issuer. Reason: Fraude constatée" });
  });

  it("suspended, then reinstated", async () => {
    const row = await issueOne("ana@etu.univ-amu.fr");
    await node.services.credentials.suspend(cliActor, row.id, "Vérification en cours");
    const suspended = await api(row.document, "application/json");
    expect(suspended.json).toMatchObject({ verified: false, verdict: "suspended", reason: "Vérification en cours" });
    await node.services.credentials.unsuspend(cliActor, row.id);
    expect((await api(row.document, "application/json")).json.verified).toBe(true);
  });

  it("expired once the clock passes validUntil (the signature itself stays valid)", async () => {
    const row = await issueOne("leo@etu.univ-amu.fr");
    now = new Date(Date.now() + 40 * 86_400_000);
    try {
      const { json } = await api(row.document, "application/json");
      expect(json).toMatchObject({ verified: false, verdict: "expired" });
      expect(line(json, "proof")!.status).toBe("pass");
      expect(line(json, "dates")!.status).toBe("fail");
    } finally {
      now = new Date();
    }
  });

  it("JSON that is not a credential, garbage, and an empty body: clear answers, never a 500", async () => {
    const notCredential = await api(JSON.stringify({ hello: "world" }), "application/json");
    expect(notCredential.status).toBe(200);
    expect(notCredential.json).toMatchObject({ verified: false, verdict: "unreadable" });
    expect(line(notCredential.json, "structure")!.status).toBe("fail");
    const garbage = await api("not json at all {", "text/plain");
    expect(garbage.json).toMatchObject({ verified: false, checks: [{ check: "input", status: "fail" }] });
    const badJson = await api("{ nope", "application/json");
    expect(line(badJson.json, "input")!.message).toBe("The text given is not valid JSON.");
    const empty = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: "", headers: { "Content-Type": "text/plain" } });
    expect(empty.status).toBe(400);
  });

  it("a truncated PNG and a PNG with two credential chunks: not verified, and why", async () => {
    const row = await issueOne();
    const baked = new Uint8Array(await (await fetch(`${node.url}/credentials/${row.id}.png`)).arrayBuffer());
    const truncated = await api(baked.slice(0, Math.floor(baked.length / 2)), "image/png");
    expect(truncated.json).toMatchObject({ verified: false, verdict: "unreadable", checks: [{ check: "input", status: "fail", message: "The PNG image is truncated: the file is incomplete." }] });
    const twice = await api(new Uint8Array(png(itxt("openbadgecredential", row.document), itxt("openbadgecredential", row.document))), "image/png", { "Accept-Language": "fr" });
    expect(twice.json.checks[0]!.message).toBe("L'image PNG contient deux blocs « openbadgecredential » : impossible de savoir lequel est le badge.");
  });

  it("refuses a body over the size limit with 413 and a clear message", async () => {
    const big = new Uint8Array(node.config.verification.maxBytes + 200 * 1024);
    const res = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: big, headers: { "Content-Type": "application/octet-stream" } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe("The file is larger than the limit (5 MB).");
  });

  it("the /verify page works without JavaScript, and htmx gets the result region only", async () => {
    const row = await issueOne();
    const client = node.client();
    const empty = await client.text("/verify");
    expect(empty.status).toBe(200);
    expect(empty.body).toContain('enctype="multipart/form-data"');
    const page = await client.submit("/verify", { json: row.document });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('class="verdict verdict-valid"');
    expect(html).toContain("<h1>");
    const partial = await client.submit("/verify", { json: row.document }, { "HX-Request": "true" });
    const fragment = await partial.text();
    expect(fragment).toContain("verdict-valid");
    expect(fragment).not.toContain("<h1>");
    const nothing = await client.submit("/verify", {}, { "HX-Request": "true" });
    expect(nothing.status).toBe(422);
    const byUrl = await client.text(`/verify?url=${encodeURIComponent(`${node.url}/credentials/${row.id}`)}`);
    expect(byUrl.body).toContain("verdict-valid");
  });
});

describe("rate limit of the public verifier", () => {
  let node: TestNode;
  beforeAll(async () => { node = await startTestNode({ verification: { rateBurst: 5, ratePerMinute: 1 } }); });
  afterAll(async () => { await node?.close(); });

  it("answers 429 with Retry-After once an address has used its burst", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${node.url}/api/v1/verify`, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(50); // one request a minute
    expect(((await last!.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toMatch(/^Too many verifications/);
  });
});
