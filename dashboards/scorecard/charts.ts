/**
 * Inline SVG charts rendered on the server: they print, need no script, and read the same in a
 * browser, a PDF and an e-mail client. Every label is HTML-escaped (keys come from release data).
 */
import { escapeHtml, formatRate } from './format.ts';
import type { GroupRow, MonthRow } from './types.ts';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const RELEASE_COLOR = '#4c78a8';
const FAIL_COLOR = '#e45756';

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= x) ?? 10 * p;
}

/**
 * Trend per month: bars for releases (left axis), a line for the change failure rate (right
 * axis, 0-100%). Months without releases show no rate point.
 */
export function monthlyTrendSvg(months: readonly MonthRow[]): string {
  const W = 640;
  const H = 240;
  const m = { top: 20, right: 48, bottom: 36, left: 40 };
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const maxReleases = niceMax(Math.max(0, ...months.map((x) => x.releases)));
  const step = months.length ? iw / months.length : iw;
  const barW = Math.max(4, Math.min(48, step * 0.6));
  const y = (v: number): number => m.top + ih - (v / maxReleases) * ih;
  const yRate = (r: number): number => m.top + ih - r * ih;
  const parts: string[] = [];
  for (const t of [0, 0.5, 1]) {
    const gy = m.top + ih - t * ih;
    parts.push(`<line x1="${m.left}" x2="${m.left + iw}" y1="${gy}" y2="${gy}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${gy + 4}" text-anchor="end" font-size="11" fill="#555">${maxReleases * t}</text>`);
    parts.push(`<text x="${m.left + iw + 6}" y="${gy + 4}" font-size="11" fill="${FAIL_COLOR}">${t * 100}%</text>`);
  }
  const points: string[] = [];
  months.forEach((row, i) => {
    const cx = m.left + step * i + step / 2;
    const label = escapeHtml(row.month);
    parts.push(
      `<rect x="${(cx - barW / 2).toFixed(1)}" y="${y(row.releases).toFixed(1)}" width="${barW.toFixed(1)}" height="${(m.top + ih - y(row.releases)).toFixed(1)}" fill="${RELEASE_COLOR}"><title>${label}: ${row.releases} releases</title></rect>`,
    );
    parts.push(`<text x="${cx.toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle" font-size="11" fill="#333">${label}</text>`);
    if (row.changeFailureRate !== null) points.push(`${cx.toFixed(1)},${yRate(row.changeFailureRate).toFixed(1)}`);
  });
  if (points.length > 1) parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${FAIL_COLOR}" stroke-width="2"/>`);
  for (const p of points) {
    const [px, py] = p.split(',');
    parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${FAIL_COLOR}"/>`);
  }
  parts.push(
    `<g font-size="11"><rect x="${m.left}" y="4" width="10" height="10" fill="${RELEASE_COLOR}"/><text x="${m.left + 14}" y="13">releases</text>` +
      `<line x1="${m.left + 80}" x2="${m.left + 96}" y1="9" y2="9" stroke="${FAIL_COLOR}" stroke-width="2"/><text x="${m.left + 100}" y="13">change failure rate</text></g>`,
  );
  return `<svg class="chart" role="img" aria-label="Releases and change failure rate per month" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ${FONT}>${parts.join('')}</svg>`;
}

/** A bar per release class: change failure rate, with the number of releases behind it. */
export function classBarsSvg(rows: readonly GroupRow[]): string {
  const W = 640;
  const rowH = 26;
  const left = 170;
  const right = 90;
  const H = 16 + rows.length * rowH + 8;
  const iw = W - left - right;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y0 = 12 + i * rowH;
    const rate = row.changeFailureRate ?? 0;
    const key = escapeHtml(row.key);
    parts.push(`<text x="${left - 8}" y="${y0 + 15}" text-anchor="end" font-size="12" fill="#333">${key}</text>`);
    parts.push(`<rect x="${left}" y="${y0 + 3}" width="${iw}" height="${rowH - 8}" fill="#f1f1f1"/>`);
    parts.push(
      `<rect x="${left}" y="${y0 + 3}" width="${(rate * iw).toFixed(1)}" height="${rowH - 8}" fill="${FAIL_COLOR}"><title>${key}: ${formatRate(row.changeFailureRate)} of ${row.releases}</title></rect>`,
    );
    parts.push(`<text x="${left + iw + 6}" y="${y0 + 15}" font-size="12" fill="#333">${formatRate(row.changeFailureRate)} of ${row.releases}</text>`);
  });
  return `<svg class="chart" role="img" aria-label="Change failure rate per release class" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ${FONT}>${parts.join('')}</svg>`;
}
