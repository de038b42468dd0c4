import { crc32, inflateSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import { err, ok, type Result } from "../shared/result.ts";

// Reading baked badges, independently of the baking code (realparts.md §7: a dependency-free
// reader is fine). OB 3.0 §1.10 / OB 2.0 Baking 1.0 (ob3.md §1.10, §3.2).

/** What a baked image carried. */
export interface BakedPayload {
  /** "ob3": iTXt openbadgecredential / openbadges:credential; "ob2": iTXt or tEXt openbadges / openbadges:assertion. */
  spec: "ob3" | "ob2";
  /** Where it was found, for the report ("PNG iTXt openbadgecredential"). */
  place: string;
  /** The credential JSON, a compact JWS, or (legacy OB 2.0 tEXt) the assertion URL. */
  text: string;
}

export type ExtractError =
  | { kind: "png-truncated" }
  | { kind: "png-crc"; chunk: string }
  | { kind: "png-duplicate"; keyword: string }
  | { kind: "png-bad-text"; keyword: string }
  | { kind: "svg-invalid" }
  | { kind: "svg-duplicate"; element: string }
  | { kind: "not-baked"; format: "png" | "svg" };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OB3_KEYWORD = "openbadgecredential";
const OB2_KEYWORD = "openbadges";
const OB3_NS = "https://purl.imsglobal.org/ob/v3p0";
// A compressed text chunk may not inflate past this (a few KB of deflate can expand to gigabytes).
const MAX_TEXT = 8 * 1024 * 1024;
const OB2_NS = "http://openbadges.org";

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(PNG_SIGNATURE);
}

/** True when the bytes look like an SVG document. */
export function isSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 2048)).toString("utf8").replace(/^\uFEFF/, "").trimStart();
  return head.startsWith("<") && /<svg[\s>]/i.test(head);
}

interface TextChunk { type: string; keyword: string; text: string | null }

// iTXt: keyword \0 compression-flag compression-method language \0 translated-keyword \0 text (UTF-8).
// tEXt: keyword \0 text (Latin-1). zTXt: keyword \0 method, deflated Latin-1 text.
function readTextChunk(type: string, data: Buffer): TextChunk | null {
  const nul = data.indexOf(0);
  if (nul < 1) return null;
  const keyword = data.toString("latin1", 0, nul);
  if (keyword !== OB3_KEYWORD && keyword !== OB2_KEYWORD) return null;
  try {
    if (type === "tEXt") return { type, keyword, text: data.toString("latin1", nul + 1) };
    if (type === "zTXt") return { type, keyword, text: inflateSync(data.subarray(nul + 2), { maxOutputLength: MAX_TEXT }).toString("latin1") };
    const compressed = data[nul + 1] === 1;
    const langEnd = data.indexOf(0, nul + 3);
    const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
    if (transEnd < 0) return { type, keyword, text: null };
    const raw = data.subarray(transEnd + 1);
    return { type, keyword, text: (compressed ? inflateSync(raw, { maxOutputLength: MAX_TEXT }) : raw).toString("utf8") };
  } catch {
    return { type, keyword, text: null };
  }
}

/** Reads the credential out of a baked PNG: every chunk CRC-checked, exactly one chunk per keyword. */
export function extractFromPng(bytes: Uint8Array): Result<BakedPayload, ExtractError> {
  const png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = new Map<string, TextChunk>();
  let offset = 8;
  let ended = false;
  while (!ended) {
    if (offset + 12 > png.length) return err({ kind: "png-truncated" });
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    if (offset + 12 + length > png.length) return err({ kind: "png-truncated" });
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    if (crc32(typeAndData) !== png.readUInt32BE(offset + 8 + length)) return err({ kind: "png-crc", chunk: type });
    if (type === "iTXt" || type === "tEXt" || type === "zTXt") {
      const chunk = readTextChunk(type, png.subarray(offset + 8, offset + 8 + length));
      if (chunk) {
        // OB 3.0 §1.10 and Baking 1.0: one chunk per keyword; two would let a reader pick either.
        if (found.has(chunk.keyword)) return err({ kind: "png-duplicate", keyword: chunk.keyword });
        found.set(chunk.keyword, chunk);
      }
    }
    ended = type === "IEND";
    offset += 12 + length;
  }
  // A PNG may carry both; readers prefer the OB 3.0 credential (ob3.md §3.2).
  const chunk = found.get(OB3_KEYWORD) ?? found.get(OB2_KEYWORD);
  if (!chunk) return err({ kind: "not-baked", format: "png" });
  if (chunk.text === null || !chunk.text.trim()) return err({ kind: "png-bad-text", keyword: chunk.keyword });
  return ok({ spec: chunk.keyword === OB3_KEYWORD ? "ob3" : "ob2", place: `PNG ${chunk.type} ${chunk.keyword}`, text: chunk.text.trim() });
}

/** Reads the credential out of a baked SVG: the CDATA of openbadges:credential/assertion or its `verify` attribute. */
export function extractFromSvg(bytes: Uint8Array): Result<BakedPayload, ExtractError> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8").replace(/^\uFEFF/, "");
  // xmldom never loads external DTDs and does not expand declared entities; refusing them avoids
  // even trying ("billion laughs"), as images/svg-sanitize.ts does.
  if (/<!ENTITY/i.test(text)) return err({ kind: "svg-invalid" });
  let doc;
  try {
    doc = new DOMParser({ onError: (level) => { if (level === "fatalError") throw new Error("not XML"); } }).parseFromString(text, "image/svg+xml");
  } catch {
    return err({ kind: "svg-invalid" });
  }
  if (!doc?.documentElement || doc.documentElement.localName !== "svg") return err({ kind: "svg-invalid" });
  for (const [spec, ns, name] of [["ob3", OB3_NS, "credential"], ["ob2", OB2_NS, "assertion"]] as const) {
    const elements = doc.getElementsByTagNameNS(ns, name);
    if (elements.length === 0) continue;
    if (elements.length > 1) return err({ kind: "svg-duplicate", element: `openbadges:${name}` });
    const el = elements[0]!;
    const content = (el.textContent ?? "").trim();
    const verify = (el.getAttribute("verify") ?? "").trim();
    const payload = content || verify;
    if (!payload) continue;
    return ok({ spec, place: `SVG openbadges:${name}${content ? "" : " verify"}`, text: payload });
  }
  return err({ kind: "not-baked", format: "svg" });
}
