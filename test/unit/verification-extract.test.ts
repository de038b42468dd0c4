import { describe, expect, it } from "vitest";
import { extractFromPng, extractFromSvg, isPng, isSvg } from "../../src/verification/baked-extract.ts";
import { readShared, skipIfNoShared } from "../helpers/shared-data.ts";
import { itxt, png, text } from "../fixtures/verification/png.ts";

const credential = JSON.stringify({ "@context": ["https://www.w3.org/ns/credentials/v2"], type: ["VerifiableCredential", "OpenBadgeCredential"] });

describe("reading baked badges (PNG iTXt/tEXt, SVG)", () => {
  it("reads the OB 3.0 iTXt chunk of a PNG", () => {
    const file = png(itxt("openbadgecredential", credential));
    expect(isPng(file)).toBe(true);
    expect(extractFromPng(file)).toEqual({ ok: true, value: { spec: "ob3", place: "PNG iTXt openbadgecredential", text: credential } });
  });

  it("prefers the OB 3.0 chunk when a PNG carries both, and reads a legacy OB 2.0 tEXt URL", () => {
    const both = extractFromPng(png(itxt("openbadges", "{}"), itxt("openbadgecredential", credential)));
    expect(both.ok && both.value.spec).toBe("ob3");
    const legacy = extractFromPng(png(text("openbadges", "https://example.org/assertion.json")));
    expect(legacy).toEqual({ ok: true, value: { spec: "ob2", place: "PNG tEXt openbadges", text: "https://example.org/assertion.json" } });
  });

  it("refuses a PNG with two credential chunks", () => {
    expect(extractFromPng(png(itxt("openbadgecredential", credential), itxt("openbadgecredential", credential)))).toEqual({ ok: false, error: { kind: "png-duplicate", keyword: "openbadgecredential" } });
  });

  it("says a truncated PNG is truncated, wherever it is cut", () => {
    const file = png(itxt("openbadgecredential", credential));
    for (const cut of [10, 40, file.length - 5]) expect(extractFromPng(file.subarray(0, cut))).toEqual({ ok: false, error: { kind: "png-truncated" } });
  });

  it("notices a corrupted chunk by its CRC, and a PNG without a badge", () => {
    const file = Buffer.from(png(itxt("openbadgecredential", credential)));
    file[50] = file[50]! ^ 0xff; // inside the iTXt text
    expect(extractFromPng(file)).toEqual({ ok: false, error: { kind: "png-crc", chunk: "iTXt" } });
    expect(extractFromPng(png())).toEqual({ ok: false, error: { kind: "not-baked", format: "png" } });
  });

  it("reads an SVG credential element (CDATA or verify attribute) and refuses two", () => {
    const svg = (inner: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">${inner}</svg>`);
    const cdata = svg(`<openbadges:credential><![CDATA[${credential}]]></openbadges:credential>`);
    expect(isSvg(cdata)).toBe(true);
    expect(extractFromSvg(cdata)).toEqual({ ok: true, value: { spec: "ob3", place: "SVG openbadges:credential", text: credential } });
    expect(extractFromSvg(svg(`<openbadges:credential verify="a.b.c"/>`))).toEqual({ ok: true, value: { spec: "ob3", place: "SVG openbadges:credential verify", text: "a.b.c" } });
    expect(extractFromSvg(svg(`<openbadges:credential>{}</openbadges:credential><openbadges:credential>{}</openbadges:credential>`))).toEqual({ ok: false, error: { kind: "svg-duplicate", element: "openbadges:credential" } });
    expect(extractFromSvg(Buffer.from("<svg><unclosed></svg>"))).toEqual({ ok: false, error: { kind: "svg-invalid" } });
    expect(extractFromSvg(Buffer.from(`<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`))).toEqual({ ok: false, error: { kind: "svg-invalid" } });
  });

  it("reads 1EdTech's baked samples (OB 3.0 SVG, OB 2.0 PNG)", (ctx) => {
    if (skipIfNoShared(ctx, "ob3/samples/1edtech-validator/ob30/simple-json.svg")) return;
    const svg = extractFromSvg(readShared("ob3/samples/1edtech-validator/ob30/simple-json.svg"));
    expect(svg.ok && JSON.parse(svg.value.text).id).toBe("http://example.com/credentials/3527");
    const ob2 = extractFromPng(readShared("ob3/samples/1edtech-validator/ob20/simple-badge.png"));
    expect(ob2.ok && ob2.value.spec).toBe("ob2");
    expect(ob2.ok && JSON.parse(ob2.value.text).id).toBe("https://example.org/beths-robotics-badge.json");
  });
});
