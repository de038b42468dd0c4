import { createHash } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import { Resvg } from "@resvg/resvg-js";
import jsQRModule from "jsqr";
import { PDFDocument } from "pdf-lib";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../../src/audit/audit.service.ts";
import { verifyProofs } from "../../src/credentials/proof-verification.ts";
import type { CredentialRow, IssuerRow } from "../../src/db/database.ts";
import { bakePng, extractPngTexts, OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, OB3_SVG_NAMESPACE } from "../../src/downloads/baking.ts";
import { createDownloadsService } from "../../src/downloads/downloads.service.ts";
import { pdfAttachments, pdfPageText, pdfRects } from "../helpers/pdf-inspect.ts";
import { startTestNode, type TestNode } from "../helpers/node.ts";

// jsqr is CommonJS with a default export: the function itself, or its `default` under ESM interop.
const jsQR = ((jsQRModule as any).default ?? jsQRModule) as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

const BADGE = "Réussite en tutorat – Zoë";
const content = {
  name: BADGE, description: "A accompagné des étudiants de première année.", achievementType: "Badge", inLanguage: "fr", validForDays: 365,
  criteria: { narrative: "## Conditions\n\n- 10 séances de **tutorat**\n- un [rapport](https://example.org/r) écrit" },
};
const EMAIL = "zoe@etu.univ-amu.fr";
const NAME = "Zoë Łukasiewicz-Nguyễn";

/** Decodes a QR code drawn as RGBA pixels. */
const decodeQr = (rgba: Uint8Array | Uint8ClampedArray, width: number, height: number) => jsQR(new Uint8ClampedArray(rgba), width, height)?.data;

/** Draws the small rectangles of a PDF page (the QR code's module runs) on white pixels and decodes them. */
function decodeQrRects(rects: Array<{ x: number; y: number; w: number; h: number }>): string | undefined {
  const runs = rects.filter((r) => r.h < 10 && r.w < 120);
  const scale = 4, pad = 20;
  const minX = Math.min(...runs.map((r) => r.x)), minY = Math.min(...runs.map((r) => r.y));
  const width = Math.ceil((Math.max(...runs.map((r) => r.x + r.w)) - minX + 2 * pad) * scale);
  const height = Math.ceil((Math.max(...runs.map((r) => r.y + r.h)) - minY + 2 * pad) * scale);
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (const r of runs) {
    for (let y = Math.round((r.y - minY + pad) * scale); y < Math.round((r.y + r.h - minY + pad) * scale); y++) {
      for (let x = Math.round((r.x - minX + pad) * scale); x < Math.round((r.x + r.w - minX + pad) * scale); x++) rgba.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  }
  return decodeQr(rgba, width, height);
}

function parseSvg(text: string) {
  return new DOMParser({ onError: (level, message) => { if (level !== "warning") throw new Error(message); } }).parseFromString(text, "image/svg+xml");
}

describe("credential downloads, OB 2.0 hosted badges and the share box", () => {
  let node: TestNode;
  let issuer: IssuerRow;
  let row: CredentialRow;

  async function issue(recipient: string, extra: Record<string, unknown> = {}) {
    const defined = await node.services.achievements.define(cliActor, issuer, { ...content, ...extra }, { publish: true });
    if (!defined.ok) throw new Error(JSON.stringify(defined.error));
    const [issued] = await node.services.credentials.issueMany(cliActor, issuer, defined.value, [{ recipient, recipientType: "emailAddress", name: NAME }]);
    return issued!;
  }

  beforeAll(async () => {
    node = await startTestNode();
    const created = await node.services.issuers.create(cliActor, { slug: "amu", name: "Aix-Marseille Université", description: "", website: "https://www.univ-amu.fr", email: "badges@univ-amu.fr", logoUrl: null, parent: null });
    if (!created.ok) throw new Error("issuer");
    issuer = created.value;
    row = await issue(EMAIL);
  });
  afterAll(async () => { await node?.close(); });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${node.url}${path}`, { headers });

  it("bakes the signed credential into the PNG: one openbadgecredential chunk, proof intact, pixels readable", async () => {
    const res = await get(`/credentials/${row.id}.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="reussite-en-tutorat-zoe-${row.id.slice(0, 8)}.png"`);
    const png = Buffer.from(await res.arrayBuffer());
    const texts = extractPngTexts(png, OB3_PNG_KEYWORD);
    expect(texts).toHaveLength(1);
    const baked = JSON.parse(texts[0]!);
    expect(baked).toEqual(JSON.parse(row.document));
    expect(await verifyProofs(baked, node.services.documentLoader)).toEqual({ verified: true });
    expect(PNG.sync.read(png)).toMatchObject({ width: 512, height: 512 }); // the default badge: no image on this template
    expect(extractPngTexts(bakePng(png, OB3_PNG_KEYWORD, texts[0]!), OB3_PNG_KEYWORD)).toHaveLength(1);
  });

  it("bakes into the template's own PNG image, whose pixels stay those of the upload", async () => {
    const upload = new PNG({ width: 64, height: 64 });
    upload.data.fill(200);
    const image = await node.services.images.upload(cliActor, issuer, { bytes: PNG.sync.write(upload) });
    if (!image.ok) throw new Error("image");
    const withImage = await issue("max@etu.univ-amu.fr", { imageId: image.value.id });
    const png = Buffer.from(await (await get(`/credentials/${withImage.id}.png`)).arrayBuffer());
    expect(PNG.sync.read(png).data).toEqual(upload.data);
    const svg = parseSvg(await (await get(`/credentials/${withImage.id}.svg`)).text());
    const href = svg.getElementsByTagName("image").item(0)!.getAttribute("href")!;
    expect(PNG.sync.read(Buffer.from(href.split(",")[1]!, "base64")).data).toEqual(upload.data);
    expect(svg.getElementsByTagNameNS(OB3_SVG_NAMESPACE, "credential")).toHaveLength(1);
  });

  it("bakes the SVG: the namespace on <svg>, then exactly one openbadges:credential with the signed JSON", async () => {
    const res = await get(`/credentials/${row.id}.svg`);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain(".svg\"");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const text = await res.text();
    const root = parseSvg(text).documentElement!;
    expect(root.getAttribute("xmlns:openbadges")).toBe(OB3_SVG_NAMESPACE);
    const found = root.getElementsByTagNameNS(OB3_SVG_NAMESPACE, "credential");
    expect(found).toHaveLength(1);
    expect(root.firstChild).toBe(found.item(0));
    expect(JSON.parse(found.item(0)!.textContent!)).toEqual(JSON.parse(row.document));
    expect(new Resvg(text).render().width).toBeGreaterThan(0); // still a drawable image
  });

  it("serves the hosted OB 2.0 Assertion with the same hashed recipient as the OB 3.0 credential", async () => {
    const res = await get(`/ob2/assertions/${row.id}`, { Accept: "application/ld+json" });
    expect(res.headers.get("content-type")).toBe("application/ld+json; charset=utf-8");
    const assertion = (await res.json()) as any;
    const hash = "sha256$" + createHash("sha256").update(EMAIL + row.salt).digest("hex");
    expect(assertion).toMatchObject({
      "@context": "https://w3id.org/openbadges/v2", type: "Assertion", id: `${node.url}/ob2/assertions/${row.id}`,
      recipient: { type: "email", hashed: true, salt: row.salt, identity: hash },
      badge: `${node.url}/ob2/badgeclasses/${row.achievement_id}`, verification: { type: "hosted" },
      issuedOn: row.valid_from.replace(/\.\d{3}Z$/, "Z"), expires: row.valid_until!.replace(/\.\d{3}Z$/, "Z"),
      image: `${node.url}/ob2/assertions/${row.id}.png`,
    });
    expect(JSON.parse(row.document).credentialSubject.identifier[0].identityHash).toBe(hash);
    const badge = (await (await get(new URL(assertion.badge).pathname)).json()) as any;
    expect(badge).toMatchObject({ type: "BadgeClass", name: BADGE, image: `${node.url}/achievements/${row.achievement_id}/image.png` });
    expect((await get(new URL(badge.image).pathname)).headers.get("content-type")).toBe("image/png");
    const profile = (await (await get(new URL(badge.issuer).pathname)).json()) as any;
    expect(profile).toMatchObject({ type: "Issuer", revocationList: `${node.url}/ob2/issuers/amu/revocations`, verification: { allowedOrigins: "127.0.0.1" } });
    expect((await get(`/ob2/assertions/${row.id}`, { Accept: "application/json" })).headers.get("content-type")).toBe("application/json; charset=utf-8");
    const browser = await fetch(`${node.url}/ob2/assertions/${row.id}`, { headers: { Accept: "text/html" }, redirect: "manual" });
    expect([browser.status, browser.headers.get("location")]).toEqual([303, `${node.url}/credentials/${row.id}`]);
  });

  it("bakes the OB 2.0 Assertion into an iTXt openbadges chunk", async () => {
    const res = await get(`/ob2/assertions/${row.id}.png`);
    expect(res.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await res.arrayBuffer());
    const texts = extractPngTexts(png, OB2_PNG_KEYWORD);
    expect(texts).toHaveLength(1);
    expect(JSON.parse(texts[0]!)).toEqual(await (await get(`/ob2/assertions/${row.id}`)).json());
    expect(extractPngTexts(png, OB3_PNG_KEYWORD)).toEqual([]);
  });

  it("revocation: the Assertion and its baked PNG answer 410 with the reason, the RevocationList lists it", async () => {
    const revoked = await issue("ana@etu.univ-amu.fr");
    expect(((await (await get("/ob2/issuers/amu/revocations")).json()) as any).revokedAssertions).toEqual([]);
    expect((await node.services.credentials.revoke(cliActor, revoked.id, "Fraude constatée")).ok).toBe(true);
    const gone = await get(`/ob2/assertions/${revoked.id}`, { Accept: "text/html" });
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ id: `${node.url}/ob2/assertions/${revoked.id}`, revoked: true, revocationReason: "Fraude constatée" });
    expect((await get(`/ob2/assertions/${revoked.id}.png`)).status).toBe(410);
    const list = (await (await get("/ob2/issuers/amu/revocations")).json()) as any;
    expect(list).toMatchObject({ type: "RevocationList", id: `${node.url}/ob2/issuers/amu/revocations`, issuer: `${node.url}/ob2/issuers/amu` });
    expect(list.revokedAssertions).toEqual([{ id: `${node.url}/ob2/assertions/${revoked.id}`, revocationReason: "Fraude constatée" }]);
    const page = await (await get(`/credentials/${revoked.id}`, { Accept: "text/html" })).text();
    expect(page).not.toContain("linkedin.com");
    expect(page).not.toContain(`/ob2/assertions/${revoked.id}.png`);
    expect(page).toContain(`/credentials/${revoked.id}.png`);
  });

  it("draws the PDF certificate: A4 landscape, accents, the signed credential attached, a QR code of the page", async () => {
    const res = await get(`/credentials/${row.id}.pdf`, { "Accept-Language": "fr" });
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="reussite-en-tutorat-zoe-${row.id.slice(0, 8)}.pdf"`);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPages()[0]!.getSize()).toEqual({ width: 841.89, height: 595.28 });
    expect(doc.getTitle()).toBe(BADGE);
    const [attachment, ...others] = await pdfAttachments(pdf);
    expect(others).toEqual([]);
    expect(attachment).toMatchObject({ name: "credential.json", type: "application/vc+ld+json" });
    expect(JSON.parse(attachment!.data.toString("utf8"))).toEqual(JSON.parse(row.document));
    const text = await pdfPageText(pdf);
    for (const line of [BADGE, "Titulaire du badge", "Émis par Aix-Marseille Université", "• 10 séances de tutorat", `Identifiant du badge : ${row.id}`]) expect(text).toContain(line);
    expect(text).not.toContain("Zoë Ł"); // the holder has not allowed their name
    expect(decodeQrRects(await pdfRects(pdf))).toBe(`${node.url}/credentials/${row.id}`);
    const english = await pdfPageText(Buffer.from(await (await get(`/credentials/${row.id}.pdf`, { "Accept-Language": "en" })).arrayBuffer()));
    expect(english).toContain("Holder of the badge");
    expect(english).toContain("Criteria");
  });

  it("shows the holder's name on the page and the certificate only when they allow it", async () => {
    const allowed = createDownloadsService({ ...node.services, showName: () => true });
    const view = await allowed.shareView(row, JSON.parse(row.document), "fr");
    expect(view.recipientName).toBe(NAME);
    expect(await pdfPageText((await allowed.certificatePdf(row.id, "fr"))!.bytes)).toContain(NAME);
    expect((await node.services.downloads.shareView(row, JSON.parse(row.document), "fr")).recipientName).toBeNull();
  });

  it("puts downloads, LinkedIn, a copyable ID and a QR code on the public page; og:image is absolute", async () => {
    const html = await (await get(`/credentials/${row.id}`, { Accept: "text/html", "Accept-Language": "fr" })).text();
    for (const ext of ["json", "png", "svg", "pdf"]) expect(html).toContain(`href="${node.url}/credentials/${row.id}.${ext}" download`);
    expect(html).toContain(`href="${node.url}/ob2/assertions/${row.id}.png" download`);
    const linkedIn = new URL(html.match(/id="linkedin-add" href="([^"]+)"/)![1]!.replaceAll("&amp;", "&"));
    const issued = new Date(row.valid_from), expires = new Date(row.valid_until!);
    expect(Object.fromEntries(linkedIn.searchParams)).toMatchObject({
      startTask: "CERTIFICATION_NAME", name: BADGE, organizationName: "Aix-Marseille Université",
      issueYear: String(issued.getUTCFullYear()), expirationYear: String(expires.getUTCFullYear()),
      certUrl: `${node.url}/credentials/${row.id}`, certId: row.id,
    });
    expect(html).toMatch(new RegExp(`<input type="text" id="credential-id" class="copy" value="${row.id}" readonly`));
    expect(html).toContain('<script src="/static/js/copy.js" defer></script>');
    expect((await get("/static/js/copy.js")).headers.get("content-type")).toContain("javascript");
    const qr = html.match(/<figure class="share-qr">\s*(<svg[\s\S]*?<\/svg>)/)![1]!;
    const raster = new Resvg(qr, { fitTo: { mode: "width", value: 360 } }).render();
    expect(decodeQr(raster.pixels, raster.width, raster.height)).toBe(`${node.url}/credentials/${row.id}`);
    const ogImage = html.match(/<meta property="og:image" content="([^"]+)">/)![1]!;
    expect(ogImage).toBe(`${node.url}/achievements/${row.achievement_id}/image.png`);
    expect(html).toContain(`<meta name="twitter:image" content="${ogImage}">`);
    expect(html).not.toContain(NAME);
  });

  it("answers 404 for unknown credentials, templates and issuers", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const path of [`/credentials/${unknown}.png`, `/credentials/${unknown}.svg`, `/credentials/${unknown}.pdf`, `/ob2/assertions/${unknown}`,
      `/ob2/assertions/${unknown}.png`, "/ob2/issuers/nobody/revocations", `/achievements/${unknown}/image.png`]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});
