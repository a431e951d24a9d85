import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { StatsInputError } from './errors.ts';
import type { BucketLayout } from './logBuckets.ts';

const FN = 'streamingRankSum';

export type RankAlternative = 'greater' | 'less' | 'two-sided';

export interface StreamingRankResult {
  /** the canary's Mann-Whitney U: pairs (canary, baseline) with canary > baseline, plus ½ per pair in one bucket */
  u: number;
  /** normal approximation with tie correction and continuity correction (as scipy's `method='asymptotic'`) */
  z: number;
  /** the tie-corrected standard deviation of U under the null */
  sigma: number;
  pValue: number;
  /**
   * bound on |u − U of the raw values|: ½ · Σ_k baseline_k · canary_k. Only pairs that share a
   * bucket can be ordered differently by the raw values; each is counted ½ here and 0, ½ or 1 there.
   */
  maxUError: number;
  nBaseline: number;
  nCanary: number;
}

/**
 * Mann-Whitney rank-sum test in bounded, mergeable memory: counts per bucket of a fixed layout
 * (`logBuckets`), one array per cohort, instead of every value. Adding a value is O(1) (log
 * layouts); merging two sketches (two batches, two workers) adds their counts; a look reads the
 * counts once, O(K) — it never re-reads or re-ranks the past, unlike the exact test on stored values.
 *
 * What it computes is exactly the Mann-Whitney test of the values rounded to their buckets (every
 * value of a bucket tied): U by mid-ranks, the tie-corrected variance
 * n₁n₂/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))), and the continuity-corrected normal p-value — the
 * same numbers as `scipy.stats.mannwhitneyu(canary, baseline, method='asymptotic')` on those
 * rounded values (checked against SciPy in the tests). Against the raw values, U differs by at
 * most `maxUError` = ½ Σ_k b_k c_k: with the default 1.025 log layout a pair is only confused when
 * its two values are within 2.5 % of each other.
 */
export class StreamingRankSum {
  readonly baseline: Float64Array;
  readonly canary: Float64Array;

  constructor(readonly layout: BucketLayout) {
    this.baseline = new Float64Array(layout.count);
    this.canary = new Float64Array(layout.count);
  }

  /** one value (finite, ≥ 0) of a cohort */
  add(cohort: 'baseline' | 'canary', value: number): void {
    if (!(Number.isFinite(value) && value >= 0))
      throw new StatsInputError(FN, `values must be finite and >= 0, got ${value}`);
    (cohort === 'canary' ? this.canary : this.baseline)[this.layout.bucketIndex(value)]++;
  }

  /** adds another sketch's counts (same layout): two batches, or two workers' shares */
  merge(other: StreamingRankSum): void {
    if (other.layout.count !== this.layout.count || other.layout.edges.some((e, k) => e !== this.layout.edges[k])) {
      throw new StatsInputError(FN, 'cannot merge sketches of different bucket layouts');
    }
    for (let k = 0; k < this.layout.count; k++) {
      this.baseline[k] += other.baseline[k];
      this.canary[k] += other.canary[k];
    }
  }

  /** the test of "canary greater than baseline" (or less, or either) */
  test(alternative: RankAlternative): StreamingRankResult {
    let nb = 0;
    let nc = 0;
    for (let k = 0; k < this.layout.count; k++) {
      nb += this.baseline[k];
      nc += this.canary[k];
    }
    if (nb === 0 || nc === 0) throw new StatsInputError(FN, `both cohorts need values (baseline ${nb}, canary ${nc})`);
    const n = nb + nc;
    let u = 0;
    let below = 0; // baseline values in lower buckets
    let ties = 0; // Σ (t³ − t) over buckets
    let sameBucketPairs = 0;
    for (let k = 0; k < this.layout.count; k++) {
      const b = this.baseline[k];
      const c = this.canary[k];
      u += c * (below + b / 2);
      below += b;
      const t = b + c;
      ties += t * t * t - t;
      sameBucketPairs += b * c;
    }
    const mu = (nb * nc) / 2;
    const variance = ((nb * nc) / 12) * (n + 1 - ties / (n * (n - 1)));
    const sigma = Math.sqrt(Math.max(0, variance));
    // scipy: the statistic of the alternative, moved ½ toward the mean (continuity), then the normal tail
    let z: number;
    let pValue: number;
    if (sigma === 0) {
      z = 0;
      pValue = 1;
    } else if (alternative === 'greater') {
      z = (u - mu - 0.5) / sigma;
      pValue = normalCdf(-z, 0, 1);
    } else if (alternative === 'less') {
      z = (nb * nc - u - mu - 0.5) / sigma;
      pValue = normalCdf(-z, 0, 1);
    } else {
      z = (Math.max(u, nb * nc - u) - mu - 0.5) / sigma;
      pValue = Math.min(1, 2 * normalCdf(-z, 0, 1));
    }
    return { u, z, sigma, pValue, maxUError: sameBucketPairs / 2, nBaseline: nb, nCanary: nc };
  }
}
