import { StatsInputError } from './errors.ts';

/**
 * Lower tail of the exact null distribution of the Mann-Whitney U statistic for untied samples
 * of sizes `n` and `m`: entry `u` of the result is P(U <= u) for u = 0..maxU.
 *
 * Under the null every one of the C(n+m, n) rank arrangements is equally likely, and the number
 * of arrangements with U = u is the coefficient of q^u in the Gaussian binomial coefficient
 * [n+m choose s]_q = prod_{i=1..s} (1 - q^(t+i)) / (1 - q^i), with s = min(n, m), t = max(n, m)
 * (Andrews, "The Theory of Partitions", 1976, Thm 3.1; the same counting SciPy's
 * `scipy.stats.mannwhitneyu(method='exact')` and R's `pwilcox` use). The product is expanded
 * one factor pair at a time on probabilities (each step rescaled by i/(t+i) so the total stays 1)
 * and truncated at degree maxU, which is exact because each coefficient only depends on lower
 * ones: cost O(min(n, m) * maxU) time and O(maxU) memory.
 *
 * Accuracy is best in the lower tail; callers take upper-tail probabilities through the symmetry
 * P(U >= u) = P(U <= nm - u) and so never need maxU above nm/2.
 *
 * Internal helper of mannWhitneyU and hodgesLehmann (not re-exported from index.ts).
 *
 * @example
 * mannWhitneyUDistribution(5, 5, 0)[0]; // => 1/252 = 0.003968..., both samples separated
 */
export function mannWhitneyUDistribution(n: number, m: number, maxU: number): Float64Array {
  const fn = 'mannWhitneyUDistribution';
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(m) || n < 1 || m < 1) {
    throw new StatsInputError(fn, `sample sizes must be positive integers, got ${n} and ${m}`);
  }
  if (!Number.isSafeInteger(maxU) || maxU < 0 || maxU > n * m) {
    throw new StatsInputError(fn, `maxU must be an integer in [0, ${n * m}], got ${maxU}`);
  }
  const s = Math.min(n, m);
  const t = Math.max(n, m);
  const c = new Float64Array(maxU + 1);
  c[0] = 1;
  for (let i = 1; i <= s; i++) {
    const a = t + i;
    // multiply by (1 - q^a): descending, so c[k - a] is still the previous polynomial
    for (let k = maxU; k >= a; k--) c[k] -= c[k - a];
    // divide by (1 - q^i): ascending prefix sums with stride i
    for (let k = i; k <= maxU; k++) c[k] += c[k - i];
    const scale = i / a;
    for (let k = 0; k <= maxU; k++) c[k] *= scale;
  }
  let sum = 0;
  for (let k = 0; k <= maxU; k++) {
    sum += Math.max(0, c[k]);
    c[k] = Math.min(1, sum);
  }
  return c;
}
