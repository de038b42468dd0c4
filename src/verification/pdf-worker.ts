// Entry of a PDF reading worker (see pdfAttachments in pdf-extract.ts): loads pdf-lib, then reads PDFs one by one.
import { parentPort } from "node:worker_threads";
import { deflateSync } from "node:zlib";
import { pdfLibrary, readPdfAttachments } from "./pdf-extract.ts";

// pdf-lib decompresses object and cross-reference streams while loading, with no size cap; the heap
// limit does not cover these buffers. Every decoder grows its output through DecodeStream's
// ensureBuffer: refusing to grow it past a size no real object stream reaches bounds the worker's memory.
const MAX_DECODED_BYTES = 16 * 1024 * 1024;
let tooLarge = false;

// DecodeStream is not exported: reached through the decoder pdf-lib builds for an empty deflated stream.
function capDecoding(): void {
  const { decodePDFRawStream, PDFContext, PDFRawStream } = pdfLibrary();
  const dict = PDFContext.create().obj({ Filter: "FlateDecode" });
  const decoder = decodePDFRawStream(PDFRawStream.of(dict, deflateSync(Buffer.alloc(0))));
  const decodeStream = Object.getPrototypeOf(Object.getPrototypeOf(decoder));
  const ensureBuffer = decodeStream?.ensureBuffer;
  if (typeof ensureBuffer !== "function") throw new Error("pdf-lib changed: DecodeStream.ensureBuffer not found");
  decodeStream.ensureBuffer = function (this: unknown, requested: number) {
    if (requested > MAX_DECODED_BYTES) {
      tooLarge = true;
      throw new Error("PDF stream too large once decompressed");
    }
    return ensureBuffer.call(this, requested);
  };
}

capDecoding();
const port = parentPort!;
port.postMessage("ready");
// One PDF at a time: the pool sends the next one only after this reply.
port.on("message", async (bytes: Uint8Array) => {
  tooLarge = false;
  const result = await readPdfAttachments(bytes);
  port.postMessage(tooLarge
    ? { ok: false, error: "pdf-limits" }
    : result.ok ? { ok: true, value: result.value.map((f) => ({ name: f.name, data: new Uint8Array(f.data) })) } : result);
});
