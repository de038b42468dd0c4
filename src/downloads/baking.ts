import { crc32, inflateSync } from "node:zlib";

// Baking: the credential travels inside the badge image.
// OB 3.0 §5.3 (PNG): one iTXt chunk, keyword "openbadgecredential", compression flag 0, text = the
// credential JSON. OB 2.0 Baking 1.0: iTXt keyword "openbadges", text = the assertion JSON.
// Written by hand with zlib.crc32 (realparts.md §7: byte-identical to the png-chunks-* libraries).

export const OB3_PNG_KEYWORD = "openbadgecredential";
export const OB2_PNG_KEYWORD = "openbadges";
export const OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_CHUNKS = new Set(["tEXt", "zTXt", "iTXt"]);

/** One chunk of a PNG file: its type and data (length and CRC are recomputed when writing). */
export interface PngChunk {
  type: string;
  data: Buffer;
}

/** Splits a PNG into chunks; throws on a bad signature, a truncated file or a wrong CRC. */
export function readPngChunks(png: Uint8Array): PngChunk[] {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG file");
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error("truncated PNG chunk");
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > bytes.length) throw new Error("truncated PNG chunk");
    const typeAndData = bytes.subarray(at + 4, at + 8 + length);
    if (crc32(typeAndData) !== bytes.readUInt32BE(at + 8 + length)) throw new Error("PNG chunk with a wrong CRC");
    const type = typeAndData.subarray(0, 4).toString("latin1");
    chunks.push({ type, data: Buffer.from(typeAndData.subarray(4)) });
    at = end;
    if (type === "IEND") break;
  }
  if (chunks[0]?.type !== "IHDR" || chunks.at(-1)?.type !== "IEND") throw new Error("PNG without IHDR or IEND");
  return chunks;
}

/** Joins chunks back into a PNG file. */
export function writePngChunks(chunks: PngChunk[]): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  for (const chunk of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(chunk.data.length, 0);
    head.write(chunk.type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), chunk.data])), 0);
    parts.push(head, chunk.data, crc);
  }
  return Buffer.concat(parts);
}

/** The keyword of a tEXt/zTXt/iTXt chunk (Latin-1, before the first NUL). */
function keywordOf(chunk: PngChunk): string | null {
  if (!TEXT_CHUNKS.has(chunk.type)) return null;
  const nul = chunk.data.indexOf(0);
  return nul > 0 ? chunk.data.subarray(0, nul).toString("latin1") : null;
}

/** An uncompressed iTXt chunk (PNG spec §11.3.4.5): no language tag, no translated keyword. */
function itxtChunk(keyword: string, text: string): PngChunk {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error("a PNG keyword is 1 to 79 printable Latin-1 characters");
  const head = Buffer.from(`${keyword}\0\0\0\0\0`, "latin1"); // keyword, NUL, flag 0, method 0, "" NUL, "" NUL
  return { type: "iTXt", data: Buffer.concat([head, Buffer.from(text, "utf8")]) };
}

/**
 * Bakes `text` into a PNG under `keyword`: any text chunk with that keyword is dropped first, so
 * re-baking replaces the credential and a file never carries two (OB 3.0 §5.3.1).
 */
export function bakePng(png: Uint8Array, keyword: string, text: string): Buffer {
  const kept = readPngChunks(png).filter((chunk) => keywordOf(chunk) !== keyword);
  kept.splice(kept.length - 1, 0, itxtChunk(keyword, text));
  return writePngChunks(kept);
}

/** The text of every tEXt/zTXt/iTXt chunk of a PNG with this keyword, in file order. */
export function extractPngTexts(png: Uint8Array, keyword: string): string[] {
  return readPngChunks(png).filter((chunk) => keywordOf(chunk) === keyword).map((chunk) => textOf(chunk));
}

function textOf(chunk: PngChunk): string {
  const d = chunk.data;
  const nul = d.indexOf(0);
  if (chunk.type === "tEXt") return d.subarray(nul + 1).toString("latin1");
  if (chunk.type === "zTXt") return inflateSync(d.subarray(nul + 2)).toString("latin1");
  const compressed = d[nul + 1] === 1;
  const languageEnd = d.indexOf(0, nul + 3);
  const translatedEnd = d.indexOf(0, languageEnd + 1);
  if (languageEnd < 0 || translatedEnd < 0) throw new Error("damaged iTXt chunk");
  const body = d.subarray(translatedEnd + 1);
  return (compressed ? inflateSync(body) : body).toString("utf8");
}

// "]]>" cannot appear inside CDATA: it is split across two sections (the XML reader joins them).
const cdata = (text: string) => `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;

// The root start tag of an SVG document: attribute values may hold ">" when quoted.
const SVG_ROOT = /<svg\b(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/;
const EXISTING = /<openbadges:credential\b(?:[^>"']|"[^"]*"|'[^']*')*?(?:\/>|>[\s\S]*?<\/openbadges:credential>)/g;

/**
 * Bakes a credential into an SVG document (OB 3.0 §5.3.2): the `openbadges` namespace on the root
 * element and, right after its start tag, one `<openbadges:credential>` with the JSON in CDATA.
 * An earlier credential element is removed first.
 */
export function bakeSvg(svg: string, credentialJson: string): string {
  const cleaned = svg.replace(EXISTING, "");
  const root = SVG_ROOT.exec(cleaned);
  if (!root) throw new Error("not an SVG document");
  let startTag = root[0];
  const selfClosing = root[1] === "/";
  if (selfClosing) startTag = startTag.slice(0, -2).trimEnd() + ">";
  if (!/\sxmlns:openbadges\s*=/.test(startTag)) startTag = startTag.slice(0, -1) + ` xmlns:openbadges="${OB3_SVG_NAMESPACE}">`;
  const element = `<openbadges:credential>${cdata(credentialJson)}</openbadges:credential>`;
  const rest = cleaned.slice(root.index + root[0].length);
  return cleaned.slice(0, root.index) + startTag + element + (selfClosing ? "</svg>" : "") + rest;
}

/** An SVG that shows a PNG (as a data: URI) at its own size: the carrier for baking a PNG badge. */
export function svgAroundPng(png: Uint8Array, width: number, height: number, title: string): string {
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const href = `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64")}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">` +
    `<title>${escaped}</title><image width="${width}" height="${height}" href="${href}" xlink:href="${href}"/></svg>`;
}
