/**
 * The oracle behind the benchmark's "information limit": a one-look test that knows what no real
 * judge knows — which metric regressed, in which direction, and from which minute — and asks the
 * judge's own question ("is the harm beyond the tolerance?") with the textbook test for that
 * data, at the judge's per-metric alpha. The horizon at which it rejects in half the runs is
 * roughly the fewest minutes anyone could need; a judge's median detection time divided by it
 * says what its generality and its anytime validity cost.
 *
 * Data enter as per-minute sufficient statistics, so that every horizon 1..H is one cumulative
 * sum away instead of one pass over the raw samples each.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import type { AnalysisSpec, Cohort, MetricSpec, Sample } from '../../analyzer/types.ts';

const MINUTE = 60_000;

/** Per cohort, per minute after the onset: what each test needs. */
export interface MinuteSums {
  /** latency: count, Σ log x, Σ (log x)²; ratio: errors, requests, 0; count: events, exposure, 0 */
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

export type OracleStats = Record<Cohort, MinuteSums>;

/** Per-metric alpha as the engine splits it: release alpha over metrics and SLO guards (Bonferroni). */
export function perMetricAlpha(spec: AnalysisSpec): number {
  const tests = spec.metrics.length + spec.metrics.filter((m) => m.slo).length;
  return (spec.policy.alpha ?? 0.01) / tests;
}

/** Collects the per-minute sums of `metric`'s data from `onsetMs` on, for `minutes` minutes. */
export function oracleStats(
  samples: Iterable<Sample>,
  metric: MetricSpec,
  onsetMs: number,
  minutes: number,
): OracleStats {
  const make = (): MinuteSums => ({
    a: new Float64Array(minutes),
    b: new Float64Array(minutes),
    c: new Float64Array(minutes),
  });
  const stats: OracleStats = { baseline: make(), canary: make() };
  const numerator = metric.kind === 'ratio' ? metric.numerator : metric.name;
  const denominator = metric.kind === 'ratio' ? metric.denominator : metric.exposure;
  if (metric.kind !== 'latency' && (!numerator || !denominator)) {
    throw new Error(`oracle: ${metric.name} needs a numerator/denominator or an exposure metric`);
  }
  for (const s of samples) {
    const m = Math.floor((s.ts - onsetMs) / MINUTE);
    if (m < 0 || m >= minutes || Number.isNaN(s.value)) continue;
    const t = stats[s.cohort];
    if (metric.kind === 'latency') {
      if (s.metric !== metric.name || !(s.value > 0)) continue;
      const y = Math.log(s.value);
      t.a[m] += 1;
      t.b[m] += y;
      t.c[m] += y * y;
    } else if (s.metric === numerator) t.a[m] += s.value;
    else if (s.metric === denominator) t.b[m] += s.value;
  }
  return stats;
}

/**
 * For each horizon h = 1..minutes: does the oracle, looking once at the first h minutes after
 * the onset, reject "no harm beyond the tolerance"?
 */
export function oracleRejections(stats: OracleStats, metric: MetricSpec, alpha: number): boolean[] {
  if (metric.harm === 'either') throw new Error(`oracle: ${metric.name} has harm 'either'; the oracle is one-sided`);
  const minutes = stats.baseline.a.length;
  const cum = { baseline: [0, 0, 0], canary: [0, 0, 0] };
  const out: boolean[] = [];
  for (let m = 0; m < minutes; m++) {
    for (const cohort of ['baseline', 'canary'] as const) {
      cum[cohort][0] += stats[cohort].a[m];
      cum[cohort][1] += stats[cohort].b[m];
      cum[cohort][2] += stats[cohort].c[m];
    }
    out.push(oneLook(metric, cum.baseline, cum.canary) <= alpha);
  }
  return out;
}

/** One-sided p-value of the oracle's test on cumulative sums `[a, b, c]` per cohort. */
function oneLook(metric: MetricSpec, base: number[], can: number[]): number {
  const increase = metric.harm === 'increase';
  if (metric.kind === 'latency')
    return welchLogRatio(base, can, increase ? Math.log1p(metric.tolerance) : Math.log1p(-metric.tolerance), increase);
  if (metric.kind === 'ratio')
    return proportionRatio(
      base[0],
      base[1],
      can[0],
      can[1],
      increase ? 1 + metric.tolerance : 1 - metric.tolerance,
      increase,
    );
  if (metric.kind === 'count')
    return conditionalRateRatio(
      base[0],
      base[1],
      can[0],
      can[1],
      increase ? 1 + metric.tolerance : 1 - metric.tolerance,
      increase,
    );
  throw new Error(`oracle: no test for ${metric.kind} metrics`);
}

/**
 * Welch's t-test on log-durations of H0: mean log-ratio ≤ `margin` (for `greater`; ≥ otherwise),
 * i.e. the canary is not slower than the tolerance allows (R: `t.test(log(c), log(b), mu = margin,
 * alternative = "greater")`). On raw lognormal data with a common shape this is the most
 * powerful of the usual tests for a multiplicative shift.
 */
export function welchLogRatio(
  [nb, sb, qb]: number[],
  [nc, sc, qc]: number[],
  margin: number,
  greater: boolean,
): number {
  if (nb < 2 || nc < 2) return 1;
  const mb = sb / nb,
    mc = sc / nc;
  const vb = Math.max(0, (qb - nb * mb * mb) / (nb - 1)) / nb;
  const vc = Math.max(0, (qc - nc * mc * mc) / (nc - 1)) / nc;
  const se = Math.sqrt(vb + vc);
  if (!(se > 0)) return 1;
  const t = (mc - mb - margin) / se;
  const df = (vb + vc) ** 2 / (vb ** 2 / (nb - 1) + vc ** 2 / (nc - 1)); // Welch–Satterthwaite
  return greater ? 1 - tCdf(t, df) : tCdf(t, df);
}

/**
 * Wald z-test of H0: p_c ≤ ratio·p_b (for `greater`), the non-inferiority form of the
 * two-proportion test (Farrington & Manning 1990 with unrestricted variance).
 */
export function proportionRatio(
  xb: number,
  nb: number,
  xc: number,
  nc: number,
  ratio: number,
  greater: boolean,
): number {
  if (nb <= 0 || nc <= 0) return 1;
  const pb = xb / nb,
    pc = xc / nc;
  const se = Math.sqrt((pc * (1 - pc)) / nc + (ratio * ratio * pb * (1 - pb)) / nb);
  if (!(se > 0)) return 1;
  const z = (pc - ratio * pb) / se;
  return greater ? 1 - normalCdf(z, 0, 1) : normalCdf(z, 0, 1);
}

/**
 * Conditional test of a Poisson rate ratio (Przyborowski & Wileński 1940; R:
 * `poisson.test(c(xc, xb), c(ec, eb), r = ratio)`): given the total count, the canary's count is
 * Binomial(total, ratio·ec / (ratio·ec + eb)) on the boundary of H0. For `greater`=false it tests
 * H0: rate ratio ≥ `ratio` and rejects on a small canary count.
 */
export function conditionalRateRatio(
  xb: number,
  eb: number,
  xc: number,
  ec: number,
  ratio: number,
  greater: boolean,
): number {
  const total = xb + xc;
  if (total <= 0 || eb <= 0 || ec <= 0) return 1;
  const pi0 = (ratio * ec) / (ratio * ec + eb);
  return greater ? 1 - binomialCdf(xc - 1, total, pi0) : binomialCdf(xc, total, pi0);
}
