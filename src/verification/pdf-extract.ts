import { inflateSync } from "node:zlib";
import type { PDFDict as PdfDict, PDFRawStream as PdfRawStream } from "pdf-lib";
import { err, ok, type Result } from "../shared/result.ts";

// Our PDF certificates carry the signed credential as an attached file (a badge image inside a PDF
// is re-encoded and loses its baked chunk): the verifier reads it back from the PDF's
// EmbeddedFiles name tree with pdf-lib, never by scanning the bytes.

/** One file attached to a PDF. */
export interface PdfAttachment {
  name: string;
  data: Buffer;
}

/** Why no attachment could be read. */
export type PdfError = "pdf-invalid";

// pdf-lib is large: loaded on first use (most verifications are JSON or images).
let pdfLib: Promise<typeof import("pdf-lib")> | undefined;
const loadPdfLib = () => (pdfLib ??= import("pdf-lib"));

// Name trees nest (Kids); a hostile file could nest them deeply or in a loop.
const MAX_DEPTH = 8;
const MAX_FILES = 50;
// A credential is a few kB; a small deflated stream could otherwise expand to gigabytes.
const MAX_FILE_BYTES = 1024 * 1024;

// An attached file's bytes: stored as is or deflated (what PDF writers use); null for other filters or too large.
function streamBytes(stream: PdfRawStream, flate: unknown, filter: unknown): Buffer | null {
  try {
    if (filter === undefined) return stream.contents.length <= MAX_FILE_BYTES ? Buffer.from(stream.contents) : null;
    return filter === flate ? inflateSync(stream.contents, { maxOutputLength: MAX_FILE_BYTES }) : null;
  } catch {
    return null; // corrupt, or larger than the limit
  }
}

/** Whether the bytes are a PDF file (its header). */
export function isPdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 5)).toString("latin1") === "%PDF-";
}

/** The files attached to a PDF at document level (at most 50), or "pdf-invalid" when pdf-lib cannot read it. */
export async function pdfAttachments(bytes: Uint8Array): Promise<Result<PdfAttachment[], PdfError>> {
  const { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString } = await loadPdfLib();
  const text = (o: unknown) => (o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : undefined);
  try {
    const pdf = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
    const out: PdfAttachment[] = [];
    const visit = (node: PdfDict | undefined, depth: number) => {
      if (!node || depth > MAX_DEPTH) return;
      const names = node.lookupMaybe(PDFName.of("Names"), PDFArray);
      for (let i = 0; names && i + 1 < names.size() && out.length < MAX_FILES; i += 2) {
        const spec = names.lookupMaybe(i + 1, PDFDict);
        const stream = spec?.lookupMaybe(PDFName.of("EF"), PDFDict)?.lookup(PDFName.of("F"));
        if (!(stream instanceof PDFRawStream)) continue;
        const data = streamBytes(stream, PDFName.of("FlateDecode"), stream.dict.lookup(PDFName.of("Filter")));
        if (data) out.push({ name: text(spec!.lookup(PDFName.of("UF"))) ?? text(spec!.lookup(PDFName.of("F"))) ?? text(names.lookup(i)) ?? "", data });
      }
      const kids = node.lookupMaybe(PDFName.of("Kids"), PDFArray);
      for (let i = 0; kids && i < kids.size(); i++) visit(kids.lookupMaybe(i, PDFDict), depth + 1);
    };
    visit(pdf.catalog.lookupMaybe(PDFName.of("Names"), PDFDict)?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict), 0);
    return ok(out);
  } catch {
    return err("pdf-invalid");
  }
}
