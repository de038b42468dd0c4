import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { QUIET_ZONE, qrMatrix } from "./qr.ts";

// The PDF certificate: A4 landscape, drawn with pdfkit and an embedded Unicode TTF (names such as
// "Zoë Łukasiewicz-Nguyễn" need more than the 14 standard WinAnsi fonts, realparts.md §7), a
// vector QR code to the public page, and the signed credential attached as a file: an image
// placed in a PDF is re-encoded and would lose its baked chunk.

/** What the certificate shows, already translated and formatted (labels are whole lines). */
export interface CertificateInput {
  lang: string; // BCP 47, for the PDF's /Lang
  labels: {
    heading: string; awardedTo: string; issuedBy: string; dates: string; criteria: string;
    verify: string; credentialId: string; attachment: string; attachmentDescription: string;
  };
  badgeName: string;
  description: string;
  recipient: string; // the holder's name, or "Holder of the badge"
  issuerName: string;
  criteria: string; // plain text
  imagePng: Buffer;
  verifyUrl: string;
  credentialJson: string;
}

// pdfkit is large (≈0.8 s to load): loaded on first use, like resvg in images/raster.ts.
const importPdfkit = () => import("pdfkit");
let pdfkitModule: ReturnType<typeof importPdfkit> | undefined;
const loadPdfkit = () => (pdfkitModule ??= importPdfkit());

// DejaVu Sans covers Latin (with Vietnamese and Polish), Greek and Cyrillic. It comes with the
// `dejavu-fonts-ttf` npm package so that every machine has it; Debian's fonts-dejavu-core is
// the fallback for an install that pruned it.
const SYSTEM_FONTS = "/usr/share/fonts/truetype/dejavu";
function fontPath(file: string): string {
  try {
    return createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`);
  } catch {
    const system = `${SYSTEM_FONTS}/${file}`;
    if (existsSync(system)) return system;
    throw new Error(`PDF certificates need the font ${file}: run npm install (package dejavu-fonts-ttf) or install Debian's fonts-dejavu-core`);
  }
}
// Parsed once per process and handed to every document: pdfkit would parse the 750 kB TTF (and its
// layout tables, lazily) again for each PDF, ≈0.5 s; it still makes its own subset per document.
type FontkitFont = ReturnType<typeof import("fontkit").create>;
let fonts: Promise<{ regular: FontkitFont; bold: FontkitFont }> | undefined;
const loadFonts = () => (fonts ??= (async () => {
  const [{ create }, regular, bold] = await Promise.all([import("fontkit"), readFile(fontPath("DejaVuSans.ttf")), readFile(fontPath("DejaVuSans-Bold.ttf"))]);
  return { regular: create(regular), bold: create(bold) };
})());

// DejaVu has no colour emoji: they would print as empty boxes (badge names like "Réussite 🎓").
const printable = (text: string) => text.replace(/[\p{Emoji_Presentation}\u200d\ufe0f]/gu, "").trim();

const BRAND = "#1d3f91";
const MUTED = "#555555";
const PAGE = { width: 841.89, height: 595.28 }; // A4 landscape, in points

/** Draws the certificate; resolves to the PDF bytes. */
export async function renderCertificatePdf(input: CertificateInput): Promise<Buffer> {
  const [{ default: PDFDocument }, font, qr] = await Promise.all([loadPdfkit(), loadFonts(), qrMatrix(input.verifyUrl)]);
  const doc = new PDFDocument({
    size: "A4", layout: "landscape", margin: 0, lang: input.lang, displayTitle: true, pdfVersion: "1.7",
    info: { Title: input.badgeName, Author: input.issuerName, Subject: input.labels.heading, Creator: "FranceBadge", Keywords: "Open Badges 3.0" },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  // pdfkit takes a fontkit font object as a source (PDFFontFactory.open: anything with `layout`).
  doc.registerFont("regular", font.regular as unknown as Buffer);
  doc.registerFont("bold", font.bold as unknown as Buffer);
  drawFrame(doc, input.labels.heading);
  drawBody(doc, { ...input, badgeName: printable(input.badgeName), description: printable(input.description), recipient: printable(input.recipient), criteria: printable(input.criteria) });
  drawVerification(doc, input, qr);
  doc.file(Buffer.from(input.credentialJson, "utf8"), {
    name: "credential.json", type: "application/vc+ld+json", description: input.labels.attachmentDescription,
  });
  doc.end();
  return done;
}

type Doc = PDFKit.PDFDocument;

function drawFrame(doc: Doc, heading: string): void {
  doc.lineWidth(3).strokeColor(BRAND).rect(18, 18, PAGE.width - 36, PAGE.height - 36).stroke();
  doc.lineWidth(0.75).rect(26, 26, PAGE.width - 52, PAGE.height - 52).stroke();
  doc.font("bold").fontSize(11).fillColor(BRAND)
    .text(heading.toLocaleUpperCase(), 0, 48, { width: PAGE.width, align: "center", characterSpacing: 2 });
}

function drawBody(doc: Doc, input: CertificateInput): void {
  const left = 64, column = 270, width = PAGE.width - column - 64;
  doc.image(input.imagePng, left, 96, { fit: [176, 176], align: "center", valign: "center" });
  let y = 92;
  doc.font("bold").fontSize(26).fillColor("#111111").text(input.badgeName, column, y, { width, height: 70, ellipsis: true });
  y = doc.y + 6;
  if (input.description) {
    doc.font("regular").fontSize(10).fillColor(MUTED).text(input.description, column, y, { width, height: 42, ellipsis: true });
    y = doc.y + 10;
  }
  doc.font("regular").fontSize(10).fillColor(MUTED).text(input.labels.awardedTo, column, y, { width });
  doc.font("bold").fontSize(18).fillColor("#111111").text(input.recipient, column, doc.y + 2, { width, height: 26, ellipsis: true });
  doc.font("regular").fontSize(11).fillColor("#111111").text(input.labels.issuedBy, column, doc.y + 8, { width });
  doc.text(input.labels.dates, column, doc.y + 4, { width });
  doc.font("bold").fontSize(11).fillColor(BRAND).text(input.labels.criteria, column, doc.y + 14, { width });
  const criteriaTop = doc.y + 4;
  doc.font("regular").fontSize(9.5).fillColor("#111111")
    .text(input.criteria, column, criteriaTop, { width, height: Math.max(30, 420 - criteriaTop), ellipsis: true });
}

function drawVerification(doc: Doc, input: CertificateInput, qr: Awaited<ReturnType<typeof qrMatrix>>): void {
  const size = 112, x = 64, y = PAGE.height - 64 - size;
  const module = size / (qr.size + QUIET_ZONE * 2);
  doc.rect(x, y, size, size).fill("#ffffff");
  // One rectangle per horizontal run of dark modules, filled at once: a vector code that stays
  // sharp when printed at any size.
  for (const r of qr.runs) doc.rect(x + (r.x + QUIET_ZONE) * module, y + (r.y + QUIET_ZONE) * module, r.length * module, module);
  doc.fill("#000000");
  const textX = x + size + 20, width = PAGE.width - textX - 64;
  doc.font("bold").fontSize(10).fillColor(BRAND).text(input.labels.verify, textX, y + 8, { width });
  doc.font("regular").fontSize(10).fillColor("#111111").text(input.verifyUrl, textX, doc.y + 2, { width, link: input.verifyUrl, underline: false });
  doc.font("regular").fontSize(9).fillColor(MUTED).text(input.labels.credentialId, textX, doc.y + 8, { width });
  doc.text(input.labels.attachment, textX, doc.y + 8, { width });
}
