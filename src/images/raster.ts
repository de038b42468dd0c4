// The rasteriser and PNG codec load on first use: every CLI command imports the app, and these
// native/large modules would add a noticeable delay to each one.
let resvgModule: Promise<typeof import("@resvg/resvg-js")> | undefined;
let pngModule: Promise<typeof import("pngjs")> | undefined;
const loadResvg = () => (resvgModule ??= import("@resvg/resvg-js"));
const loadPng = () => (pngModule ??= import("pngjs"));

/** A decoded raster: its PNG bytes and size in pixels. */
export interface Raster {
  png: Buffer;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the bytes start with the PNG signature (PNG spec §5.2). */
export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** The size a PNG declares in its IHDR chunk (always first, PNG spec §5.6), read before decoding. */
export function declaredPngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Really decodes a PNG (CRCs and zlib stream checked by pngjs) and re-encodes it: the rendition
 * then carries no metadata chunks from the upload (EXIF, or an earlier baked `openbadges` chunk
 * that would clash with our own baking). Null when the file is damaged or truncated.
 */
export async function decodePng(bytes: Uint8Array): Promise<Raster | null> {
  const { PNG } = await loadPng();
  try {
    const image = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { png: PNG.sync.write(image), width: image.width, height: image.height };
  } catch {
    return null;
  }
}

/**
 * Draws an SVG as a PNG `width` pixels wide; null when resvg cannot read it. System fonts are only
 * loaded when there is text (loading them costs ~100 ms); a machine without the default font
 * draws no text rather than failing.
 */
export async function renderSvg(svg: string, width: number): Promise<Raster | null> {
  const { Resvg } = await loadResvg();
  try {
    const hasText = /<text[\s>]/.test(svg);
    const resvg = new Resvg(svg, {
      fitTo: { mode: "width", value: width },
      font: { loadSystemFonts: hasText, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
      logLevel: "off",
    });
    const rendered = resvg.render();
    return { png: rendered.asPng(), width: rendered.width, height: rendered.height };
  } catch {
    return null;
  }
}
