import { deflateSync } from "node:zlib";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { translator } from "../../src/i18n/i18n.ts";
import { renderMessage } from "../../src/verification/messages.ts";
import { pdfAttachments } from "../../src/verification/pdf-extract.ts";
import { createVerificationService } from "../../src/verification/verification.service.ts";
import { fakeRemote } from "../fixtures/verification/fake-remote.ts";

// Security review: anyone may post a PDF to the verifier (POST /verify, /api/v1/verify, backpack
// import). A hostile one must end as a clear "not verified" line, quickly, the server carrying on.

// A PDF written object by object: `objects[i]` is object i + 1 (strings are latin1, buffers as is).
function rawPdf(objects: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n", "latin1")];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, "latin1"), typeof body === "string" ? Buffer.from(body, "latin1") : body, Buffer.from("\nendobj\n", "latin1")]);
    offsets.push(offset);
    parts.push(chunk);
    offset += chunk.length;
  });
  const table = offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  parts.push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${table}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`, "latin1"));
  return Buffer.concat(parts);
}

const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, "latin1"), data, Buffer.from("\nendstream", "latin1")]);
const catalog = "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> >>";
const pages = "<< /Type /Pages /Kids [] /Count 0 >>";

// The reviewer's first file: a name tree node whose Kids are itself, 8 times (8^9 walks without a visited set).
function selfKids(attachment?: string): Buffer {
  const kids = `/Kids [${Array(8).fill("3 0 R").join(" ")}]`;
  if (!attachment) return rawPdf([catalog, pages, `<< ${kids} >>`]);
  return rawPdf([
    catalog, pages, `<< /Names [(badge.json) 4 0 R] ${kids} >>`,
    "<< /Type /Filespec /F (badge.json) /UF (badge.json) /EF << /F 5 0 R >> >>",
    stream("/Type /EmbeddedFile /Subtype /application#2Fjson", Buffer.from(attachment)),
  ]);
}

// The reviewer's second file: an object stream deflated twice, tiny on disk, `mb` MB once pdf-lib decodes it.
function objectStreamBomb(mb: number): Buffer {
  const twice = deflateSync(deflateSync(Buffer.alloc(mb * 1024 * 1024, 0x20), { level: 9 }), { level: 9 });
  return rawPdf(["<< /Type /Catalog /Pages 2 0 R >>", pages, stream("/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode]", twice)]);
}

const verifier = () => createVerificationService({ clock: { now: () => new Date("2026-06-01T00:00:00Z") }, remote: fakeRemote({}), local: async () => null, schemas: null });

describe("reading hostile PDF certificates within limits", () => {
  it("walks a name tree whose Kids loop back to itself once, and still finds its attachment", async () => {
    const empty = await pdfAttachments(selfKids());
    expect(empty).toEqual({ ok: true, value: [] });
    const credential = JSON.stringify({ "@context": ["https://www.w3.org/ns/credentials/v2"], type: ["VerifiableCredential", "OpenBadgeCredential"] });
    const found = await pdfAttachments(selfKids(credential));
    expect(found.ok && found.value.map((f) => [f.name, f.data.toString("utf8")])).toEqual([["badge.json", credential]]);
    const report = await verifier().verify({ bytes: selfKids() });
    expect(report.checks.map((c) => `${c.status} ${c.message.key}`)).toEqual(["fail verification.input.pdfNoBadge"]);
  });

  it("stops a decompression bomb with a clear message, and reads the next PDF normally", async () => {
    const bomb = objectStreamBomb(40);
    expect(bomb.length).toBeLessThan(2_000);
    expect(await pdfAttachments(bomb)).toEqual({ ok: false, error: "pdf-limits" });
    const report = await verifier().verify({ bytes: bomb });
    expect(report.verified).toBe(false);
    expect(report.summary.verdict).toBe("unreadable");
    expect(report.checks.map((c) => `${c.status} ${c.message.key}`)).toEqual(["fail verification.input.pdfLimits"]);
    expect(renderMessage(translator("en"), report.checks[0]!.message)).toMatch(/^Not verified because the PDF could not be read within the verifier's time and memory limits/);
    expect(renderMessage(translator("fr"), report.checks[0]!.message)).toMatch(/^Badge non vérifié : le PDF n'a pas pu être lu dans les limites/);

    const doc = await PDFDocument.create();
    doc.addPage();
    await doc.attach(Buffer.from('{"a":1}'), "badge.json", { mimeType: "application/json" });
    const fine = await pdfAttachments(await doc.save());
    expect(fine.ok && fine.value.map((f) => [f.name, f.data.toString("utf8")])).toEqual([["badge.json", '{"a":1}']]);
  });

  it("terminates a reading that outlasts its deadline", async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 200; i++) doc.addPage();
    const bytes = await doc.save({ useObjectStreams: true });
    expect(await pdfAttachments(bytes, { timeoutMs: 1, heapMb: 128 })).toEqual({ ok: false, error: "pdf-limits" });
    expect(await pdfAttachments(bytes)).toEqual({ ok: true, value: [] });
  });
});
