import { deflateSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import {
  bakePng, bakeSvg, extractPngTexts, OB2_PNG_KEYWORD, OB3_PNG_KEYWORD, OB3_SVG_NAMESPACE, readPngChunks, svgAroundPng, writePngChunks,
} from "../../src/downloads/baking.ts";

/** A 4×3 PNG with distinct pixels, encoded by pngjs (no text chunks). */
function samplePng(): Buffer {
  const png = new PNG({ width: 4, height: 3 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 37) % 256;
  return PNG.sync.write(png);
}

const credential = JSON.stringify({ id: "urn:uuid:1", name: "Réussite – 🎓 Zoë Łukasiewicz-Nguyễn", narrative: "a ]]> b" });

describe("PNG baking (OB 3.0 §5.3.1, OB 2.0 Baking)", () => {
  it("adds one uncompressed iTXt chunk before IEND and leaves the pixels alone", () => {
    const plain = samplePng();
    const baked = bakePng(plain, OB3_PNG_KEYWORD, credential);
    const chunks = readPngChunks(baked);
    expect(chunks.map((c) => c.type).slice(-2)).toEqual(["iTXt", "IEND"]);
    const itxt = chunks.at(-2)!.data;
    // keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, UTF-8 text
    expect(itxt.subarray(0, OB3_PNG_KEYWORD.length + 5)).toEqual(Buffer.from(`${OB3_PNG_KEYWORD}\0\0\0\0\0`, "latin1"));
    expect(itxt.subarray(OB3_PNG_KEYWORD.length + 5).toString("utf8")).toBe(credential);
    expect(extractPngTexts(baked, OB3_PNG_KEYWORD)).toEqual([credential]);
    expect(PNG.sync.read(baked).data).toEqual(PNG.sync.read(plain).data); // pngjs checks every CRC
  });

  it("re-baking replaces the chunk instead of adding a second one", () => {
    const once = bakePng(samplePng(), OB3_PNG_KEYWORD, credential);
    const twice = bakePng(once, OB3_PNG_KEYWORD, '{"second":true}');
    expect(extractPngTexts(twice, OB3_PNG_KEYWORD)).toEqual(['{"second":true}']);
    expect(readPngChunks(twice).filter((c) => c.type === "iTXt")).toHaveLength(1);
  });

  it("keeps an OB 2.0 chunk beside the OB 3.0 one, and drops a legacy tEXt with the same keyword", () => {
    const chunks = readPngChunks(samplePng());
    chunks.splice(1, 0, { type: "tEXt", data: Buffer.from(`${OB2_PNG_KEYWORD}\0https://example.org/assertion`, "latin1") });
    const legacy = writePngChunks(chunks);
    expect(extractPngTexts(legacy, OB2_PNG_KEYWORD)).toEqual(["https://example.org/assertion"]);
    const both = bakePng(bakePng(legacy, OB2_PNG_KEYWORD, '{"type":"Assertion"}'), OB3_PNG_KEYWORD, credential);
    expect(extractPngTexts(both, OB2_PNG_KEYWORD)).toEqual(['{"type":"Assertion"}']);
    expect(extractPngTexts(both, OB3_PNG_KEYWORD)).toEqual([credential]);
  });

  it("reads compressed iTXt and zTXt chunks written by other tools", () => {
    const chunks = readPngChunks(samplePng());
    const itxt = Buffer.concat([Buffer.from(`${OB3_PNG_KEYWORD}\0\x01\x00fr\0\0`, "latin1"), deflateSync(Buffer.from(credential, "utf8"))]);
    const ztxt = Buffer.concat([Buffer.from("Comment\0\x00", "latin1"), deflateSync(Buffer.from("hello", "latin1"))]);
    chunks.splice(1, 0, { type: "iTXt", data: itxt }, { type: "zTXt", data: ztxt });
    const png = writePngChunks(chunks);
    expect(extractPngTexts(png, OB3_PNG_KEYWORD)).toEqual([credential]);
    expect(extractPngTexts(png, "Comment")).toEqual(["hello"]);
  });

  it("refuses a damaged file: wrong CRC, truncation, not a PNG", () => {
    const baked = bakePng(samplePng(), OB3_PNG_KEYWORD, credential);
    const flipped = Buffer.from(baked);
    flipped.writeUInt8(flipped.readUInt8(baked.length - 40) ^ 0xff, baked.length - 40);
    expect(() => readPngChunks(flipped)).toThrow(/CRC/);
    expect(() => readPngChunks(baked.subarray(0, baked.length - 20))).toThrow(/truncated|IEND/);
    expect(() => bakePng(Buffer.from("GIF89a"), OB3_PNG_KEYWORD, credential)).toThrow(/not a PNG/);
  });
});

function credentialElements(svg: string) {
  const doc = new DOMParser({ onError: (level, message) => { if (level !== "warning") throw new Error(message); } }).parseFromString(svg, "image/svg+xml");
  const root = doc.documentElement!;
  const found = root.getElementsByTagNameNS(OB3_SVG_NAMESPACE, "credential");
  return { root, found: Array.from({ length: found.length }, (_, i) => found.item(i)!) };
}

describe("SVG baking (OB 3.0 §5.3.2)", () => {
  const source = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" data-note="a>b"><title>T</title><rect width="10" height="10"/></svg>`;

  it("declares the namespace and puts one credential element right after the root start tag", () => {
    const baked = bakeSvg(source, credential);
    expect(baked.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" data-note="a>b" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential><![CDATA[`)).toBe(true);
    const { root, found } = credentialElements(baked);
    expect(found).toHaveLength(1);
    expect(found[0]!.parentNode).toBe(root);
    expect(found[0]!.textContent).toBe(credential); // "]]>" in the JSON survives the CDATA split
    expect(JSON.parse(found[0]!.textContent!)).toEqual(JSON.parse(credential));
  });

  it("replaces an earlier credential element and keeps one namespace declaration", () => {
    const earlier = `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}">\n  <openbadges:credential><![CDATA[{"old":1}]]></openbadges:credential><rect/></svg>`;
    const baked = bakeSvg(earlier, credential);
    expect(baked.match(/xmlns:openbadges=/g)).toHaveLength(1);
    const { found } = credentialElements(baked);
    expect(found.map((e) => e.textContent)).toEqual([credential]);
  });

  it("bakes a self-closing root, and an SVG that wraps a PNG", () => {
    expect(credentialElements(bakeSvg(`<svg xmlns="http://www.w3.org/2000/svg"/>`, credential)).found).toHaveLength(1);
    const wrapped = bakeSvg(svgAroundPng(samplePng(), 4, 3, "Réussite <b>"), credential);
    const { root, found } = credentialElements(wrapped);
    expect(found).toHaveLength(1);
    const image = root.getElementsByTagName("image").item(0)!;
    expect(image.getAttribute("href")).toMatch(/^data:image\/png;base64,/);
    expect(Buffer.from(image.getAttribute("href")!.split(",")[1]!, "base64")).toEqual(samplePng());
    expect(root.getElementsByTagName("title").item(0)!.textContent).toBe("Réussite <b>");
  });
});
