import type { Alternative } from './anytime.ts';
import { lazyFunction } from './lazyFunction.ts';

const betaQuantile = lazyFunction<typeof import('@stdlib/stats-base-dists-beta-quantile')>(
  '@stdlib/stats-base-dists-beta-quantile',
);

/**
 * Clopper-Pearson ("exact") confidence interval for a binomial proportion from k successes in n
 * trials: the beta quantiles low = B(alpha; k, n - k + 1), high = B(1 - alpha; k + 1, n - k), with
 * alpha = (1 - confidence)/2 for a two-sided interval and 1 - confidence for a one-sided one
 * ('greater' gives [low, 1], 'less' gives [0, high]); low = 0 when k = 0, high = 1 when k = n, and
 * n = 0 gives [0, 1].
 *
 * Reference: Clopper & Pearson, Biometrika 26 (1934) 404-413. Matches SciPy
 * `scipy.stats.binomtest(k, n).proportion_ci(confidence_level, method='exact')` and R
 * `binom.test(k, n)$conf.int`.
 *
 * Internal helper of binomialTest and poissonRateTest (not re-exported from index.ts); callers
 * validate k, n and confidence.
 *
 * @example
 * clopperPearson(7, 200, 0.95, 'two-sided'); // => { low: 0.01418..., high: 0.07079... }
 */
export function clopperPearson(
  k: number,
  n: number,
  confidence: number,
  alternative: Alternative,
): { low: number; high: number } {
  const alpha = alternative === 'two-sided' ? (1 - confidence) / 2 : 1 - confidence;
  const low = alternative === 'less' || k === 0 ? 0 : betaQuantile(alpha, k, n - k + 1);
  const high = alternative === 'greater' || k === n ? 1 : betaQuantile(1 - alpha, k + 1, n - k);
  return { low, high };
}
