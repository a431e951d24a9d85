import type { MetricSpec } from '../types.ts';
import { formatPercent } from './format.ts';

/**
 * The absolute guard (Google SRE Workbook, "Canarying Releases"): canary and baseline share
 * infrastructure and can degrade together, so the relative comparison alone can pass a canary
 * that breaches the service-level objective. `observed` is the canary's value in the SLO's terms
 * (its ratio, or its latency quantile) with a confidence interval: a breach is called only when the
 * whole interval is past the objective, so a handful of early errors is not a breach.
 */
export function checkSlo(
  spec: MetricSpec,
  observed: { estimate: number; low: number; high: number } | undefined,
): { classification: 'high' | 'low'; reason: string } | undefined {
  const slo = spec.slo;
  if (!slo || observed === undefined || !Number.isFinite(observed.estimate)) return undefined;
  const show = (x: number) =>
    spec.kind === 'ratio' ? formatPercent(x).replace('+', '') : String(Number(x.toPrecision(4)));
  const what =
    spec.kind === 'latency' || spec.kind === 'gauge'
      ? `canary p${Math.round(100 * (slo.quantile ?? 0.95))}`
      : 'canary ratio';
  const shown = `${what} ${show(observed.estimate)} [${show(observed.low)}, ${show(observed.high)}]`;
  if (slo.max !== undefined && observed.low > slo.max) {
    return { classification: 'high', reason: `SLO breach: ${shown} above ${show(slo.max)}` };
  }
  if (slo.min !== undefined && observed.high < slo.min) {
    return { classification: 'low', reason: `SLO breach: ${shown} below ${show(slo.min)}` };
  }
  return undefined;
}
