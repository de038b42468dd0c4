import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { inflateSync } from "node:zlib";
import type { PDFDict as PdfDict, PDFRawStream as PdfRawStream } from "pdf-lib";
import { err, ok, type Result } from "../shared/result.ts";

// Our PDF certificates carry the signed credential as an attached file (a badge image inside a PDF
// is re-encoded and loses its baked chunk): the verifier reads it back from the PDF's
// EmbeddedFiles name tree with pdf-lib, never by scanning the bytes.
//
// Anyone may post a PDF to the verifier, and pdf-lib decompresses object streams while loading with
// no size cap (a 1 kB file can expand to gigabytes). So the reading runs in a worker thread with a
// small heap and a deadline; a worker that exceeds either is terminated and the PDF reported as
// unreadable within the limits, while the server carries on.

/** One file attached to a PDF. */
export interface PdfAttachment {
  name: string;
  data: Buffer;
}

/** Why no attachment could be read: pdf-lib could not read the file, or reading it exceeded the time or memory limits. */
export type PdfError = "pdf-invalid" | "pdf-limits";

/** Limits of one PDF reading (the defaults suit a certificate of a few hundred kB). */
export interface PdfLimits {
  timeoutMs: number;
  heapMb: number;
}

const DEFAULT_LIMITS: PdfLimits = { timeoutMs: 5_000, heapMb: 128 };
// Each reading may use `heapMb` plus decompression buffers: a few at once (one worker each), the others wait.
const MAX_CONCURRENT = 2;

// pdf-lib is large and every reading worker loads it: its one-file build loads several times faster
// than its few hundred CommonJS modules (a few hundred ms per worker on a busy server).
let pdfLib: typeof import("pdf-lib") | undefined;

/** The pdf-lib copy the PDF reading uses (the worker adjusts this very copy). */
export function pdfLibrary(): typeof import("pdf-lib") {
  return (pdfLib ??= createRequire(import.meta.url)("pdf-lib/dist/pdf-lib.min.js") as typeof import("pdf-lib"));
}

// Name trees nest (Kids); a hostile file could nest them deeply, share nodes or loop.
const MAX_DEPTH = 8;
const MAX_NODES = 1_000;
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

/** Reads the attached files in this thread: only for the PDF worker, or for PDFs we made ourselves. */
export async function readPdfAttachments(bytes: Uint8Array): Promise<Result<PdfAttachment[], PdfError>> {
  const { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString } = pdfLibrary();
  const text = (o: unknown) => (o instanceof PDFString || o instanceof PDFHexString ? o.decodeText() : undefined);
  try {
    const pdf = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
    const out: PdfAttachment[] = [];
    // pdf-lib resolves a reference to the same object every time: each node is read once, MAX_NODES in all.
    const seen = new Set<PdfDict>();
    const visit = (node: PdfDict | undefined, depth: number) => {
      if (!node || depth > MAX_DEPTH || seen.has(node) || seen.size >= MAX_NODES) return;
      seen.add(node);
      const names = node.lookupMaybe(PDFName.of("Names"), PDFArray);
      for (let i = 0; names && i + 1 < names.size() && out.length < MAX_FILES; i += 2) {
        const spec = names.lookupMaybe(i + 1, PDFDict);
        const stream = spec?.lookupMaybe(PDFName.of("EF"), PDFDict)?.lookup(PDFName.of("F"));
        if (!(stream instanceof PDFRawStream)) continue;
        const data = streamBytes(stream, PDFName.of("FlateDecode"), stream.dict.lookup(PDFName.of("Filter")));
        if (data) out.push({ name: text(spec!.lookup(PDFName.of("UF"))) ?? text(spec!.lookup(PDFName.of("F"))) ?? text(names.lookup(i)) ?? "", data });
      }
      const kids = node.lookupMaybe(PDFName.of("Kids"), PDFArray);
      for (let i = 0; kids && i < kids.size() && seen.size < MAX_NODES; i++) visit(kids.lookupMaybe(i, PDFDict), depth + 1);
    };
    visit(pdf.catalog.lookupMaybe(PDFName.of("Names"), PDFDict)?.lookupMaybe(PDFName.of("EmbeddedFiles"), PDFDict), 0);
    return ok(out);
  } catch {
    return err("pdf-invalid");
  }
}

// Readings in progress, and the ones waiting for a free place.
let running = 0;
const waiting: Array<() => void> = [];

// Starting a worker (TypeScript, then pdf-lib) costs far more than reading a certificate, so a worker
// that answered in time is kept for the next PDF (even a refusal: its decoders stopped, the heap is
// clean); one that ran out of time or memory is terminated.
interface PdfWorker {
  worker: Worker;
  heapMb: number;
  ready: Promise<boolean>;
}
const idle: PdfWorker[] = [];
// Starting does not depend on the file: it only fails or hangs when the server itself is in trouble.
const STARTUP_TIMEOUT_MS = 30_000;

/** The files attached to a PDF at document level (at most 50), read in a worker thread within time and memory limits. */
export async function pdfAttachments(bytes: Uint8Array, limits: PdfLimits = DEFAULT_LIMITS): Promise<Result<PdfAttachment[], PdfError>> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const index = idle.findIndex((w) => w.heapMb === limits.heapMb);
    const taken = index >= 0 ? idle.splice(index, 1)[0]! : startWorker(limits.heapMb);
    if (!(await taken.ready)) {
      void taken.worker.terminate();
      return err("pdf-limits");
    }
    const read = await readInWorker(taken.worker, bytes, limits.timeoutMs);
    if (read.reusable) idle.push(taken);
    else void taken.worker.terminate();
    return read.result;
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function startWorker(heapMb: number): PdfWorker {
  const worker = new Worker(new URL("./pdf-worker.ts", import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    stdout: true, // pdf-lib logs what it finds odd in hostile files
    stderr: true,
  });
  const entry: PdfWorker = { worker, heapMb, ready: Promise.resolve(false) };
  worker.on("error", () => {}); // reported to the reading in progress, if any
  worker.on("exit", () => {
    const at = idle.indexOf(entry);
    if (at >= 0) idle.splice(at, 1);
  });
  worker.unref();
  entry.ready = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), STARTUP_TIMEOUT_MS);
    timer.unref();
    worker.once("message", () => resolve(true)); // its first message says pdf-lib is loaded
    worker.once("exit", () => resolve(false));
  }).finally(() => worker.removeAllListeners("message"));
  return entry;
}

type WorkerReply = { ok: true; value: Array<{ name: string; data: Uint8Array }> } | { ok: false; error: PdfError };
type Reading = { result: Result<PdfAttachment[], PdfError>; reusable: boolean };

function readInWorker(worker: Worker, bytes: Uint8Array, timeoutMs: number): Promise<Reading> {
  return new Promise<Reading>((resolve) => {
    const timer = setTimeout(() => finish({ result: err("pdf-limits"), reusable: false }), timeoutMs);
    function finish(reading: Reading): void {
      clearTimeout(timer);
      worker.off("message", reply).off("error", failed).off("exit", failed);
      worker.unref();
      resolve(reading);
    }
    function reply(message: WorkerReply): void {
      const result: Result<PdfAttachment[], PdfError> = message.ok
        ? ok(message.value.map((f) => ({ name: f.name, data: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength) })))
        : err(message.error);
      finish({ result, reusable: true });
    }
    // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or any crash: the file is not readable within the limits.
    function failed(): void {
      finish({ result: err("pdf-limits"), reusable: false });
    }
    worker.on("message", reply).on("error", failed).on("exit", failed);
    worker.ref();
    worker.postMessage(bytes);
  });
}
