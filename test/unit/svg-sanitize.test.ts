import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { renderSvg } from "../../src/images/raster.ts";
import { sanitizeSvg } from "../../src/images/svg-sanitize.ts";

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const svg = (body: string, attrs = 'width="64" height="64" viewBox="0 0 64 64"') => `<svg ${NS} ${attrs}>${body}</svg>`;

/** A real 2×2 PNG as a data: URI (made with pngjs, not a hand-written fixture). */
function pngDataUri(): string {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(200);
  return "data:image/png;base64," + PNG.sync.write(png).toString("base64");
}

const problemOf = async (source: string) => {
  const r = await sanitizeSvg(source);
  return r.ok ? null : r.error;
};

describe("SVG sanitiser: refusals", () => {
  it("refuses a <script> element, even nested in an unknown element", async () => {
    expect(await problemOf(svg('<script>alert(1)</script><circle r="3"/>'))).toBe("script");
    expect(await problemOf(svg('<g><metadata><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></metadata></g>'))).toBe("script");
  });

  it("refuses an onload (or any on*) event attribute", async () => {
    expect(await problemOf(`<svg ${NS} onload="alert(1)"><rect width="10" height="10"/></svg>`)).toBe("event-handler");
    expect(await problemOf(svg('<rect width="10" height="10" onclick="x()"/>'))).toBe("event-handler");
  });

  it('refuses xlink:href="http://…" and other references outside the file', async () => {
    expect(await problemOf(svg('<image xlink:href="http://evil.example/x.png" width="10" height="10"/>'))).toBe("external-reference");
    expect(await problemOf(svg('<use href="https://evil.example/sprite.svg#icon"/>'))).toBe("external-reference");
    expect(await problemOf(svg('<image href="/etc/passwd" width="10" height="10"/>'))).toBe("external-reference");
    expect(await problemOf(svg('<image href="data:image/svg+xml;base64,PHN2Zy8+" width="10" height="10"/>'))).toBe("external-reference");
  });

  it('refuses href="javascript:…", even spelled with spaces and entities', async () => {
    expect(await problemOf(svg('<a href="javascript:alert(1)"><rect width="9" height="9"/></a>'))).toBe("javascript-url");
    expect(await problemOf(svg('<a xlink:href=" jav&#x09;ascript:alert(1)"><rect width="9" height="9"/></a>'))).toBe("javascript-url");
  });

  it("refuses url(http…) in a style attribute, a presentation attribute or a <style> element", async () => {
    expect(await problemOf(svg('<rect width="9" height="9" style="fill: url(http://evil.example/p.svg#g)"/>'))).toBe("external-reference");
    expect(await problemOf(svg('<rect width="9" height="9" fill="url(\'https://evil.example/p#g\')"/>'))).toBe("external-reference");
    expect(await problemOf(svg("<style>rect { fill: url(//evil.example/x) }</style>"))).toBe("external-reference");
    expect(await problemOf(svg('<style>@import "https://evil.example/a.css";</style>'))).toBe("external-reference");
    // CSS escapes spell url( differently; they are decoded before checking.
    expect(await problemOf(svg('<rect width="9" height="9" style="fill: u\\72l(http://evil.example/x)"/>'))).toBe("external-reference");
  });

  it("refuses <foreignObject>", async () => {
    expect(await problemOf(svg('<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'))).toBe("foreign-object");
  });

  it("refuses an xml-stylesheet instruction, entity declarations, broken XML and non-SVG roots", async () => {
    expect(await problemOf(`<?xml-stylesheet href="https://evil.example/a.css"?>${svg("<rect/>")}`)).toBe("external-reference");
    expect(await problemOf(`<!DOCTYPE svg [<!ENTITY a "aaaa">]>${svg("<text>&a;</text>")}`)).toBe("entity");
    expect(await problemOf(svg("<rect>"))).toBe("invalid");
    expect(await problemOf("<html><body/></html>")).toBe("not-svg");
  });

  it("refuses absurdly deep nesting instead of overflowing the stack", async () => {
    expect(await problemOf(svg("<g>".repeat(500) + "</g>".repeat(500)))).toBe("too-complex");
  });
});

describe("SVG sanitiser: what passes", () => {
  it("a clean SVG passes, keeps its drawing and renders to a PNG", async () => {
    const source = `<?xml version="1.0"?><!-- made by hand -->${svg(
      '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient></defs>' +
      '<circle cx="32" cy="32" r="30" fill="url(#g)" stroke="#000" stroke-width="2"/><text x="32" y="36" text-anchor="middle">a &lt; b</text>',
    )}`;
    const clean = await sanitizeSvg(source);
    if (!clean.ok) throw new Error(clean.error);
    expect(clean.value).toContain('<circle cx="32" cy="32" r="30" fill="url(#g)" stroke="#000" stroke-width="2"/>');
    expect(clean.value).toContain("<text x=\"32\" y=\"36\" text-anchor=\"middle\">a &lt; b</text>");
    expect(clean.value).not.toContain("made by hand");
    const raster = await renderSvg(clean.value, 128);
    expect(raster && { width: raster.width, height: raster.height }).toEqual({ width: 128, height: 128 });
    const decoded = PNG.sync.read(raster!.png);
    // The centre pixel is inside the circle: not transparent.
    expect(decoded.data[(64 * 128 + 64) * 4 + 3]).toBe(255);
  });

  it("allows an embedded data:image/png and still renders", async () => {
    const uri = pngDataUri();
    const clean = await sanitizeSvg(svg(`<image xlink:href="${uri}" width="64" height="64"/><rect width="8" height="8" style="fill:url(#p)"/>`));
    if (!clean.ok) throw new Error(clean.error);
    expect(clean.value).toContain(`xlink:href="${uri}"`);
    expect(await renderSvg(clean.value, 64)).not.toBeNull();
  });

  it("drops editor metadata and unknown attributes, turns links to #fragments into groups", async () => {
    const source = `<svg ${NS} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" width="10" height="10">` +
      '<sodipodi:namedview id="nv" pagecolor="#fff"/><metadata>rdf</metadata>' +
      '<a href="#r"><rect id="r" inkscape:label="Layer 1" data-x="1" width="10" height="10"/></a></svg>';
    const clean = await sanitizeSvg(source);
    if (!clean.ok) throw new Error(clean.error);
    expect(clean.value).toBe(`<svg ${NS} width="10" height="10"><g><rect id="r" width="10" height="10"/></g></svg>`);
  });
});
