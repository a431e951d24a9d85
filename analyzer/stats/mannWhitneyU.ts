import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { Alternative } from './anytime.ts';
import { assertFiniteSample, StatsInputError } from './errors.ts';
import { mannWhitneyUDistribution } from './mannWhitneyUDistribution.ts';
import { checkAlternative, checkChoice, checkOptionKeys } from './options.ts';

export interface MannWhitneyUOptions {
  /** 'greater': canary stochastically greater than baseline. Default 'two-sided'. */
  alternative?: Alternative;
  /**
   * 'exact': the permutation distribution of U (untied samples only);
   * 'asymptotic': normal approximation with tie and continuity correction;
   * 'auto' (default): SciPy's rule — exact when min(n, m) <= 8 and there are no ties.
   */
  method?: 'auto' | 'exact' | 'asymptotic';
}

export interface MannWhitneyUResult {
  /** U of the canary: #pairs (canary > baseline) + 0.5 * #pairs (canary = baseline); 0..n*m */
  U: number;
  p: number;
  method: 'exact' | 'asymptotic';
  /** standardised statistic (with the continuity correction), asymptotic method only */
  z?: number;
}

/** Work bound for the exact distribution: min(n, m) * n * m steps (n = m = 1000 at most). */
const EXACT_WORK_LIMIT = 1e9;

/**
 * Mann-Whitney U (Wilcoxon rank-sum) test of canary against baseline.
 *
 * Reference: Mann & Whitney, Ann. Math. Statist. 18 (1947) 50-60; Hollander, Wolfe & Chicken,
 * "Nonparametric Statistical Methods" (3rd ed., 2014) §4.1. Matches SciPy
 * `scipy.stats.mannwhitneyu(canary, baseline, use_continuity=True, alternative, method)`
 * (SciPy 1.17) and R `wilcox.test(canary, baseline, correct = TRUE)`.
 *
 * - U counts the canary's wins: U = #{(i, j): canary_j > baseline_i} + 0.5 * #ties; the
 *   baseline's statistic is n*m - U.
 * - 'exact' p-values come from the null distribution of U (see mannWhitneyUDistribution):
 *   'greater' P(U' >= U), 'less' P(U' <= U), two-sided 2 * P(U' >= max(U, nm - U)) capped at 1.
 *   The exact distribution assumes no ties, so `method: 'exact'` with tied values throws;
 *   it is also refused above min(n, m) * n * m = 1e9 (use 'asymptotic').
 * - 'asymptotic': z = (U - nm/2 - 0.5 * sign) / sigma with the tie-corrected
 *   sigma^2 = nm/12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))), N = n + m, t the sizes of the tie
 *   groups; the continuity correction's sign moves z towards 0 (SciPy's `_correction_sign`:
 *   +1 for 'greater', -1 for 'less', sign(U - nm/2) for two-sided). When every observation is
 *   tied (sigma = 0) there is no evidence either way: z = 0 and p = 1.
 * - 'auto' follows SciPy's `_mwu_choose_method`: exact when min(n, m) <= 8 and there are no ties
 *   (and the work bound above holds), asymptotic otherwise.
 *
 * Ranks come from sorting each sample once and merging: O((n + m) log(n + m)) time, no n*m pass.
 * Empty samples, NaN/Inf values and unknown options throw `StatsInputError`.
 *
 * @example
 * mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], { alternative: 'greater' });
 * // => { U: 25, p: 0.003968..., method: 'exact' }   (1/252: complete separation)
 */
export function mannWhitneyU(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  options: MannWhitneyUOptions = {},
): MannWhitneyUResult {
  const fn = 'mannWhitneyU';
  checkOptionKeys(fn, options, ['alternative', 'method']);
  const alternative = checkAlternative(fn, options.alternative ?? 'two-sided');
  const requested = checkChoice(fn, 'method', options.method ?? 'auto', ['auto', 'exact', 'asymptotic'] as const);
  assertFiniteSample(fn, 'baseline', baseline);
  assertFiniteSample(fn, 'canary', canary);

  const n = baseline.length;
  const m = canary.length;
  const x = Float64Array.from(baseline).sort();
  const y = Float64Array.from(canary).sort();
  const { U, tieTerm } = rankStatistic(x, y);
  const nm = n * m;
  const exactAffordable = Math.min(n, m) * nm <= EXACT_WORK_LIMIT;
  let method: 'exact' | 'asymptotic';
  if (requested === 'exact') {
    if (tieTerm > 0)
      throw new StatsInputError(
        fn,
        "method 'exact' needs untied values (the exact null distribution assumes no ties); use 'asymptotic' or 'auto'",
      );
    if (!exactAffordable)
      throw new StatsInputError(
        fn,
        `method 'exact' is limited to min(n, m) * n * m <= ${EXACT_WORK_LIMIT} (got n=${n}, m=${m}); use 'asymptotic'`,
      );
    method = 'exact';
  } else if (requested === 'asymptotic') {
    method = 'asymptotic';
  } else {
    method = Math.min(n, m) <= 8 && tieTerm === 0 && exactAffordable ? 'exact' : 'asymptotic';
  }

  if (method === 'exact') return { U, p: exactP(U, n, m, alternative), method };

  const N = n + m;
  const sigma = Math.sqrt((nm / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  const centred = U - nm / 2;
  if (!(sigma > 0)) return { U, p: 1, method, z: 0 };
  const sign = alternative === 'greater' ? 1 : alternative === 'less' ? -1 : Math.sign(centred);
  const z = (centred - 0.5 * sign) / sigma;
  let p: number;
  if (alternative === 'greater') p = normalCdf(-z, 0, 1);
  else if (alternative === 'less') p = normalCdf(z, 0, 1);
  else p = 2 * normalCdf(-Math.abs(z), 0, 1);
  return { U, p: Math.min(1, Math.max(0, p)), method, z };
}

/**
 * U of `y` against `x` (both sorted ascending) and the tie term sum(t^3 - t) over the tie groups
 * of the pooled sample, by one merge pass: each y value scores #x below it + 0.5 * #x equal.
 */
function rankStatistic(x: Float64Array, y: Float64Array): { U: number; tieTerm: number } {
  let i = 0;
  let j = 0;
  let twiceU = 0;
  let tieTerm = 0;
  while (i < x.length || j < y.length) {
    const v = j >= y.length || (i < x.length && x[i] < y[j]) ? x[i] : y[j];
    const xStart = i;
    while (i < x.length && x[i] === v) i++;
    const yStart = j;
    while (j < y.length && y[j] === v) j++;
    const tiedX = i - xStart;
    const tiedY = j - yStart;
    // each of the tiedY canary values beats xStart baseline values and ties with tiedX of them
    twiceU += tiedY * (2 * xStart + tiedX);
    const group = tiedX + tiedY;
    if (group > 1) tieTerm += group * group * group - group;
  }
  return { U: twiceU / 2, tieTerm };
}

/** Exact p-value from the lower tail of the null distribution (symmetry gives the upper tail). */
function exactP(U: number, n: number, m: number, alternative: Alternative): number {
  const nm = n * m;
  // P(U' >= u) = P(U' <= nm - u)
  const sf = (u: number): number => lowerTail(nm - u, n, m);
  let p: number;
  if (alternative === 'greater') p = sf(U);
  else if (alternative === 'less') p = lowerTail(U, n, m);
  else p = 2 * sf(Math.max(U, nm - U));
  return Math.min(1, Math.max(0, p));
}

/** P(U' <= u), computing only the tail below nm/2. */
function lowerTail(u: number, n: number, m: number): number {
  const nm = n * m;
  if (u < 0) return 0;
  if (u >= nm) return 1;
  if (u <= nm / 2) return mannWhitneyUDistribution(n, m, u)[u];
  // P(U' <= u) = 1 - P(U' >= u + 1) = 1 - P(U' <= nm - u - 1), and nm - u - 1 < nm/2
  const v = nm - u - 1;
  return 1 - mannWhitneyUDistribution(n, m, v)[v];
}
