/** Inline SVG charts of the console (no library, no script): prints per hour, uptime over 24 h. */
import { esc } from "./html.ts";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2"];

/** Grouped bars: one group per hour, one bar per device. */
export function barChart(d: {
  hours: string[];
  series: Array<{ device: string; counts: number[] }>;
}): string {
  const w = 720;
  const hgt = 220;
  const pad = 30;
  const max = Math.max(1, ...d.series.flatMap((s) => s.counts));
  const groupW = (w - pad) / Math.max(1, d.hours.length);
  const barW = Math.max(1, (groupW - 2) / Math.max(1, d.series.length));
  const bars = d.series.flatMap((s, si) =>
    s.counts.map((n, hi) => {
      const bh = ((hgt - pad) * n) / max;
      const x = pad + hi * groupW + si * barW;
      return `<rect x="${x.toFixed(1)}" y="${(hgt - pad - bh).toFixed(1)}" width="${barW.toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(s.device)} ${esc(d.hours[hi])}:00 · ${n}</title></rect>`;
    }),
  );
  const labels = d.hours
    .map((h, i) =>
      i % 3 === 0
        ? `<text x="${pad + i * groupW}" y="${hgt - 12}" font-size="10">${esc(h.slice(11, 13))}h</text>`
        : "",
    )
    .join("");
  const legend = d.series
    .map(
      (s, i) =>
        `<text x="${pad + i * 90}" y="${hgt - 1}" font-size="11" fill="${COLORS[i % COLORS.length]}">■ ${esc(s.device)}</text>`,
    )
    .join("");
  return `<svg id="chart-prints" viewBox="0 0 ${w} ${hgt}" role="img" class="chart"><text x="0" y="12" font-size="10">${max}</text><line x1="${pad}" y1="${hgt - pad}" x2="${w}" y2="${hgt - pad}" stroke="#999"/>${bars.join("")}${labels}${legend}</svg>`;
}

/** One horizontal bar per device: the share of the observed last 24 h it was up. */
export function uptimeBars(
  rows: Array<{ device: string; uptime: number | null; observed_s: number }>,
): string {
  const w = 720;
  const rowH = 28;
  const body = rows
    .map((r, i) => {
      const y = i * rowH;
      const share = r.uptime ?? 0;
      const pct = r.uptime === null ? "—" : `${(share * 100).toFixed(1)} %`;
      return `<text x="0" y="${y + 18}" font-size="12">${esc(r.device)}</text><rect x="120" y="${y + 6}" width="${500}" height="16" fill="#fee2e2"/><rect x="120" y="${y + 6}" width="${(500 * share).toFixed(1)}" height="16" fill="#16a34a"/><text x="630" y="${y + 18}" font-size="12" data-uptime="${esc(r.device)}">${pct}</text>`;
    })
    .join("");
  return `<svg id="chart-uptime" viewBox="0 0 ${w} ${Math.max(rowH, rows.length * rowH)}" role="img" class="chart">${body}</svg>`;
}
