import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { assertFiniteSample } from './errors.ts';
import { mannWhitneyUDistribution } from './mannWhitneyUDistribution.ts';
import { checkConfidence, checkOptionKeys } from './options.ts';
import { createRng } from './seededRandom.ts';

export interface HodgesLehmannOptions {
  /** two-sided confidence level of the interval, default 0.95 */
  confidence?: number;
}

export interface HodgesLehmannResult {
  /** median of the n*m differences canary_j - baseline_i */
  shift: number;
  /** order statistics of the differences bracketing the shift at the requested confidence */
  low: number;
  high: number;
  confidence: number;
  /** how the ranks of low/high were found: the exact U distribution or its normal approximation */
  method: 'exact' | 'asymptotic';
}

/** Exact critical ranks while the U distribution is cheap (min(n, m) <= 50 and n*m <= 1e6). */
const EXACT_MAX_SMALL = 50;
const EXACT_MAX_PAIRS = 1e6;
/** Selection: candidates sampled per round, and the count below which they are simply sorted. */
const SAMPLE_SIZE = 4096;
const GATHER_LIMIT = 16384;

/**
 * Hodges-Lehmann estimate of the shift canary - baseline, with its distribution-free interval.
 *
 * Reference: Hodges & Lehmann, Ann. Math. Statist. 34 (1963) 598-611; Lehmann, "Nonparametrics"
 * (1975) §2.6; Hollander, Wolfe & Chicken (2014) §4.3. Matches R
 * `wilcox.test(canary, baseline, conf.int = TRUE, exact = TRUE)$estimate/$conf.int` for untied
 * samples, and the median of SciPy's pairwise differences `np.median(np.subtract.outer(canary, baseline))`.
 *
 * - shift: median of the n*m pairwise differences D = canary_j - baseline_i (for an even count,
 *   the mean of the two middle ones).
 * - interval [D_(k), D_(nm+1-k)] (1-based order statistics). k is the smallest u with
 *   P(U <= u) >= (1 - confidence)/2 under the null distribution of U (R's
 *   `qwilcox(alpha/2, n, m)`; k = 1 when even that is unattainable, giving [min D, max D]). The
 *   exact distribution is used when min(n, m) <= 50 and n*m <= 1e6; otherwise its normal
 *   approximation k = round(nm/2 - z_{1-alpha/2} * sqrt(nm (n + m + 1) / 12))
 *   (Hollander & Wolfe eq. 4.43), at least 1. Ties make the interval conservative.
 *
 * The n*m differences are never materialised: the k-th smallest is selected in the sorted matrix
 * D (rows: baseline descending, columns: canary ascending) by randomised pivoting with an
 * O(n + m) two-pointer count per step (Monahan, ACM TOMS 10 (1984) 265-270, for the one-sample
 * case; Johnson & Mizoguchi, SIAM J. Comput. 7 (1978) 147-153), with Floyd-Rivest sampled pivot
 * pairs so a handful of rounds suffice: O((n + m) log(nm)) per order statistic after sorting.
 * The pivot stream is seeded, so runs are reproducible (and the selected values are exact order
 * statistics whatever the seed). 100,000 values per cohort take a few hundred milliseconds.
 *
 * Empty samples, NaN/Inf values and a confidence outside (0, 1) throw `StatsInputError`.
 *
 * @example
 * hodgesLehmann([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
 * // => { shift: 5, low: 2, high: 8, confidence: 0.95, method: 'exact' }
 */
export function hodgesLehmann(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  options: HodgesLehmannOptions = {},
): HodgesLehmannResult {
  const fn = 'hodgesLehmann';
  checkOptionKeys(fn, options, ['confidence']);
  const confidence = checkConfidence(fn, options.confidence ?? 0.95);
  assertFiniteSample(fn, 'baseline', baseline);
  assertFiniteSample(fn, 'canary', canary);
  const n = baseline.length;
  const m = canary.length;
  const nm = n * m;
  const { select, next } = pairwiseDifferenceSelector(baseline, canary);

  let shift: number;
  if (nm % 2 === 1) shift = select((nm + 1) / 2);
  else {
    const lower = select(nm / 2);
    shift = (lower + next(lower, nm / 2)) / 2;
  }
  const alpha = 1 - confidence;
  const exact = Math.min(n, m) <= EXACT_MAX_SMALL && nm <= EXACT_MAX_PAIRS;
  let k: number;
  if (exact) {
    const half = Math.floor(nm / 2);
    const cdf = mannWhitneyUDistribution(n, m, half);
    k = 0;
    while (k < half && cdf[k] < alpha / 2) k++;
  } else {
    const z = normalQuantile(1 - alpha / 2, 0, 1);
    k = Math.round(nm / 2 - z * Math.sqrt((nm * (n + m + 1)) / 12));
  }
  k = Math.min(Math.max(k, 1), Math.ceil(nm / 2));
  return { shift, low: select(k), high: select(nm + 1 - k), confidence, method: exact ? 'exact' : 'asymptotic' };
}

/**
 * select(k): the k-th smallest (1-based) of y_j - x_i over all pairs, computed with the same
 * floating-point subtraction as a brute-force pass would, so results agree bit for bit;
 * next(v, k): the (k+1)-th smallest given that v is the k-th, with one counting sweep.
 *
 * Each round keeps, per row r, the candidate columns [lo[r], hi[r]); draws a uniform sample of the
 * candidates, takes two sample quantiles just below and above the target rank as pivots
 * (Floyd & Rivest, CACM 18 (1975) 165-172) and counts the differences below each pivot with a
 * two-pointer sweep; the target then lies between the pivots in a small fraction of the
 * candidates. Every round removes at least the pivots, so it terminates; once few candidates are
 * left they are gathered and sorted.
 */
function pairwiseDifferenceSelector(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
): { select: (k: number) => number; next: (v: number, k: number) => number } {
  const xs = Float64Array.from(baseline).sort().reverse(); // row r: baseline descending
  const y = Float64Array.from(canary).sort(); // column j: canary ascending
  const n = xs.length;
  const m = y.length;
  // D[r][j] = y[j] - xs[r] is non-decreasing along rows and along columns.
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const ltLow = new Int32Array(n);
  const leLow = new Int32Array(n);
  const ltHigh = new Int32Array(n);
  const leHigh = new Int32Array(n);
  const start = new Float64Array(n + 1); // start[r] = candidates in rows before r

  /**
   * One sweep for both pivots: ltLow[r] = #{j: D[r][j] < low}, leLow[r] = #{j: D[r][j] <= low},
   * and the same for high. All four shrink as r grows, so each pointer only moves down.
   */
  const count = (
    low: number,
    high: number,
  ): { belowLow: number; atMostLow: number; belowHigh: number; atMostHigh: number } => {
    let belowLow = 0;
    let atMostLow = 0;
    let belowHigh = 0;
    let atMostHigh = 0;
    let a = m;
    let b = m;
    let c = m;
    let d = m;
    for (let r = 0; r < n; r++) {
      const xr = xs[r];
      while (a > 0 && y[a - 1] - xr >= low) a--;
      while (b > 0 && y[b - 1] - xr > low) b--;
      while (c > 0 && y[c - 1] - xr >= high) c--;
      while (d > 0 && y[d - 1] - xr > high) d--;
      ltLow[r] = a;
      leLow[r] = b;
      ltHigh[r] = c;
      leHigh[r] = d;
      belowLow += a;
      atMostLow += b;
      belowHigh += c;
      atMostHigh += d;
    }
    return { belowLow, atMostLow, belowHigh, atMostHigh };
  };

  const next = (v: number, k: number): number => {
    if (count(v, v).atMostLow > k) return v;
    let smallest = Number.POSITIVE_INFINITY;
    for (let r = 0; r < n; r++) if (leLow[r] < m) smallest = Math.min(smallest, y[leLow[r]] - xs[r]);
    return smallest;
  };

  const select = (k: number): number => {
    // seeded, so every run makes the same choices
    const random = createRng(0x2545f491, 'hodgesLehmann/pivot').next;
    lo.fill(0);
    hi.fill(m);
    let before = 0; // differences known to be below every candidate (sum of lo)
    for (;;) {
      for (let r = 0; r < n; r++) start[r + 1] = start[r] + (hi[r] - lo[r]);
      const candidates = start[n];
      if (candidates <= GATHER_LIMIT) {
        const values = new Float64Array(candidates);
        let at = 0;
        for (let r = 0; r < n; r++) for (let j = lo[r]; j < hi[r]; j++) values[at++] = y[j] - xs[r];
        values.sort();
        return values[k - before - 1];
      }
      const sample = new Float64Array(SAMPLE_SIZE);
      for (let s = 0; s < SAMPLE_SIZE; s++) {
        const at = Math.floor(random() * candidates);
        let a = 0;
        let b = n - 1; // last row with start[row] <= at
        while (a < b) {
          const mid = (a + b + 1) >>> 1;
          if (start[mid] <= at) a = mid;
          else b = mid - 1;
        }
        sample[s] = y[lo[a] + (at - start[a])] - xs[a];
      }
      sample.sort();
      const centre = ((k - before) / candidates) * SAMPLE_SIZE;
      const spread = 3 * Math.sqrt(SAMPLE_SIZE);
      const low = sample[Math.max(0, Math.floor(centre - spread))];
      const high = sample[Math.min(SAMPLE_SIZE - 1, Math.ceil(centre + spread))];
      const counted = count(low, high);
      if (k > counted.belowLow && k <= counted.atMostLow) return low;
      if (k > counted.belowHigh && k <= counted.atMostHigh) return high;
      // narrow to the side of (or the gap between) the pivots that holds rank k
      const newLo = k <= counted.belowLow ? null : k <= counted.belowHigh ? leLow : leHigh;
      const newHi = k <= counted.belowLow ? ltLow : k <= counted.belowHigh ? ltHigh : null;
      before = 0;
      for (let r = 0; r < n; r++) {
        if (newLo) lo[r] = Math.max(lo[r], newLo[r]);
        if (newHi) hi[r] = Math.min(hi[r], newHi[r]);
        before += lo[r];
      }
    }
  };

  return { select, next };
}
