import { quantileSorted } from 'simple-statistics';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import {
  type BinnedTwoSample,
  binomialTest,
  cleanSample,
  hodgesLehmann,
  mannWhitneyU,
  poissonRateTest,
  twoProportionTest,
} from '../stats/index.ts';
import type { MetricSpec, MetricVerdict, VerdictCode } from '../types.ts';
import { checkSlo } from './sloGuard.ts';
import { classifyAndExplain } from './classifyAndExplain.ts';

/** What the fixed-horizon judge sees of one metric: all data so far, per cohort. */
export type FixedMetricData =
  | { shape: 'values'; baseline: ArrayLike<number>; canary: ArrayLike<number> }
  /** a latency/gauge metric past the raw-value limit: counts per log bucket (stats/binnedTwoSample.ts) */
  | { shape: 'binned'; sketch: BinnedTwoSample }
  | { shape: 'counts'; baseline: { count: number; exposure: number }; canary: { count: number; exposure: number } }
  | { shape: 'ratio'; baseline: { events: number; total: number }; canary: { events: number; total: number } };

export interface FixedJudgeOptions {
  /** per-metric significance level (the release alpha divided among metrics) */
  alpha: number;
  minSamples: number;
}

/**
 * Kayenta-class classification of one metric (Kayenta's `MannWhitneyClassifier`): a two-sided test
 * at the per-metric alpha; when significant, the direction of the effect and its size decide
 * high/low, and a change in the harmless direction or within tolerance is no failure (Kayenta's
 * `direction` and `effectSize`). Like Kayenta, the size check uses the point estimate by default
 * (`failWhen: estimate`); the rule itself is the shared classify stage (rules.ts), so a metric
 * without a failure is `ruled-out` or `not-detected` as in the sequential judge.
 *  - latency, gauge: Mann-Whitney U, Hodges-Lehmann shift relative to the baseline median;
 *  - count: Krishnamoorthy-Thomson E-test of the two Poisson rates given exposures;
 *  - ratio: two-proportion test, effect = relative risk − 1.
 */
export function classifyFixed(spec: MetricSpec, data: FixedMetricData, options: FixedJudgeOptions): MetricVerdict {
  // spec.tolerance already carries the release class's scale (ReleaseEngine applies it once)
  const declaredCritical = spec.critical === true;
  const base = { metric: spec.name, declaredCritical, criticalFailure: false, critical: false } as const;
  try {
    const outcome = testMetric(spec, data, options);
    if ('nodata' in outcome) {
      return {
        ...base,
        classification: 'nodata',
        code: outcome.code,
        effect: { relative: 0, low: 0, high: 0 },
        evidence: 1,
        method: outcome.method,
        n: outcome.n,
        reason: outcome.nodata,
      };
    }
    const { p, effect, method, n, sloObserved } = outcome;
    // p underflows to 0 for overwhelming evidence; JSON has no Infinity, so cap at 1e300
    const evidence = p > 1e-300 ? 1 / p : 1e300;
    const breach = checkSlo(spec, sloObserved);
    if (breach)
      return {
        ...base,
        classification: breach.classification,
        code: 'slo-breach',
        criticalFailure: true,
        critical: true,
        effect,
        evidence,
        method,
        n,
        reason: breach.reason,
      };
    return {
      ...base,
      ...classifyAndExplain({ spec, effect, evidence, threshold: 1 / options.alpha, evidenceStyle: 'p-value' }),
      effect,
      evidence,
      method,
      n,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...base,
      classification: 'error',
      code: 'input-error',
      effect: { relative: 0, low: 0, high: 0 },
      evidence: 1,
      method: 'none',
      n: { baseline: 0, canary: 0 },
      reason: message,
    };
  }
}

type TestOutcome =
  | { nodata: string; code: VerdictCode; method: string; n: { baseline: number; canary: number } }
  | {
      p: number;
      effect: { relative: number; low: number; high: number };
      method: string;
      n: { baseline: number; canary: number };
      sloObserved?: { estimate: number; low: number; high: number };
    };

function testMetric(spec: MetricSpec, data: FixedMetricData, options: FixedJudgeOptions): TestOutcome {
  const confidence = 1 - options.alpha;
  if (data.shape === 'values') {
    const clean = { nanStrategy: spec.nanStrategy ?? 'remove', removeOutliers: spec.removeOutliers ?? false } as const;
    const baseline = cleanSample(Array.from(data.baseline), clean).values;
    const canary = cleanSample(Array.from(data.canary), clean).values;
    const n = { baseline: baseline.length, canary: canary.length };
    if (n.baseline < options.minSamples || n.canary < options.minSamples) {
      return {
        code: 'too-few-observations',
        nodata: `too few samples (baseline ${n.baseline}, canary ${n.canary}; need ${options.minSamples} each)`,
        method: 'mann-whitney',
        n,
      };
    }
    const test = mannWhitneyU(baseline, canary, { alternative: 'two-sided' });
    const shift = hodgesLehmann(baseline, canary, { confidence });
    baseline.sort((a, b) => a - b);
    canary.sort((a, b) => a - b);
    const scale = Math.abs(quantileSorted(baseline, 0.5));
    const rel = (x: number) => (scale > 0 ? x / scale : x === 0 ? 0 : Math.sign(x) * Number.POSITIVE_INFINITY);
    const effect = { relative: rel(shift.shift), low: rel(shift.low), high: rel(shift.high) };
    const sloObserved = spec.slo ? quantileInterval(canary, spec.slo.quantile ?? 0.95, confidence) : undefined;
    return { p: test.p, effect, method: `mann-whitney-${test.method}+hodges-lehmann`, n, sloObserved };
  }
  if (data.shape === 'binned') return testBinned(spec, data.sketch, options);
  if (data.shape === 'counts') {
    const n = { baseline: data.baseline.count, canary: data.canary.count };
    if (data.baseline.exposure <= 0 || data.canary.exposure <= 0) {
      return { code: 'no-exposure', nodata: 'no exposure in one cohort (no traffic yet)', method: 'poisson-e-test', n };
    }
    if (n.baseline + n.canary < options.minSamples) {
      return {
        code: 'too-few-observations',
        nodata: `too few events (${n.baseline + n.canary}; need ${options.minSamples})`,
        method: 'poisson-e-test',
        n,
      };
    }
    const test = poissonRateTest(
      {
        baselineCount: data.baseline.count,
        baselineExposure: data.baseline.exposure,
        canaryCount: data.canary.count,
        canaryExposure: data.canary.exposure,
      },
      { alternative: 'two-sided', confidence },
    );
    const effect = { relative: test.rateRatio - 1, low: test.low - 1, high: test.high - 1 };
    return { p: test.p, effect, method: 'poisson-e-test', n };
  }
  const n = { baseline: data.baseline.total, canary: data.canary.total };
  if (n.baseline < options.minSamples || n.canary < options.minSamples) {
    return {
      code: 'too-few-observations',
      nodata: `too few events in the denominator (baseline ${n.baseline}, canary ${n.canary}; need ${options.minSamples} each)`,
      method: 'two-proportion',
      n,
    };
  }
  const test = twoProportionTest(
    {
      baselineEvents: data.baseline.events,
      baselineTotal: data.baseline.total,
      canaryEvents: data.canary.events,
      canaryTotal: data.canary.total,
    },
    { alternative: 'two-sided', confidence },
  );
  const effect = { relative: test.relativeRisk - 1, low: test.low - 1, high: test.high - 1 };
  const canaryRatio = binomialTest(data.canary.events, data.canary.total, {
    p0: 0.5,
    alternative: 'two-sided',
    confidence,
  });
  return {
    p: test.p,
    effect,
    method: test.method,
    n,
    sloObserved: { estimate: canaryRatio.estimate, low: canaryRatio.low, high: canaryRatio.high },
  };
}

/**
 * The values test on a sketch (bounded memory, O(buckets) per look): the same Mann-Whitney and
 * Hodges-Lehmann, each stated against its raw-value result and erring towards no evidence and a
 * wider interval (stats/binnedTwoSample.ts); the baseline median and the SLO quantile from the
 * buckets. Outlier removal needs every value, so such metrics never reach here.
 */
function testBinned(spec: MetricSpec, sketch: BinnedTwoSample, options: FixedJudgeOptions): TestOutcome {
  const confidence = 1 - options.alpha;
  const n = { baseline: sketch.n('baseline'), canary: sketch.n('canary') };
  const method = 'mann-whitney-binned+hodges-lehmann-binned';
  if (n.baseline < options.minSamples || n.canary < options.minSamples) {
    return {
      code: 'too-few-observations',
      nodata: `too few samples (baseline ${n.baseline}, canary ${n.canary}; need ${options.minSamples} each)`,
      method,
      n,
    };
  }
  const { p } = sketch.rankTest();
  const shift = sketch.hodgesLehmann(confidence);
  const scale = Math.abs(sketch.quantile('baseline', 0.5));
  const rel = (x: number) => (scale > 0 ? x / scale : x === 0 ? 0 : Math.sign(x) * Number.POSITIVE_INFINITY);
  const effect = { relative: rel(shift.shift), low: rel(shift.low), high: rel(shift.high) };
  let sloObserved: { estimate: number; low: number; high: number } | undefined;
  if (spec.slo) {
    const q = spec.slo.quantile ?? 0.95;
    const ranks = quantileRanks(n.canary, q, confidence);
    sloObserved = { estimate: sketch.quantile('canary', q), ...sketch.rankBounds('canary', ranks.low, ranks.high) };
  }
  return { p, effect, method, n, sloObserved };
}

/** 0-based ranks of `quantileInterval`'s ends among n sorted values */
function quantileRanks(n: number, q: number, confidence: number): { low: number; high: number } {
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const spread = z * Math.sqrt(n * q * (1 - q));
  return { low: Math.max(0, Math.floor(n * q - spread) - 1), high: Math.min(n - 1, Math.ceil(n * q + spread)) };
}

/** Distribution-free interval for a quantile from order statistics (normal approximation to the
 * binomial ranks; Hahn & Meeker, "Statistical Intervals", §5.2). */
export function quantileInterval(
  sorted: readonly number[],
  q: number,
  confidence: number,
): { estimate: number; low: number; high: number } {
  const ranks = quantileRanks(sorted.length, q, confidence);
  return { estimate: quantileSorted(sorted as number[], q), low: sorted[ranks.low], high: sorted[ranks.high] };
}
