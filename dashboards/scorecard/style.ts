/**
 * What the gate's pages share: the stylesheet (inline: the pages' CSP allows inline styles only,
 * and no script), the colour-blind-safe palette, and the document frame with its navigation.
 *
 * Palette: Okabe & Ito's eight colours, distinguishable with the common colour-vision
 * deficiencies. Colour never carries meaning alone: every mark has a text label or a shape.
 * Text is at least 12 px at the size a chart is drawn; a chart wider than a phone has a narrow
 * layout too (charts.ts, `responsiveChart`), shown below 860 px, so nothing scrolls sideways and no
 * text shrinks to fit.
 */
import { escapeHtml } from './format.ts';

export const PALETTE = {
  blue: '#0072B2',
  orange: '#E69F00',
  vermillion: '#D55E00',
  green: '#009E73',
  sky: '#56B4E9',
  purple: '#CC79A7',
  yellow: '#F0E442',
  ink: '#1d232a',
  muted: '#4f5964',
  grid: '#d0d5da',
} as const;

/** One colour per decision, the same on every page. */
export const DECISION_COLORS: Record<string, string> = {
  continue: PALETTE.sky,
  promote: PALETTE.green,
  'reduce-traffic': PALETTE.orange,
  rollback: PALETTE.vermillion,
  inconclusive: PALETTE.purple,
};

export const PAGE_CSS = `
:root { --ink: ${PALETTE.ink}; --muted: ${PALETTE.muted}; --line: #d9dee3; --bad: #b3441a; --good: #00734f; --accent: ${PALETTE.blue}; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 48px; background: #fff; }
nav.top { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 10px 24px; background: #24313d; }
nav.top a { color: #fff; text-decoration: none; font-weight: 600; } nav.top a:hover, nav.top a:focus { text-decoration: underline; }
a { color: #005a8c; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.period, .sub { color: var(--muted); margin: 0 0 16px; }
.lead { font-size: 16px; max-width: 75ch; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tile .label { color: var(--muted); font-size: 13px; } .tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .note { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap: 16px 24px; } .charts .trend { font-size: 13px; color: var(--muted); margin: 0 0 4px; } figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
.chart-wrap { overflow-x: auto; }
.chart-narrow { display: none; }
@media screen and (max-width: 859px) { .chart-wide { display: none; } .chart-narrow { display: block; } }
svg.chart { display: block; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; overflow-wrap: anywhere; min-width: 9em; }
thead th { background: #eef1f4; font-weight: 600; font-size: 13px; white-space: normal; vertical-align: bottom; }
.scroll { overflow-x: auto; }
table.list th, table.list td { text-align: left; }
table.list td.n, table.list th.n { text-align: right; }
td.bad, .bad { color: var(--bad); font-weight: 600; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; font-weight: 600; border: 2px solid; background: #fff; }
.warnings { border-left: 4px solid #b58900; background: #fff8e1; padding: 8px 12px; }
.notes { color: var(--muted); font-size: 13px; } .notes dt { font-weight: 600; color: var(--ink); }
ul.reasons { margin: 4px 0; padding-left: 20px; }
.tag { font-size: 13px; color: var(--muted); }
.scroll:focus-visible, .chart-wrap:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; } main { max-width: none; padding: 0; } nav.top { display: none; }
  h2 { break-after: avoid; } table, figure, .tile { break-inside: avoid; } tr { break-inside: avoid; }
  thead { display: table-header-group; } .tiles { grid-template-columns: repeat(6, 1fr); }
}`;

/** A decision as a badge: its colour as a border, its name as text (never colour alone). */
export function decisionBadge(decision: string | undefined): string {
  if (!decision) return '<span class="badge" style="border-color:#999">no verdict yet</span>';
  const color = DECISION_COLORS[decision] ?? '#999';
  return `<span class="badge" style="border-color:${color}">${escapeHtml(decision)}</span>`;
}

/**
 * The frame of every page. `base` is the path from the page to the gate's root ('' at `/x`,
 * '../' at `/x/y`): links stay relative so a gate behind a path prefix still works.
 */
export function pageDocument(title: string, body: string, base = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head>
<body><nav class="top" aria-label="release-health"><a href="${base}./">Releases</a><a href="${base}scorecards">Scorecard</a><a href="${base}openapi.json">API (OpenAPI)</a><a href="${base}metrics">Metrics</a></nav>
<main>
${body}
</main></body></html>
`;
}
