/**
 * Inline SVG charts rendered on the server: they print, need no script, and read the same in a
 * browser, a PDF and an e-mail client. Every label is HTML-escaped (keys come from release data).
 * Text is 12–13 px at the drawn size; colours are Okabe & Ito's (style.ts), and every series also
 * has a text label, so no meaning rests on colour alone.
 */
import { linearRegression } from 'simple-statistics';
import type { Decision, Verdict } from '../../analyzer/index.ts';
import { escapeHtml, formatRate } from './format.ts';
import { DECISION_COLORS, PALETTE } from './style.ts';
import type { GroupRow, WeekRow } from './types.ts';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString());

function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= x) ?? 10 * p;
}

/**
 * Where a chart is drawn: `wide` on a desktop or in print, `narrow` (340 px) on a phone — a 390 px
 * screen less the page's margins. Each chart has both layouts and `responsiveChart` lets CSS show
 * one, so no chart scrolls sideways on a phone and none shrinks its text below 12 px to fit.
 */
export type ChartLayout = 'wide' | 'narrow';
/** the drawn width of every narrow layout */
export const NARROW_WIDTH = 340;

/** Both layouts of a chart; the page's stylesheet (style.ts) shows the narrow one below 860 px. */
export function responsiveChart(draw: (layout: ChartLayout) => string): string {
  return `<div class="chart-wide">${draw('wide')}</div><div class="chart-narrow">${draw('narrow')}</div>`;
}

/** A generous width of `text` at `size` px in a system sans-serif (≈0.6 em a character), for clamping labels inside a chart. */
const textWidth = (text: string, size: number): number => text.length * size * 0.6;

/** `name` cut into lines of at most `max` characters, at its `_`, `.`, `-` or `:` where it can. */
export function wrapName(name: string, max: number): string[] {
  const lines: string[] = [];
  let rest = name;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(...['_', '.', '-', ':'].map((c) => window.lastIndexOf(c)));
    const at = cut > max / 3 ? cut + 1 : max;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  lines.push(rest);
  return lines;
}

function svg(label: string, w: number, h: number, parts: string[]): string {
  return `<svg class="chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" ${FONT}><title>${escapeHtml(label)}</title>${parts.join('')}</svg>`;
}

/** Least-squares line through the points that have a value (at least three), as [x0, y0, x1, y1]. */
export function trendLine(
  values: readonly (number | null)[],
): { slopePerStep: number; at: (i: number) => number } | null {
  const pts = values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [[i, v] as [number, number]]));
  if (pts.length < 3) return null;
  const { m, b } = linearRegression(pts);
  return { slopePerStep: m, at: (i) => m * i + b };
}

export interface WeeklySeries {
  title: string;
  /** unit shown after values on the axis and in tooltips */
  unit: string;
  values: (number | null)[];
  style: 'bars' | 'points';
  color: string;
  /** y axis fixed to [0, max] (rates in %); otherwise from the data */
  max?: number;
  /** which way is better, for the trend's words */
  better: 'up' | 'down';
}

/**
 * One DORA key per week: bars or points, and a dashed least-squares trend line with its direction
 * in words under the title. 340 px wide: fits a phone without shrinking the text.
 */
export function weeklySvg(weeks: readonly WeekRow[], s: WeeklySeries): string {
  const W = 340;
  const H = 200;
  const m = { top: 14, right: 12, bottom: 34, left: 60 };
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const present = s.values.filter((v): v is number => v !== null);
  const max = s.max ?? niceMax(Math.max(0, ...present));
  const step = weeks.length ? iw / weeks.length : iw;
  const x = (i: number): number => m.left + step * i + step / 2;
  const y = (v: number): number => m.top + ih - (Math.min(v, max) / max) * ih;
  const parts: string[] = [];
  for (const t of [0, 0.5, 1]) {
    const gy = m.top + ih - t * ih;
    parts.push(`<line x1="${m.left}" x2="${m.left + iw}" y1="${gy}" y2="${gy}" stroke="${PALETTE.grid}"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${gy + 4}" text-anchor="end" font-size="12" fill="${PALETTE.muted}">${fmt(max * t)}${escapeHtml(s.unit)}</text>`,
    );
  }
  weeks.forEach((w, i) => {
    const v = s.values[i];
    const label = `week of ${new Date(w.start).toISOString().slice(0, 10)}: ${v === null ? 'no data' : `${fmt(v)}${s.unit}`}`;
    if (v !== null && s.style === 'bars') {
      const bw = Math.max(3, step * 0.62);
      parts.push(
        `<rect x="${(x(i) - bw / 2).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(m.top + ih - y(v)).toFixed(1)}" fill="${s.color}"><title>${escapeHtml(label)}</title></rect>`,
      );
    } else if (v !== null) {
      parts.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${s.color}" stroke="#fff"><title>${escapeHtml(label)}</title></circle>`,
      );
    }
  });
  // week labels: first, middle, last (dates, 12 px)
  const ticks = [...new Set([0, Math.floor((weeks.length - 1) / 2), weeks.length - 1])].filter((i) => i >= 0);
  for (const i of ticks) {
    const d = new Date(weeks[i].start).toISOString().slice(5, 10);
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle" font-size="12" fill="${PALETTE.ink}">${d}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + iw / 2}" y="${H - 4}" text-anchor="middle" font-size="12" fill="${PALETTE.muted}">week starting (month-day)</text>`,
  );
  const trend = trendLine(s.values);
  if (trend) {
    const x0 = 0;
    const x1 = weeks.length - 1;
    parts.push(
      `<line x1="${x(x0).toFixed(1)}" y1="${y(Math.max(0, trend.at(x0))).toFixed(1)}" x2="${x(x1).toFixed(1)}" y2="${y(Math.max(0, trend.at(x1))).toFixed(1)}" stroke="${PALETTE.ink}" stroke-width="2" stroke-dasharray="6 4"><title>trend (least squares)</title></line>`,
    );
  }
  return svg(`${s.title} per week${trend ? `, trend ${trendWords(trend.slopePerStep, s)}` : ''}`, W, H, parts);
}

/** The trend in words: its slope over the whole span, and whether that is the better way. */
export function trendWords(slopePerWeek: number, s: Pick<WeeklySeries, 'unit' | 'better' | 'values'>): string {
  const span = Math.max(1, s.values.length - 1);
  const change = slopePerWeek * span;
  if (Math.abs(change) < 1e-9) return 'flat';
  const dir = change > 0 ? 'up' : 'down';
  return `${dir} ${fmt(Math.abs(change))}${s.unit} over ${span} weeks (${dir === s.better ? 'better' : 'worse'})`;
}

/**
 * A bar per release class: change failure rate, with the number of releases behind it. Wide: the
 * class left of its bar and the figure right of it; narrow: the class and the figure above the bar.
 */
export function classBarsSvg(rows: readonly GroupRow[], layout: ChartLayout = 'wide'): string {
  const narrow = layout === 'narrow';
  const W = narrow ? NARROW_WIDTH : 640;
  const rowH = narrow ? 44 : 28;
  const left = narrow ? 0 : 190;
  const right = narrow ? 0 : 110;
  const H = 16 + rows.length * rowH + 8;
  const iw = W - left - right;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y0 = 12 + i * rowH;
    const rate = row.changeFailureRate ?? 0;
    const key = escapeHtml(row.key);
    const figure = `${formatRate(row.changeFailureRate)} of ${row.releases}`;
    const barY = narrow ? y0 + 20 : y0 + 3;
    if (narrow) {
      parts.push(`<text x="0" y="${y0 + 12}" font-size="13" fill="${PALETTE.ink}">${key}</text>`);
      parts.push(
        `<text x="${W}" y="${y0 + 12}" text-anchor="end" font-size="13" fill="${PALETTE.ink}">${figure}</text>`,
      );
    } else {
      parts.push(
        `<text x="${left - 8}" y="${y0 + 16}" text-anchor="end" font-size="13" fill="${PALETTE.ink}">${key}</text>`,
      );
      parts.push(`<text x="${left + iw + 6}" y="${y0 + 16}" font-size="13" fill="${PALETTE.ink}">${figure}</text>`);
    }
    parts.push(`<rect x="${left}" y="${barY}" width="${iw}" height="${20}" fill="#eef0f2"/>`);
    parts.push(
      `<rect class="failure-bar" x="${left}" y="${barY}" width="${(rate * iw).toFixed(1)}" height="${20}" fill="${PALETTE.vermillion}"><title>${key}: ${figure}</title></rect>`,
    );
  });
  return svg('Change failure rate per release class', W, H, parts);
}

export interface TimelineMark {
  at: number;
  label: string;
}

/**
 * The decision timeline of one release: the score of every look as a step line (0–100), a strip
 * under it coloured by the decision of each look with the decision's name written at each
 * change, and dashed vertical marks (onset, actions, restore). x is minutes from the release's
 * start — the one clock of the demo's story.
 */
export function timelineSvg(
  verdicts: readonly Verdict[],
  startedAt: number,
  marks: readonly TimelineMark[],
  layout: ChartLayout = 'wide',
): string {
  const narrow = layout === 'narrow';
  const W = narrow ? NARROW_WIDTH : 720;
  const m = { top: 30, right: narrow ? 12 : 20, bottom: narrow ? 92 : 78, left: narrow ? 36 : 44 };
  const H = 172 + m.bottom;
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const minutes = (t: number): number => (t - startedAt) / 60_000;
  const last = Math.max(1, ...verdicts.map((v) => minutes(v.at)), ...marks.map((k) => minutes(k.at)));
  const maxX = niceMax(last);
  const x = (min: number): number => m.left + (Math.max(0, min) / maxX) * iw;
  const y = (score: number): number => m.top + ih - (score / 100) * ih;
  /** a label's x, moved left so that it ends inside the chart */
  const labelX = (at: number, text: string): number => Math.max(0, Math.min(at, W - 2 - textWidth(text, 12)));
  const parts: string[] = [];
  for (const t of [0, 50, 100]) {
    parts.push(`<line x1="${m.left}" x2="${m.left + iw}" y1="${y(t)}" y2="${y(t)}" stroke="${PALETTE.grid}"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="12" fill="${PALETTE.muted}">${t}</text>`,
    );
  }
  parts.push(`<text x="4" y="${m.top - 12}" font-size="12" fill="${PALETTE.muted}">score</text>`);
  const ticks = narrow ? 4 : 5;
  for (let k = 0; k <= ticks; k++) {
    const min = (maxX * k) / ticks;
    parts.push(
      `<text x="${x(min).toFixed(1)}" y="${m.top + ih + 16}" text-anchor="middle" font-size="12" fill="${PALETTE.ink}">${fmt(min)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + iw / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="${PALETTE.muted}">minutes from the release's start</text>`,
  );
  const sorted = [...verdicts].sort((a, b) => a.at - b.at);
  if (sorted.length) {
    const pts: string[] = [];
    sorted.forEach((v, i) => {
      if (i > 0) pts.push(`${x(minutes(v.at)).toFixed(1)},${y(sorted[i - 1].score).toFixed(1)}`);
      pts.push(`${x(minutes(v.at)).toFixed(1)},${y(v.score).toFixed(1)}`);
    });
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${PALETTE.blue}" stroke-width="2"/>`);
    // decision strip: one segment per look, to the next look (the last one a minute wide)
    const stripY = m.top + ih + 24;
    let previous: Decision | undefined;
    let changes = 0;
    sorted.forEach((v, i) => {
      const x0 = x(minutes(v.at));
      const x1 =
        i + 1 < sorted.length ? x(minutes(sorted[i + 1].at)) : Math.min(m.left + iw, x0 + Math.max(4, iw / maxX));
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${stripY}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="14" fill="${DECISION_COLORS[v.decision] ?? '#999'}"><title>minute ${fmt(minutes(v.at))}: ${escapeHtml(v.decision)} (score ${Math.round(v.score)})</title></rect>`,
      );
      if (v.decision !== previous) {
        const label = `${v.decision} @${fmt(minutes(v.at))}`;
        // on a phone, consecutive changes alternate between two rows so their names do not overlap
        const row = narrow ? changes % 2 : 0;
        parts.push(`<path d="M${x0.toFixed(1)},${stripY + 16} l-5,8 h10 z" fill="${PALETTE.ink}"/>`);
        parts.push(
          `<text x="${labelX(x0, label).toFixed(1)}" y="${stripY + 36 + row * 14}" font-size="12" fill="${PALETTE.ink}">${escapeHtml(label)}</text>`,
        );
        changes++;
      }
      previous = v.decision;
    });
  }
  marks.forEach((k, i) => {
    const kx = x(minutes(k.at));
    const label = `${k.label} @${fmt(minutes(k.at))}`;
    parts.push(
      `<line x1="${kx.toFixed(1)}" x2="${kx.toFixed(1)}" y1="${m.top}" y2="${m.top + ih}" stroke="${PALETTE.ink}" stroke-dasharray="3 3"/>`,
    );
    parts.push(
      `<text x="${labelX(kx + 3, label).toFixed(1)}" y="${m.top - 2 - (i % 2) * 13}" font-size="12" fill="${PALETTE.ink}">${escapeHtml(label)}</text>`,
    );
  });
  return svg('Decision timeline: score of every look and its decision, by minute from the release start', W, H, parts);
}

export interface EffectRow {
  metric: string;
  relative: number;
  low: number;
  high: number;
  /** the harmful side's tolerance as a signed fraction (+0.25: harm above +25%; −0.1: below −10%) */
  tolerance?: number;
  classification: string;
}

/**
 * Effects with their intervals against the tolerance (a forest plot): one row per metric, the
 * interval as a bar, the estimate as a diamond, the tolerance as a dashed line. Values beyond the
 * axis are clipped and drawn with an arrow; the numbers are written out. Wide: the metric left of
 * its bar and the numbers right of it; narrow (a phone): the metric's name (cut at its `_` when
 * long), its result and the numbers above a bar as wide as the chart.
 */
export function effectsSvg(rows: readonly EffectRow[], layout: ChartLayout = 'wide'): string {
  const narrow = layout === 'narrow';
  const W = narrow ? NARROW_WIDTH : 780;
  const left = narrow ? 14 : 290;
  const right = narrow ? 14 : 200;
  const iw = W - left - right;
  const pct = (v: number): string =>
    Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%` : v > 0 ? '+∞' : '−∞';
  const numbers = (r: EffectRow): string => `${pct(r.relative)} [${pct(r.low)}, ${pct(r.high)}]`;
  // narrow rows: the name's lines (13 px, ≤ 44 characters each), a line for result and numbers, the bar
  const names = rows.map((r) => (narrow ? wrapName(r.metric, 44) : [r.metric]));
  const rowHeights = names.map((lines) => (narrow ? lines.length * 16 + 18 + 22 : 34));
  const top = narrow ? 8 : 30;
  const rowTops = rowHeights.map((_, i) => top + rowHeights.slice(0, i).reduce((a, b) => a + b, 0));
  const rowsEnd = top + rowHeights.reduce((a, b) => a + b, 0);
  const H = rowsEnd + (narrow ? 44 : 24);
  const finite = (v: number): number => (Number.isFinite(v) ? v : v > 0 ? 10 : -1);
  const lo = Math.max(-1, Math.min(-0.5, ...rows.map((r) => finite(r.low)), ...rows.map((r) => r.tolerance ?? 0)));
  const hi = Math.min(4, Math.max(0.5, ...rows.map((r) => finite(r.high)), ...rows.map((r) => r.tolerance ?? 0)));
  const x = (v: number): number => left + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * iw;
  const axisY = narrow ? rowsEnd + 16 : H - 6;
  const parts: string[] = [];
  // no change: one line through every row (on a phone, a mark at each bar, clear of the names above it)
  if (!narrow) parts.push(`<line x1="${x(0)}" x2="${x(0)}" y1="18" y2="${H - 20}" stroke="${PALETTE.muted}"/>`);
  // the 0 tick only where it does not overlap an end's label
  const ticks = [lo, ...(x(0) - x(lo) > 48 && x(hi) - x(0) > 48 ? [0] : []), hi];
  for (const t of ticks) {
    // on a phone the end labels sit inside the chart, flush with its edges
    const anchor = narrow && t === lo ? 'start' : narrow && t === hi ? 'end' : 'middle';
    const tx = narrow && t === lo ? 0 : narrow && t === hi ? W : x(t);
    parts.push(
      `<text x="${tx.toFixed(1)}" y="${axisY}" text-anchor="${anchor}" font-size="12" fill="${PALETTE.muted}">${pct(t)}</text>`,
    );
  }
  if (!narrow)
    parts.push(`<text x="${left + iw + 8}" y="14" font-size="12" fill="${PALETTE.muted}">effect [interval]</text>`);
  rows.forEach((r, i) => {
    const color =
      r.classification === 'high' || r.classification === 'low'
        ? PALETTE.vermillion
        : r.classification === 'pass'
          ? PALETTE.green
          : PALETTE.blue;
    let cy: number;
    if (narrow) {
      const y0 = rowTops[i];
      names[i].forEach((line, k) =>
        parts.push(
          `<text x="0" y="${y0 + 13 + k * 16}" font-size="13" font-weight="600" fill="${PALETTE.ink}">${escapeHtml(line)}</text>`,
        ),
      );
      const detailY = y0 + names[i].length * 16 + 12;
      parts.push(
        `<text x="0" y="${detailY}" font-size="12" fill="${PALETTE.ink}">${escapeHtml(r.classification)} · effect ${numbers(r)}</text>`,
      );
      cy = detailY + 16;
    } else {
      cy = 34 + i * 34;
      parts.push(
        `<text x="${left - 8}" y="${cy + 4}" text-anchor="end" font-size="13" fill="${PALETTE.ink}">${escapeHtml(r.metric)}</text>`,
      );
      parts.push(
        `<text x="${left - 8}" y="${cy + 18}" text-anchor="end" font-size="12" fill="${PALETTE.muted}">${escapeHtml(r.classification)}</text>`,
      );
    }
    if (narrow) parts.push(`<line x1="${x(0)}" x2="${x(0)}" y1="${cy - 9}" y2="${cy + 9}" stroke="${PALETTE.muted}"/>`);
    if (r.tolerance !== undefined) {
      parts.push(
        `<line x1="${x(r.tolerance).toFixed(1)}" x2="${x(r.tolerance).toFixed(1)}" y1="${cy - (narrow ? 9 : 12)}" y2="${cy + (narrow ? 9 : 12)}" stroke="${PALETTE.orange}" stroke-width="2" stroke-dasharray="4 3"><title>tolerance ${pct(r.tolerance)}</title></line>`,
      );
    }
    parts.push(
      `<line x1="${x(r.low).toFixed(1)}" x2="${x(r.high).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="${color}" stroke-width="4"><title>${escapeHtml(r.metric)}: ${numbers(r)}</title></line>`,
    );
    const arrow = narrow ? 6 : 8;
    if (finite(r.high) > hi) parts.push(`<path d="M${x(hi) + arrow},${cy} l-${arrow},-6 v12 z" fill="${color}"/>`);
    if (finite(r.low) < lo) parts.push(`<path d="M${x(lo) - arrow},${cy} l${arrow},-6 v12 z" fill="${color}"/>`);
    parts.push(`<path d="M${x(r.relative).toFixed(1)},${cy - 7} l7,7 l-7,7 l-7,-7 z" fill="${PALETTE.ink}"/>`);
    if (!narrow)
      parts.push(`<text x="${left + iw + 8}" y="${cy + 4}" font-size="13" fill="${PALETTE.ink}">${numbers(r)}</text>`);
  });
  parts.push(
    `<g font-size="12" fill="${PALETTE.ink}"><line x1="8" x2="24" y1="${H - 10}" y2="${H - 10}" stroke="${PALETTE.orange}" stroke-width="2" stroke-dasharray="4 3"/><text x="28" y="${H - 6}">tolerance</text><path d="M100,${H - 17} l7,7 l-7,7 l-7,-7 z" fill="${PALETTE.ink}"/><text x="112" y="${H - 6}">estimate</text></g>`,
  );
  return svg('Effect of each metric with its interval, against the tolerance', W, H, parts);
}
