// QR codes of a credential's public URL, drawn by us from qrcode's module matrix: inline SVG for the
// page (no script, no external file) and vector squares in the PDF (realparts.md §7).

// qrcode loads on first use: every CLI command imports the app (as raster.ts does for resvg).
let qrModule: Promise<typeof import("qrcode")> | undefined;
const loadQr = () => (qrModule ??= import("qrcode"));

/** Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4). */
export const QUIET_ZONE = 4;

/** The dark modules of a QR code, as horizontal runs per row (a run = one rectangle to draw). */
export interface QrMatrix {
  size: number;
  runs: Array<{ x: number; y: number; length: number }>;
}

/** Encodes `text` (error correction M: survives a little dirt or a logo-free print). */
export async function qrMatrix(text: string): Promise<QrMatrix> {
  const { create } = await loadQr();
  const { modules } = create(text, { errorCorrectionLevel: "M" });
  const runs: QrMatrix["runs"] = [];
  for (let y = 0; y < modules.size; y++) {
    let start = -1;
    for (let x = 0; x <= modules.size; x++) {
      const dark = x < modules.size && modules.get(y, x) === 1;
      if (dark && start < 0) start = x;
      if (!dark && start >= 0) {
        runs.push({ x: start, y, length: x - start });
        start = -1;
      }
    }
  }
  return { size: modules.size, runs };
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A standalone SVG of the QR code of `text`, `pixels` wide, labelled for screen readers. Only
 * numbers come from the matrix; the label is escaped, so the result is safe to inline in a page.
 */
export async function qrSvg(text: string, label: string, pixels = 160): Promise<string> {
  const m = await qrMatrix(text);
  const side = m.size + QUIET_ZONE * 2;
  const d = m.runs.map((r) => `M${r.x + QUIET_ZONE} ${r.y + QUIET_ZONE}h${r.length}v1h-${r.length}z`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels}" height="${pixels}" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges" role="img" aria-label="${escapeXml(label)}">` +
    `<title>${escapeXml(label)}</title><rect width="${side}" height="${side}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
