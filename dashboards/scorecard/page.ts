/**
 * The scorecard page for leadership: one self-contained HTML document (inline CSS with print
 * styles, inline SVG charts, no script), printable to PDF from the browser. Served by the gate
 * (`GET /scorecards`) and written by `release-health scorecard --format html`.
 *
 * Every text from data is HTML-escaped: release ids, services and classes come from API callers.
 * Each figure carries `data-figure="<scope>.<key>"` (scope `overall`, `<dimension>:<key>`,
 * `month:<YYYY-MM>` or `release:<id>`) so tests and scrapers read them without parsing layout.
 */
import { classBarsSvg, monthlyTrendSvg } from './charts.ts';
import { escapeHtml, FIGURE_COLUMNS, formatCount, formatDate, formatMinutes } from './format.ts';
import { DIMENSION_LABELS, DIMENSIONS } from './types.ts';
import type { GroupRow, Scorecard, ScorecardFigures } from './types.ts';

/** Releases listed individually at most (the rest are in the groups and in the JSON/CSV). */
export const MAX_RELEASE_ROWS = 500;

export interface PageOptions {
  title?: string;
  /** shown in the header; the page has no clock of its own */
  generatedAt?: number;
}

const CSS = `
:root { --ink: #1d232a; --muted: #5b6570; --line: #d9dee3; --bad: #c0392b; --good: #2e7d32; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
.period { color: var(--muted); margin: 0 0 18px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 10px; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tile .label { color: var(--muted); font-size: 12px; } .tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; } .charts figure { margin: 0; } .charts figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; overflow-wrap: anywhere; min-width: 9em; }
thead th { background: #eef1f4; font-weight: 600; font-size: 12px; white-space: normal; vertical-align: bottom; }
.scroll { overflow-x: auto; }
table.list th, table.list td { text-align: left; }
table.list td.n, table.list th.n { text-align: right; }
td.bad { color: var(--bad); font-weight: 600; }
.warnings { border-left: 4px solid #e0a800; background: #fff8e1; padding: 8px 12px; }
.notes { color: var(--muted); font-size: 12px; } .notes dt { font-weight: 600; color: var(--ink); }
@media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; } main { max-width: none; padding: 0; }
  h2 { break-after: avoid; } table, figure, .tile { break-inside: avoid; } tr { break-inside: avoid; }
  thead { display: table-header-group; } .tiles { grid-template-columns: repeat(6, 1fr); }
}`;

function figureCells(scope: string, f: ScorecardFigures): string {
  return FIGURE_COLUMNS.map((c) => {
    const bad = c.key === 'changeFailureRate' && (f.changeFailureRate ?? 0) > 0.15;
    return `<td data-figure="${escapeHtml(`${scope}.${c.key}`)}"${bad ? ' class="bad"' : ''}>${escapeHtml(c.format(f))}</td>`;
  }).join('');
}

function figureTable(firstColumn: string, rows: readonly { scope: string; label: string; figures: ScorecardFigures }[]): string {
  const head = `<tr><th>${escapeHtml(firstColumn)}</th>${FIGURE_COLUMNS.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr><td>${escapeHtml(r.label)}</td>${figureCells(r.scope, r.figures)}</tr>`).join('');
  return `<div class="scroll"><table><thead>${head}</thead><tbody>${body || `<tr><td colspan="${FIGURE_COLUMNS.length + 1}">No releases in this period.</td></tr>`}</tbody></table></div>`;
}

function tiles(o: ScorecardFigures): string {
  return `<section class="tiles">${FIGURE_COLUMNS.map(
    (c) => `<div class="tile"><div class="label">${escapeHtml(c.title)}</div><div class="value" data-figure="overall.${c.key}">${escapeHtml(c.format(o))}</div></div>`,
  ).join('')}</section>`;
}

function groupRows(dimension: string, rows: readonly GroupRow[]): { scope: string; label: string; figures: ScorecardFigures }[] {
  return rows.map((r) => ({ scope: `${dimension}:${r.key}`, label: r.key, figures: r }));
}

function releaseTable(card: Scorecard): string {
  const shown = card.releases.slice(0, MAX_RELEASE_ROWS);
  const head = '<tr><th>Release</th><th>Service</th><th>Environment</th><th>Tenant tier</th><th>Class</th><th>Started</th><th>Decision</th><th class="n">Onset → verdict</th><th class="n">Time to restore</th><th class="n">Orders protected</th></tr>';
  const body = shown
    .map((r) => {
      const scope = `release:${r.id}`;
      const cells = [
        r.service, r.environment, r.tenantTier, r.releaseClass, formatDate(r.startedAt), r.decision ?? '—',
      ].map((x) => `<td>${escapeHtml(x)}</td>`);
      return `<tr><td>${escapeHtml(r.id)}</td>${cells.join('')}` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.timeToVerdictMs`)}">${formatMinutes(r.timeToVerdictMs)}</td>` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.timeToRestoreMs`)}">${formatMinutes(r.timeToRestoreMs)}</td>` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.ordersProtected`)}">${formatCount(r.ordersProtected)}</td></tr>`;
    })
    .join('');
  const more = card.releases.length > shown.length ? `<p class="notes">${card.releases.length - shown.length} more releases are in the JSON and CSV formats.</p>` : '';
  return `<div class="scroll"><table class="list"><thead>${head}</thead><tbody>${body}</tbody></table></div>${more}`;
}

const NOTES = `<dl class="notes">
<dt>Change failure rate</dt><dd>Releases with a rollback or reduce-traffic verdict, over all releases started in the period.</dd>
<dt>Onset → verdict</dt><dd>From the recorded regression onset (else the release's start, an upper bound) to the first rollback or reduce-traffic verdict.</dd>
<dt>Time to restore</dt><dd>From the rollback verdict to the first restoring action (webhook, Traefik weights) that succeeded.</dd>
<dt>Business impact avoided</dt><dd>Canary traffic share × rest of the observation window (checkout minutes), and for order metrics the order rate × share × the smallest loss consistent with the data × rest of the window: a lower bound.</dd>
</dl>`;

export function renderScorecardPage(card: Scorecard, options: PageOptions = {}): string {
  const title = options.title ?? 'Release scorecard';
  const generated = options.generatedAt === undefined ? '' : ` · generated ${escapeHtml(formatDate(options.generatedAt))}`;
  const groups = DIMENSIONS.map(
    (d) => `<h2>By ${escapeHtml(DIMENSION_LABELS[d].toLowerCase())}</h2>${figureTable(DIMENSION_LABELS[d], groupRows(d, card.groups[d]))}`,
  ).join('');
  const months = figureTable('Month', card.months.map((m) => ({ scope: `month:${m.month}`, label: m.month, figures: m })));
  const warnings = card.warnings.length
    ? `<section class="warnings"><strong>Caveats</strong><ul>${card.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
<p class="period">${escapeHtml(formatDate(card.from))} – ${escapeHtml(formatDate(card.to))} (UTC)${generated}</p>
${warnings}
${tiles(card.overall)}
<h2>Trends</h2>
<div class="charts"><figure><figcaption>Per month</figcaption>${monthlyTrendSvg(card.months)}</figure>
<figure><figcaption>Change failure rate per release class</figcaption>${classBarsSvg(card.groups.releaseClass)}</figure></div>
${groups}
<h2>By month</h2>${months}
<h2>Releases</h2>${releaseTable(card)}
<h2>How the figures are computed</h2>${NOTES}
</main></body></html>
`;
}
