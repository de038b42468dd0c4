const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** One bar of a chart. */
export interface Bar {
  label: string;
  value: number;
}

/**
 * A small accessible SVG bar chart rendered on the server (no JavaScript, no dependency):
 * realparts.md §6 found a hand-rolled chart the simplest fit for a few dashboard figures.
 */
export function barChartSvg(bars: Bar[], title: string, width = 640, height = 220): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const pad = { top: 16, bottom: 36, left: 8, right: 8 };
  const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
  const plot = height - pad.top - pad.bottom;
  const items = bars.map((b, i) => {
    const h = Math.round((b.value / max) * plot);
    const x = pad.left + i * slot + slot * 0.15;
    const y = pad.top + plot - h;
    const w = slot * 0.7;
    const label = escapeXml(b.label);
    return `<g><title>${label} : ${b.value}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${h}" fill="#1d3f91"/>` +
      `<text x="${(x + w / 2).toFixed(1)}" y="${height - 20}" font-size="11" text-anchor="middle" fill="#4a5263">${label}</text>` +
      (b.value ? `<text x="${(x + w / 2).toFixed(1)}" y="${y - 3}" font-size="11" text-anchor="middle" fill="#1b1f2a">${b.value}</text>` : "") + "</g>";
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" class="chart">` +
    `<title>${escapeXml(title)}</title><line x1="${pad.left}" y1="${pad.top + plot}" x2="${width - pad.right}" y2="${pad.top + plot}" stroke="#cfd5e2"/>${items.join("")}</svg>`;
}
