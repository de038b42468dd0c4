import { err, ok, type Result } from "../shared/result.ts";
import { extractFromPng, extractFromSvg, isPng, isSvg, type ExtractError } from "./baked-extract.ts";
import { asObject, fetchProblem, line, type Check, type DocumentSource, type Message } from "./checks/check-types.ts";
import { decodeJws, type DecodedJws } from "./checks/jwt.ts";
import { isPdf, pdfAttachments } from "./pdf-extract.ts";
import { parseJsonBody } from "./remote-fetch.ts";

/** What can be verified: parsed JSON, text (JSON, compact JWS or URL), a file's bytes, or a URL. */
export type VerifyInput =
  | { json: unknown }
  | { text: string }
  | { bytes: Uint8Array; filename?: string }
  | { url: string };

/** The document found in the input: a JSON object or a compact JWS, and how it was found. */
export interface Decoded {
  doc: Record<string, any> | null;
  jws: DecodedJws | null;
  input: Check;
}

const URL_ACCEPT = "application/ld+json, application/vc+ld+json, application/json;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, text/plain;q=0.5, */*;q=0.1";

function extractProblem(e: ExtractError): Message {
  switch (e.kind) {
    case "png-crc": return { key: "verification.input.pngCrc", params: { chunk: e.chunk } };
    case "png-duplicate": return { key: "verification.input.pngDuplicate", params: { keyword: e.keyword } };
    case "png-bad-text": return { key: "verification.input.pngBadText", params: { keyword: e.keyword } };
    case "svg-duplicate": return { key: "verification.input.svgDuplicate", params: { element: e.element } };
    case "not-baked": return { key: `verification.input.notBaked`, params: { format: e.format.toUpperCase() } };
    case "png-truncated": return { key: "verification.input.pngTruncated" };
    case "svg-invalid": return { key: "verification.input.svgInvalid" };
  }
}

const failed = (message: Message, extra: Partial<Check> = {}): Result<never, Check> => err({ check: "input", status: "fail", message, ...extra });

/** Decodes input into the credential document (or JWS) it carries; follows a URL at most twice (legacy OB 2.0 bakes a URL). */
export async function decodeInput(input: VerifyInput, source: DocumentSource, depth = 0): Promise<Result<Decoded, Check>> {
  if ("json" in input) {
    const doc = asObject(input.json);
    return doc ? ok({ doc, jws: null, input: line("input", "pass", "verification.input.json") }) : failed({ key: "verification.input.notObject" });
  }
  if ("url" in input) return decodeUrl(input.url, source, depth);
  if ("bytes" in input) return decodeBytes(input.bytes, source, depth);
  return decodeText(input.text, source, depth, { key: "verification.input.json" });
}

async function decodeText(raw: string, source: DocumentSource, depth: number, via: Message): Promise<Result<Decoded, Check>> {
  const text = raw.replace(/^\uFEFF/, "").trim();
  if (!text) return failed({ key: "verification.input.empty" });
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      const doc = asObject(JSON.parse(text));
      return doc ? ok({ doc, jws: null, input: { check: "input", status: "pass", message: via } }) : failed({ key: "verification.input.notObject" });
    } catch {
      return failed({ key: "verification.input.badJson" });
    }
  }
  const jws = decodeJws(text);
  if (jws) return ok({ doc: null, jws, input: { check: "input", status: "pass", message: via.key === "verification.input.json" ? { key: "verification.input.jws" } : via } });
  if (/^https?:\/\/\S+$/.test(text)) return decodeUrl(text, source, depth);
  return failed({ key: "verification.input.unrecognised" });
}

async function decodeBytes(bytes: Uint8Array, source: DocumentSource, depth: number): Promise<Result<Decoded, Check>> {
  if (bytes.length === 0) return failed({ key: "verification.input.empty" });
  const png = isPng(bytes);
  if (png || isSvg(bytes)) {
    const found = png ? extractFromPng(bytes) : extractFromSvg(bytes);
    if (!found.ok) return failed(extractProblem(found.error));
    return decodeText(found.value.text, source, depth, { key: "verification.input.baked", params: { place: found.value.place } });
  }
  if (isPdf(bytes)) return decodePdf(bytes, source, depth);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (text.includes("\u0000") || text.includes("\uFFFD")) return failed({ key: "verification.input.unrecognised" });
  return decodeText(text, source, depth, { key: "verification.input.file" });
}

// A PDF certificate carries the signed credential as an attached file (JSON or VC-JWT).
async function decodePdf(bytes: Uint8Array, source: DocumentSource, depth: number): Promise<Result<Decoded, Check>> {
  const files = await pdfAttachments(bytes);
  if (!files.ok) return failed({ key: files.error === "pdf-limits" ? "verification.input.pdfLimits" : "verification.input.pdfInvalid" });
  const found = files.value.flatMap((f) => {
    const text = f.data.toString("utf8").replace(/^\uFEFF/, "").trim();
    return text.startsWith("{") || decodeJws(text) ? [{ name: f.name, text }] : [];
  });
  if (found.length === 0) return failed({ key: "verification.input.pdfNoBadge" });
  if (found.length > 1) return failed({ key: "verification.input.pdfSeveral", params: { count: found.length } });
  return decodeText(found[0]!.text, source, depth, { key: "verification.input.pdf", params: { name: found[0]!.name } });
}

async function decodeUrl(url: string, source: DocumentSource, depth: number): Promise<Result<Decoded, Check>> {
  if (depth >= 2) return failed({ key: "verification.input.tooManyHops", params: { url } });
  const got = await source.get(url, URL_ACCEPT);
  if (!got.ok) return failed({ key: "verification.input.unreachable", params: { url }, cause: fetchProblem(got.error) });
  const r = got.value;
  // OB 2.0 hosted verification: 410 Gone is how an issuer says "revoked".
  if (r.status === 410) {
    const reason = asObject(parseJsonBody(r))?.revocationReason;
    return failed({ key: typeof reason === "string" ? "verification.status.revokedBecause" : "verification.status.revoked", params: { url, ...(typeof reason === "string" ? { reason } : {}) } }, { outcome: "revoked", ...(typeof reason === "string" ? { reason } : {}) });
  }
  if (r.status < 200 || r.status >= 300) return failed({ key: "verification.input.unreachable", params: { url }, cause: { key: "verification.fetch.status", params: { url: r.url, status: r.status } } });
  if (/html/i.test(r.contentType)) return failed({ key: "verification.input.html", params: { url } });
  const decoded = await decodeBytes(r.body, source, depth + 1);
  if (!decoded.ok) return decoded;
  const via = decoded.value.input.message.key === "verification.input.baked" ? decoded.value.input.message : { key: "verification.input.url", params: { url: r.url } };
  return ok({ ...decoded.value, input: { check: "input", status: "pass", message: via } });
}
