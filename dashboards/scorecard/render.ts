/**
 * One scorecard, four formats: `html` (the page), `json` (the Scorecard record), `csv` (one row per
 * overall / group / month with raw numbers, for spreadsheets) and `md` (tables for a wiki or a PR).
 */
import { FIGURE_COLUMNS, formatDate } from './format.ts';
import { renderScorecardPage } from './page.ts';
import type { PageOptions } from './page.ts';
import { DIMENSION_LABELS, DIMENSIONS } from './types.ts';
import type { Scorecard, ScorecardFigures } from './types.ts';

export type ScorecardFormat = 'html' | 'json' | 'csv' | 'md';
export const SCORECARD_FORMATS: readonly ScorecardFormat[] = ['html', 'json', 'csv', 'md'];

export class UnknownFormatError extends Error {
  override readonly name = 'UnknownFormatError';
}

function rowsOf(card: Scorecard): { scope: string; key: string; figures: ScorecardFigures }[] {
  return [
    { scope: 'overall', key: '', figures: card.overall },
    ...DIMENSIONS.flatMap((d) => card.groups[d].map((r) => ({ scope: d, key: r.key, figures: r as ScorecardFigures }))),
    ...card.months.map((m) => ({ scope: 'month', key: m.month, figures: m as ScorecardFigures })),
  ];
}

/**
 * RFC 4180 quoting, and a leading `'` on text a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@`, tab, CR): group keys are release data (OWASP "CSV injection").
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  // 12 significant digits: 400.00000000000006 (float noise) reads as 400
  if (typeof value === 'number') return String(Number(value.toPrecision(12)));
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function toCsv(card: Scorecard): string {
  const keys = FIGURE_COLUMNS.map((c) => c.key);
  const lines = [['scope', 'key', ...keys].join(',')];
  for (const r of rowsOf(card))
    lines.push([csvField(r.scope), csvField(r.key), ...keys.map((k) => csvField(r.figures[k]))].join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Markdown table cell: pipes and line breaks would end the cell, HTML would render. */
function mdCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function mdTable(first: string, rows: { label: string; figures: ScorecardFigures }[]): string {
  const head = `| ${[first, ...FIGURE_COLUMNS.map((c) => c.title)].map(mdCell).join(' | ')} |`;
  const rule = `|${[first, ...FIGURE_COLUMNS].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  const body = rows.map(
    (r) => `| ${[r.label, ...FIGURE_COLUMNS.map((c) => c.format(r.figures))].map(mdCell).join(' | ')} |`,
  );
  return [head, rule, ...body].join('\n');
}

function toMarkdown(card: Scorecard): string {
  const parts = [
    `# Release scorecard`,
    `${formatDate(card.from)} – ${formatDate(card.to)} (UTC)`,
    mdTable('Period', [{ label: 'all releases', figures: card.overall }]),
    ...DIMENSIONS.map(
      (d) =>
        `## By ${DIMENSION_LABELS[d].toLowerCase()}\n\n${mdTable(
          DIMENSION_LABELS[d],
          card.groups[d].map((r) => ({ label: r.key, figures: r })),
        )}`,
    ),
    `## By month\n\n${mdTable(
      'Month',
      card.months.map((m) => ({ label: m.month, figures: m })),
    )}`,
  ];
  if (card.warnings.length) parts.push(`## Caveats\n\n${card.warnings.map((w) => `- ${mdCell(w)}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

export function renderScorecard(card: Scorecard, format: ScorecardFormat, options: PageOptions = {}): string {
  switch (format) {
    case 'html':
      return renderScorecardPage(card, options);
    case 'json':
      return `${JSON.stringify(card, null, 2)}\n`;
    case 'csv':
      return toCsv(card);
    case 'md':
      return toMarkdown(card);
    default:
      throw new UnknownFormatError(`unknown format "${String(format)}"; use ${SCORECARD_FORMATS.join(', ')}`);
  }
}
