import type { Alternative } from './anytime.ts';
import { clopperPearson } from './clopperPearson.ts';
import { StatsInputError } from './errors.ts';
import { checkAlternative, checkConfidence, checkCount, checkOptionKeys } from './options.ts';
import { lazyFunction } from './lazyFunction.ts';

const binomialCdf = lazyFunction<typeof import('@stdlib/stats-base-dists-binomial-cdf')>(
  '@stdlib/stats-base-dists-binomial-cdf',
);
const binomialPmf = lazyFunction<typeof import('@stdlib/stats-base-dists-binomial-pmf')>(
  '@stdlib/stats-base-dists-binomial-pmf',
);

export interface BinomialTestOptions {
  /** success probability under the null, in [0, 1]; default 0.5 */
  p0?: number;
  /** 'greater': true proportion above p0. Default 'two-sided'. */
  alternative?: Alternative;
  /** confidence level of the Clopper-Pearson interval, default 0.95 */
  confidence?: number;
}

export interface BinomialTestResult {
  p: number;
  /** k / n */
  estimate: number;
  /** Clopper-Pearson interval for the proportion, one-sided for one-sided alternatives */
  low: number;
  high: number;
  confidence: number;
}

/** Relative tolerance for "as probable as the observed k" (SciPy `binomtest`, R `binom.test`). */
const RELATIVE_ERROR = 1 + 1e-7;

/**
 * Exact binomial test of k successes in n trials against success probability p0.
 *
 * Reference: Clopper & Pearson, Biometrika 26 (1934) 404-413 (interval); Hollander, Wolfe &
 * Chicken (2014) §2.1 (test). Matches SciPy `scipy.stats.binomtest(k, n, p0, alternative)` with
 * `.proportion_ci(confidence, method='exact')`, and R `binom.test`.
 *
 * - 'greater': P(X >= k); 'less': P(X <= k), X ~ Binomial(n, p0).
 * - two-sided: the sum of P(X = x) over every x with P(X = x) <= P(X = k) * (1 + 1e-7), found
 *   as SciPy does by a binary search on the far side of the mode; 1 when k = n * p0.
 * - Upper tails are summed term by term from k outwards, so small p-values keep their relative
 *   precision (no 1 - cdf cancellation).
 *
 * n must be a positive integer, k an integer in [0, n], p0 in [0, 1], else `StatsInputError`.
 *
 * @example
 * binomialTest(7, 200, { p0: 0.01, alternative: 'greater' });
 * // => { p: 0.004295..., estimate: 0.035, low: 0.01653..., high: 1, confidence: 0.95 }
 */
export function binomialTest(k: number, n: number, options: BinomialTestOptions = {}): BinomialTestResult {
  const fn = 'binomialTest';
  checkOptionKeys(fn, options, ['p0', 'alternative', 'confidence']);
  const alternative = checkAlternative(fn, options.alternative ?? 'two-sided');
  const confidence = checkConfidence(fn, options.confidence ?? 0.95);
  const p0 = options.p0 ?? 0.5;
  if (typeof p0 !== 'number' || !(p0 >= 0 && p0 <= 1))
    throw new StatsInputError(fn, `p0 must be a number in [0, 1], got ${String(p0)}`);
  checkCount(fn, 'n', n);
  checkCount(fn, 'k', k);
  if (n < 1) throw new StatsInputError(fn, 'n needs at least 1 trial, got 0');
  if (k > n) throw new StatsInputError(fn, `k must be at most n = ${n}, got ${k}`);

  let p: number;
  if (alternative === 'less') p = binomialCdf(k, n, p0);
  else if (alternative === 'greater') p = binomialSf(k, n, p0);
  else p = twoSided(k, n, p0);
  return {
    p: Math.min(1, Math.max(0, p)),
    estimate: k / n,
    ...clopperPearson(k, n, confidence, alternative),
    confidence,
  };
}

/** SciPy's `binomtest` two-sided p-value. */
function twoSided(k: number, n: number, p0: number): number {
  const pmf = (x: number): number => binomialPmf(x, n, p0);
  const d = pmf(k) * RELATIVE_ERROR;
  const mean = n * p0;
  if (k === mean) return 1;
  if (k < mean) {
    // first x above the mode with pmf(x) <= d: everything from there up is as extreme
    const ix = searchNonIncreasing(pmf, d, Math.ceil(mean), n);
    return binomialCdf(k, n, p0) + binomialSf(ix, n, p0);
  }
  // last x below the mode with pmf(x) <= d: everything from 0 to it is as extreme
  const ix = searchNonDecreasing(pmf, d, 0, Math.floor(mean));
  return (ix >= 0 ? binomialCdf(ix, n, p0) : 0) + binomialSf(k, n, p0);
}

/** On [lo, hi] where f does not increase: smallest x with f(x) <= d (hi + 1 if none). */
function searchNonIncreasing(f: (x: number) => number, d: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = Math.floor((a + b) / 2);
    if (f(mid) <= d) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** On [lo, hi] where f does not decrease: largest x with f(x) <= d (lo - 1 if none). */
function searchNonDecreasing(f: (x: number) => number, d: number, lo: number, hi: number): number {
  let a = lo - 1;
  let b = hi;
  while (a < b) {
    const mid = Math.ceil((a + b) / 2);
    if (f(mid) <= d) a = mid;
    else b = mid - 1;
  }
  return a;
}

/** P(X >= k) for X ~ Binomial(n, p), summing the upper tail directly when it is the small side. */
function binomialSf(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  // within two standard deviations above the mean the tail is >= ~2%: 1 - cdf loses nothing
  if (k <= n * p + 2 * Math.sqrt(n * p * (1 - p)) + 1) return 1 - binomialCdf(k - 1, n, p);
  // beyond the mode the terms fall geometrically (ratio (n - x) p / ((x + 1)(1 - p)) < 1)
  let term = binomialPmf(k, n, p);
  let sum = term;
  const odds = p / (1 - p);
  for (let x = k; x < n && term > 0; x++) {
    term *= ((n - x) / (x + 1)) * odds;
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}
