/**
 * The scorecard page for leadership: one self-contained HTML document (inline CSS with print
 * styles, inline SVG charts, no script), printable to PDF from the browser. Served by the gate
 * (`GET /scorecards`) and written by `release-health scorecard --format html`.
 *
 * Every text from data is HTML-escaped: release ids, services and classes come from API callers.
 * Each figure carries `data-figure="<scope>.<key>"` (scope `overall`, `<dimension>:<key>`,
 * `month:<YYYY-MM>` or `release:<id>`) so tests and scrapers read them without parsing layout.
 */
import { classBarsSvg, responsiveChart, trendLine, trendWords, weeklySvg, type WeeklySeries } from './charts.ts';
import {
  escapeHtml,
  FIGURE_COLUMNS,
  formatCount,
  formatDate,
  formatMinutes,
  formatPerWeek,
  formatRate,
} from './format.ts';
import { decisionBadge, PALETTE, pageDocument } from './style.ts';
import { DIMENSION_LABELS, DIMENSIONS } from './types.ts';
import type { GroupRow, Scorecard, ScorecardFigures } from './types.ts';

/** Releases listed individually at most (the rest are in the groups and in the JSON/CSV). */
export const MAX_RELEASE_ROWS = 500;

export interface PageOptions {
  title?: string;
  /** shown in the header; the page has no clock of its own */
  generatedAt?: number;
}

function figureCells(scope: string, f: ScorecardFigures): string {
  return FIGURE_COLUMNS.map((c) => {
    const bad = c.key === 'changeFailureRate' && (f.changeFailureRate ?? 0) > 0.15;
    return `<td data-figure="${escapeHtml(`${scope}.${c.key}`)}"${bad ? ' class="bad"' : ''}>${escapeHtml(c.format(f))}</td>`;
  }).join('');
}

function figureTable(
  firstColumn: string,
  rows: readonly { scope: string; label: string; figures: ScorecardFigures }[],
): string {
  const head = `<tr><th>${escapeHtml(firstColumn)}</th>${FIGURE_COLUMNS.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr><td>${escapeHtml(r.label)}</td>${figureCells(r.scope, r.figures)}</tr>`).join('');
  return `<div class="scroll" tabindex="0" role="region" aria-label="${escapeHtml(`figures by ${firstColumn.toLowerCase()}`)}"><table><thead>${head}</thead><tbody>${body || `<tr><td colspan="${FIGURE_COLUMNS.length + 1}">No releases in this period.</td></tr>`}</tbody></table></div>`;
}

function tiles(o: ScorecardFigures): string {
  return `<section class="tiles">${FIGURE_COLUMNS.map(
    (c) =>
      `<div class="tile"><div class="label">${escapeHtml(c.title)}</div><div class="value" data-figure="overall.${c.key}">${escapeHtml(c.format(o))}</div></div>`,
  ).join('')}</section>`;
}

function groupRows(
  dimension: string,
  rows: readonly GroupRow[],
): { scope: string; label: string; figures: ScorecardFigures }[] {
  return rows.map((r) => ({ scope: `${dimension}:${r.key}`, label: r.key, figures: r }));
}

function releaseTable(card: Scorecard): string {
  const shown = card.releases.slice(0, MAX_RELEASE_ROWS);
  const head =
    '<tr><th>Release</th><th>Service</th><th>Environment</th><th>Tenant tier</th><th>Class</th><th>Started</th><th>Decision</th><th class="n">Onset → verdict</th><th class="n">Time to restore</th><th class="n">Orders protected</th></tr>';
  const body = shown
    .map((r) => {
      const scope = `release:${r.id}`;
      const cells = [r.service, r.environment, r.tenantTier, r.releaseClass, formatDate(r.startedAt)].map(
        (x) => `<td>${escapeHtml(x)}</td>`,
      );
      return (
        `<tr><td><a href="releases/${escapeHtml(encodeURIComponent(r.id))}">${escapeHtml(r.id)}</a></td>${cells.join('')}<td>${decisionBadge(r.decision)}</td>` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.timeToVerdictMs`)}">${formatMinutes(r.timeToVerdictMs)}</td>` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.timeToRestoreMs`)}">${formatMinutes(r.timeToRestoreMs)}</td>` +
        `<td class="n" data-figure="${escapeHtml(`${scope}.ordersProtected`)}">${formatCount(r.ordersProtected)}</td></tr>`
      );
    })
    .join('');
  const more =
    card.releases.length > shown.length
      ? `<p class="notes">${card.releases.length - shown.length} more releases are in the JSON and CSV formats.</p>`
      : '';
  return `<div class="scroll" tabindex="0" role="region" aria-label="releases of the period"><table class="list"><thead>${head}</thead><tbody>${body}</tbody></table></div>${more}`;
}

const NOTES = `<dl class="notes">
<dt>Change failure rate</dt><dd>Releases with a rollback or reduce-traffic verdict, over all releases started in the period.</dd>
<dt>Onset → verdict</dt><dd>From the recorded regression onset (else the release's start, an upper bound) to the first rollback or reduce-traffic verdict.</dd>
<dt>Deploys / week, rollbacks / week</dt><dd>Over the whole period (or a month's part of it, or one week of the trend); not given for spans shorter than a week, which would extrapolate.</dd>
<dt>Time to restore</dt><dd>From the rollback verdict to the first restoring action (webhook, Traefik weights) that succeeded. A file rewrite (Traefik) restores in under a minute.</dd>
<dt>Lead time (commit → promoted)</dt><dd>From the commit time the pipeline gave at registration (<code>release.commitAt</code>) to the promote verdict; releases registered without one are not counted.</dd>
<dt>Trend lines</dt><dd>Least-squares lines through the weekly values, dashed; "better" or "worse" says which way the key should move.</dd>
<dt>Business impact avoided</dt><dd>Canary traffic share × rest of the observation window (checkout minutes), and for order metrics the order rate × share × the smallest loss consistent with the data × rest of the window: a lower bound.</dd>
</dl>`;

/** DORA's four keys, week by week, each with its trend line. */
function doraCharts(card: Scorecard): string {
  const weeks = card.weeks;
  if (weeks.length < 2) return '<p class="sub">The weekly trend needs a period of at least two whole weeks.</p>';
  const minutes = (ms: number | null): number | null => (ms === null ? null : ms / 60_000);
  const hours = (ms: number | null): number | null => (ms === null ? null : ms / 3_600_000);
  const series: WeeklySeries[] = [
    {
      title: 'Deployment frequency (releases)',
      unit: '',
      values: weeks.map((w) => w.releases),
      style: 'bars',
      color: PALETTE.blue,
      better: 'up',
    },
    {
      title: 'Change failure rate',
      unit: '%',
      values: weeks.map((w) => (w.changeFailureRate === null ? null : w.changeFailureRate * 100)),
      style: 'points',
      color: PALETTE.vermillion,
      max: 100,
      better: 'down',
    },
    {
      title: 'Median time to restore',
      unit: ' min',
      values: weeks.map((w) => minutes(w.medianTimeToRestoreMs)),
      style: 'points',
      color: PALETTE.orange,
      better: 'down',
    },
    {
      title: 'Median lead time for changes',
      unit: ' h',
      values: weeks.map((w) => hours(w.medianLeadTimeMs)),
      style: 'points',
      color: PALETTE.green,
      better: 'down',
    },
  ];
  const trend = (s: WeeklySeries): string => {
    const t = trendLine(s.values);
    return t ? `trend: ${trendWords(t.slopePerStep, s)}` : 'too few weeks with data for a trend';
  };
  return `<div class="charts">${series.map((s) => `<figure><figcaption>${escapeHtml(s.title)} per week</figcaption><p class="trend">${escapeHtml(trend(s))}</p>${weeklySvg(weeks, s)}</figure>`).join('')}</div>`;
}

/** The four keys as headline tiles, each saying what it is computed over. */
function doraTiles(card: Scorecard): string {
  const o = card.overall;
  const days = (card.to - card.from) / 86_400_000;
  const tile = (key: string, label: string, value: string, note: string): string =>
    `<div class="tile"><div class="label">${escapeHtml(label)}</div><div class="value" data-figure="dora.${key}">${escapeHtml(value)}</div><div class="note">${escapeHtml(note)}</div></div>`;
  const restored = card.releases.filter((r) => r.timeToRestoreMs !== undefined).length;
  const withLead = card.releases.filter((r) => r.leadTimeMs !== undefined).length;
  return `<section class="tiles" aria-label="DORA keys">${[
    tile(
      'deploymentsPerWeek',
      'Deployment frequency',
      o.deploymentsPerWeek === null ? '—' : `${formatPerWeek(o.deploymentsPerWeek)} / week`,
      `${o.releases} releases over ${days.toFixed(days < 2 ? 2 : 0)} days`,
    ),
    tile(
      'changeFailureRate',
      'Change failure rate',
      formatRate(o.changeFailureRate),
      `${o.failed} of ${o.releases} stopped (rollback or traffic cut)`,
    ),
    tile(
      'medianTimeToRestoreMs',
      'Time to restore (median)',
      formatMinutes(o.medianTimeToRestoreMs),
      `over ${restored} restored rollbacks`,
    ),
    tile(
      'medianLeadTimeMs',
      'Lead time for changes (median)',
      formatMinutes(o.medianLeadTimeMs),
      withLead ? `commit → promoted, ${withLead} releases with a commit time` : 'no release gave a commit time',
    ),
  ].join('')}</section>`;
}

export function renderScorecardPage(card: Scorecard, options: PageOptions = {}): string {
  const title = options.title ?? 'Release scorecard';
  const generated =
    options.generatedAt === undefined ? '' : ` · generated ${escapeHtml(formatDate(options.generatedAt))}`;
  const groups = DIMENSIONS.map(
    (d) =>
      `<h2>By ${escapeHtml(DIMENSION_LABELS[d].toLowerCase())}</h2>${figureTable(DIMENSION_LABELS[d], groupRows(d, card.groups[d]))}`,
  ).join('');
  const months = figureTable(
    'Month',
    card.months.map((m) => ({ scope: `month:${m.month}`, label: m.month, figures: m })),
  );
  const warnings = card.warnings.length
    ? `<section class="warnings"><strong>Caveats</strong><ul>${card.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></section>`
    : '';
  const body = `<h1>${escapeHtml(title)}</h1>
<p class="period">${escapeHtml(formatDate(card.from))} – ${escapeHtml(formatDate(card.to))} (UTC)${generated}</p>
${warnings}
<h2>DORA's four keys</h2>
${doraTiles(card)}
${doraCharts(card)}
<h2>All figures</h2>
${tiles(card.overall)}
<h2>Where releases fail</h2>
<div class="chart-wrap" tabindex="0" role="region" aria-label="change failure rate per release class (chart)"><figure><figcaption>Change failure rate per release class</figcaption>${responsiveChart((layout) => classBarsSvg(card.groups.releaseClass, layout))}</figure></div>
${groups}
<h2>By month</h2>${months}
<h2>Releases</h2><p class="sub">Each release opens its own page: effects with intervals, the decision timeline, actions and their outcomes.</p>${releaseTable(card)}
<h2>How the figures are computed</h2>${NOTES}`;
  return pageDocument(title, body);
}
