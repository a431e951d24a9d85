/**
 * How each scorecard figure is shown, in one place so the HTML page, Markdown, CSV and the
 * real-browser test agree on the text of every figure.
 */
import type { ScorecardFigures } from './types.ts';

/** HTML-escapes text for element content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const DASH = '—';

export function formatRate(x: number | null): string {
  return x === null ? DASH : `${(x * 100).toFixed(1)}%`;
}

/** Durations: under a minute says so (a 0.0 reads like a placeholder), hours and days past 2 h. */
export function formatMinutes(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH;
  if (ms < 60_000) return '< 1 min';
  if (ms >= 2 * 86_400_000) return `${(ms / 86_400_000).toFixed(1)} d`;
  if (ms >= 2 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function formatPerWeek(x: number | null): string {
  return x === null ? DASH : x.toFixed(2);
}

export function formatCount(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The figures in display order: key, column title, formatter. */
export const FIGURE_COLUMNS: readonly {
  key: keyof ScorecardFigures;
  title: string;
  format: (f: ScorecardFigures) => string;
}[] = [
  { key: 'releases', title: 'Releases', format: (f) => formatCount(f.releases) },
  { key: 'deploymentsPerWeek', title: 'Deploys / week', format: (f) => formatPerWeek(f.deploymentsPerWeek) },
  { key: 'changeFailureRate', title: 'Change failure rate', format: (f) => formatRate(f.changeFailureRate) },
  { key: 'rolledBack', title: 'Rollbacks', format: (f) => formatCount(f.rolledBack) },
  { key: 'rollbacksPerWeek', title: 'Rollbacks / week', format: (f) => formatPerWeek(f.rollbacksPerWeek) },
  {
    key: 'medianTimeToVerdictMs',
    title: 'Median onset → verdict',
    format: (f) => formatMinutes(f.medianTimeToVerdictMs),
  },
  {
    key: 'medianTimeToRestoreMs',
    title: 'Median time to restore',
    format: (f) => formatMinutes(f.medianTimeToRestoreMs),
  },
  {
    key: 'medianLeadTimeMs',
    title: 'Median lead time (commit → promoted)',
    format: (f) => formatMinutes(f.medianLeadTimeMs),
  },
  { key: 'ordersProtected', title: 'Orders protected', format: (f) => formatCount(f.ordersProtected) },
  {
    key: 'checkoutMinutesProtected',
    title: 'Checkout minutes protected',
    format: (f) => f.checkoutMinutesProtected.toFixed(1),
  },
  { key: 'freezeOverrides', title: 'Freeze overrides', format: (f) => formatCount(f.freezeOverrides) },
  { key: 'emergencyFixes', title: 'Emergency fixes', format: (f) => formatCount(f.emergencyFixes) },
];
