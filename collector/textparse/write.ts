import { ExpositionOptionsError } from './errors.ts';
import { escapeHelp, escapeLabelValue } from './escape.ts';
import type { ExpositionFormat, Labels, MetricFamily, MetricType } from './types.ts';

const PROMETHEUS_WRITABLE = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Writes families in a text format — the inverse of `parseExposition` (what the round-trip
 * property test checks): HELP, TYPE (and UNIT in OpenMetrics) then samples in order, label
 * values escaped, values as `formatNumber` gives them, timestamps as integer ms (Prometheus)
 * or exact decimal seconds (OpenMetrics), exemplars (OpenMetrics), and `# EOF` (OpenMetrics).
 * Prometheus 0.0.4 has no UNIT line: a unit is left out there. Throws `ExpositionOptionsError`
 * for what a format cannot carry: OpenMetrics-only types or exemplars in Prometheus 0.0.4,
 * `untyped` in OpenMetrics.
 */
export function formatExposition(families: readonly MetricFamily[], options: { format: ExpositionFormat }): string {
  const om = options.format === 'openmetrics';
  if (!om && options.format !== 'prometheus')
    throw new ExpositionOptionsError(
      `format must be 'prometheus' or 'openmetrics', got ${JSON.stringify(options.format)}`,
    );
  const out: string[] = [];
  for (const family of families) {
    if (om ? family.type === 'untyped' : !PROMETHEUS_WRITABLE.has(family.type)) {
      throw new ExpositionOptionsError(
        `type ${family.type} of "${family.name}" cannot be written as ${options.format}`,
      );
    }
    if (family.help !== undefined) out.push(`# HELP ${family.name} ${escapeHelp(family.help, om)}`);
    out.push(`# TYPE ${family.name} ${family.type}`);
    if (om && family.unit !== undefined) out.push(`# UNIT ${family.name} ${family.unit}`);
    for (const sample of family.samples) {
      let line = `${sample.name}${formatLabels(sample.labels)} ${formatNumber(sample.value)}`;
      if (sample.timestampMs !== undefined)
        line += ` ${om ? formatSeconds(sample.timestampMs) : String(sample.timestampMs)}`;
      if (sample.exemplar !== undefined) {
        if (!om) throw new ExpositionOptionsError(`exemplar on "${sample.name}" cannot be written as prometheus 0.0.4`);
        const e = sample.exemplar;
        line += ` # ${formatLabels(e.labels) || '{}'} ${formatNumber(e.value)}`;
        if (e.timestampMs !== undefined) line += ` ${formatSeconds(e.timestampMs)}`;
      }
      out.push(line);
    }
  }
  if (om) out.push('# EOF');
  return `${out.join('\n')}\n`;
}

function formatLabels(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabelValue(labels[n])}"`).join(',')}}`;
}

/** Integer ms as exact decimal seconds (`1700000000123` → `1700000000.123`). */
function formatSeconds(ms: number): string {
  if (!Number.isSafeInteger(ms)) return String(ms / 1000);
  const abs = Math.abs(ms);
  return `${ms < 0 ? '-' : ''}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** Formats a sample value the way the parsers read it back: `NaN`, `+Inf`, `-Inf`, `-0`, shortest round-trip decimal. */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}
