/**
 * What a release can detect, said before it runs: for each metric, the smallest harmful effect the
 * judge would call a failure by the window's end at the expected traffic, and whether the metric's
 * tolerance can ever be *ruled out* in the window (harm excluded, not just not detected).
 *
 * Method: the release's own sequential tests are fed the expected traffic with no change between
 * cohorts (counts: the expected number of events per minute in each cohort; ratios: the expected
 * denominator and the baseline ratio; latencies: evenly spaced quantiles of a log-normal with the
 * expected spread), and the interval at the window's end is read at the metric's alpha — the same
 * interval the verdict's `detectable` field reports during the release. So the projection is the
 * judge itself on typical data, not a separate formula that could drift from it. Latencies are fed
 * as one batch: the interval depends on the observations, not on how they were batched (measured:
 * the same width to 1% with 1-, 10-, 20- and 60-minute batches), and one batch keeps a projection
 * to tens of milliseconds. The spread matters most: give `expected.sigma` when it is known (the
 * log-values' standard deviation; `analyze` estimates it from the baseline's quartiles).
 *
 * Traffic comes from the spec's `expected` field of each metric or, for `analyze`, from the traffic
 * the replay saw. A metric without either is `unknown`.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { createLatencyShiftTest, createRateRatioTest } from '../stats/index.ts';
import type { AnalysisSpec, MetricSpec } from '../types.ts';
import { formatPercent } from './format.ts';

/** Expected traffic of one metric, for the whole service (both cohorts together), per minute. */
export interface ExpectedTraffic {
  /** observations (latency, gauge), events (count) or denominator events (ratio) per minute */
  perMinute: number;
  /** ratio metrics: the baseline's numerator / denominator (e.g. 0.01 for 1% errors) */
  ratio?: number;
  /** latency/gauge: standard deviation of the log-values (default 0.6, a typical web latency) */
  sigma?: number;
}

export interface MetricPower {
  metric: string;
  /** the tolerance after the class's scale */
  tolerance: number;
  /** the traffic the projection used, or undefined when none was known */
  traffic?: ExpectedTraffic & { source: 'spec' | 'observed' };
  /** smallest harmful relative effect detected with about even odds by the window's end */
  detectable?: number;
  /** can the interval get inside the tolerance by the window's end (harm ruled out, not just not found)? */
  ruledOutReachable?: boolean;
  /** a warning for a person, when the window is too short for what the spec asks */
  warning?: string;
}

export interface PowerContext {
  /** the per-metric alpha (release alpha shared among metrics, as the engine does) */
  alpha: number;
  observeMs: number;
  toleranceScale: number;
  /** the canary's share of traffic (default 0.5) */
  canaryShare: number;
}

const DEFAULT_SIGMA = 0.6;
/** latency projections feed at most this many values per cohort per batch (scaled by √n beyond) */
const MAX_VALUES = 4000;

/** Per-metric projection for a release; `traffic` overrides what the spec's `expected` says. */
export function projectPower(
  spec: AnalysisSpec,
  context: PowerContext,
  traffic: ReadonlyMap<string, ExpectedTraffic> = new Map(),
): MetricPower[] {
  return spec.metrics.map((metric) => {
    const fromSpec = metric.expected;
    const observed = traffic.get(metric.name);
    const used = observed
      ? { ...observed, source: 'observed' as const }
      : fromSpec
        ? { ...fromSpec, source: 'spec' as const }
        : undefined;
    const tolerance = metric.tolerance * context.toleranceScale;
    if (!used || !(used.perMinute > 0)) {
      return {
        metric: metric.name,
        tolerance,
        warning: `no expected traffic: give metrics[].expected.perMinute to know what ${metric.name} can detect`,
      };
    }
    const halfWidth = projectHalfWidth(metric, used, context);
    const detectable = Math.max(tolerance, halfWidth);
    const ruledOutReachable = halfWidth <= tolerance;
    const power: MetricPower = { metric: metric.name, tolerance, traffic: used, detectable, ruledOutReachable };
    if (!ruledOutReachable) {
      const minutes = Math.round(context.observeMs / 60_000);
      power.warning =
        `${metric.name}: at ${used.perMinute}/min the tolerance ${formatPercent(tolerance)} cannot be ruled out in ${minutes} min; ` +
        `effects from ${formatPercent(halfWidth).replace('+', '')} would be caught, smaller ones would pass as not detected`;
    }
    return power;
  });
}

/** Half-width of the effect interval on the harmful side at the window's end, with no change. */
function projectHalfWidth(metric: MetricSpec, traffic: ExpectedTraffic, context: PowerContext): number {
  const minutes = Math.max(1, Math.round(context.observeMs / 60_000));
  const share = context.canaryShare;
  const canary = traffic.perMinute * share;
  const baseline = traffic.perMinute * (1 - share);
  let effect: { estimate: number; low: number; high: number };
  if (metric.kind === 'count' || metric.kind === 'ratio') {
    const rate = metric.kind === 'ratio' ? Math.min(1, Math.max(0, traffic.ratio ?? 0.01)) : 1;
    const test = createRateRatioTest();
    for (let m = 0; m < minutes; m++) test.update(canary * rate, baseline * rate, share);
    effect = test.effect(context.alpha);
  } else {
    const batches = 1;
    const perBatch = { canary: (canary * minutes) / batches, baseline: (baseline * minutes) / batches };
    const fed = {
      canary: Math.min(MAX_VALUES, Math.round(perBatch.canary)),
      baseline: Math.min(MAX_VALUES, Math.round(perBatch.baseline)),
    };
    if (fed.canary < 1 || fed.baseline < 1) return Number.POSITIVE_INFINITY;
    const test = createLatencyShiftTest({ quantile: metric.quantile ?? metric.slo?.quantile ?? 0.5 });
    const sigma = traffic.sigma ?? DEFAULT_SIGMA;
    for (let b = 0; b < batches; b++) {
      for (const cohort of ['baseline', 'canary'] as const) {
        const n = fed[cohort];
        // evenly spaced quantiles, offset per batch so batches do not repeat the same values
        for (let i = 0; i < n; i++)
          test.observe(cohort, Math.exp(sigma * normalQuantile((i + (b + 0.5) / batches) / n, 0, 1)));
      }
      test.endBatch();
    }
    effect = test.effect(context.alpha);
    // fewer values fed than expected: the width shrinks as 1/√n with the observations
    const scale = Math.sqrt(Math.min(fed.canary / perBatch.canary, fed.baseline / perBatch.baseline));
    effect = {
      estimate: effect.estimate,
      low: effect.estimate + (effect.low - effect.estimate) * scale,
      high: effect.estimate + (effect.high - effect.estimate) * scale,
    };
  }
  const up = effect.high - effect.estimate;
  const down = effect.estimate - effect.low;
  const width = metric.harm === 'increase' ? up : metric.harm === 'decrease' ? down : Math.max(up, down);
  return Number.isFinite(width) ? width : Number.POSITIVE_INFINITY;
}
