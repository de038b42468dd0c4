// Reads back what a PDF shows, in pure JS (pdf-lib parses the file; the rest is a small reader of
// the content stream): page text through each font's ToUnicode map, filled rectangles (the QR
// code), and embedded files. Enough for pdfkit's output, not a general PDF text extractor.
import {
  decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString, type PDFObject,
} from "pdf-lib";

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
const streamText = (s: PDFObject | undefined) => latin1(decodePDFRawStream(s as PDFRawStream).decode());

function utf16(hex: string): string {
  const clean = hex.replace(/\s+/g, "");
  const units: number[] = [];
  for (let i = 0; i + 4 <= clean.length; i += 4) units.push(parseInt(clean.slice(i, i + 4), 16));
  return String.fromCharCode(...units);
}

/** A ToUnicode CMap (bfchar and bfrange, both forms) as code → text. */
function parseCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(parseInt(m[1]!, 16), utf16(m[2]!));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F\s]+>)/g)) {
      const start = parseInt(m[1]!, 16), end = parseInt(m[2]!, 16);
      if (m[3]!.startsWith("[")) [...m[3]!.matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach((v, i) => map.set(start + i, utf16(v[1]!)));
      else for (let c = start, base = parseInt(m[3]!.slice(1, -1).replace(/\s+/g, ""), 16); c <= end; c++) map.set(c, String.fromCharCode(base + c - start));
    }
  }
  return map;
}

async function firstPage(bytes: Uint8Array) {
  const pdf = await PDFDocument.load(bytes);
  const page = pdf.getPages()[0]!;
  const contents = page.node.Contents();
  const parts = contents instanceof PDFArray ? contents.asArray().map((r) => pdf.context.lookup(r)) : [contents];
  return { pdf, page, content: parts.map(streamText).join("\n") };
}

/** The text of the first page, one line per text object (BT … ET). */
export async function pdfPageText(bytes: Uint8Array): Promise<string> {
  const { pdf, page, content } = await firstPage(bytes);
  const fonts = new Map<string, Map<number, string>>();
  const resources = page.node.Resources()?.lookupMaybe(PDFName.of("Font"), PDFDict);
  for (const [name, ref] of resources?.entries() ?? []) {
    const toUnicode = pdf.context.lookup(ref, PDFDict).lookup(PDFName.of("ToUnicode"));
    if (toUnicode) fonts.set(name.asString(), parseCmap(streamText(toUnicode)));
  }
  let font = new Map<number, string>(), out = "";
  for (const m of content.matchAll(/(\/[A-Za-z0-9]+)\s+[\d.]+\s+Tf|<([0-9a-fA-F]*)>|\bET\b/g)) {
    if (m[1]) font = fonts.get(m[1]) ?? new Map();
    else if (m[2] !== undefined) for (let i = 0; i + 4 <= m[2].length; i += 4) out += font.get(parseInt(m[2].slice(i, i + 4), 16)) ?? "\ufffd";
    else out += "\n";
  }
  return out;
}

/** Every `x y w h re` of the first page, in pdfkit's top-left user space. */
export async function pdfRects(bytes: Uint8Array): Promise<Array<{ x: number; y: number; w: number; h: number }>> {
  const { content } = await firstPage(bytes);
  const num = "(-?[\\d.]+)";
  return [...content.matchAll(new RegExp(`${num} ${num} ${num} ${num} re`, "g"))].map((m) => ({ x: +m[1]!, y: +m[2]!, w: +m[3]!, h: +m[4]! }));
}

const text = (o: PDFObject | undefined) => (o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : undefined);

/** The embedded files (document-level EmbeddedFiles name tree): name, media type, bytes. */
export async function pdfAttachments(bytes: Uint8Array): Promise<Array<{ name: string; type: string | undefined; data: Buffer }>> {
  const pdf = await PDFDocument.load(bytes);
  const out: Array<{ name: string; type: string | undefined; data: Buffer }> = [];
  const visit = (node: PDFDict | undefined) => {
    if (!node) return;
    const names = node.lookupMaybe(PDFName.of("Names"), PDFArray);
    for (let i = 0; names && i + 1 < names.size(); i += 2) {
      const spec = names.lookup(i + 1, PDFDict);
      const stream = spec.lookup(PDFName.of("EF"), PDFDict).lookup(PDFName.of("F")) as PDFRawStream;
      const subtype = stream.dict.lookup(PDFName.of("Subtype"));
      out.push({
        name: text(spec.lookup(PDFName.of("UF"))) ?? text(names.lookup(i)) ?? "",
        type: subtype instanceof PDFName ? subtype.decodeText() : undefined,
        data: Buffer.from(decodePDFRawStream(stream).decode()),
      });
    }
    const kids = node.lookupMaybe(PDFName.of("Kids"), PDFArray);
    for (let i = 0; kids && i < kids.size(); i++) visit(kids.lookup(i, PDFDict));
  };
  visit(pdf.catalog.lookupMaybe(PDFName.of("Names"), PDFDict)?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict));
  return out;
}
