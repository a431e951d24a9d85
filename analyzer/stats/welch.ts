import { mean, sampleVariance } from 'simple-statistics';
import type { Alternative } from './anytime.ts';
import { assertFiniteSample, StatsInputError } from './errors.ts';
import { checkAlternative, checkConfidence, checkOptionKeys } from './options.ts';
import { lazyFunction } from './lazyFunction.ts';

const tCdf = lazyFunction<typeof import('@stdlib/stats-base-dists-t-cdf')>('@stdlib/stats-base-dists-t-cdf');
const tQuantile = lazyFunction<typeof import('@stdlib/stats-base-dists-t-quantile')>(
  '@stdlib/stats-base-dists-t-quantile',
);

export interface WelchTTestOptions {
  /** 'greater': canary mean above baseline mean. Default 'two-sided'. */
  alternative?: Alternative;
  /** confidence level of the interval for the difference, default 0.95 */
  confidence?: number;
}

export interface WelchTTestResult {
  /** (mean canary - mean baseline) / sqrt(s_c^2/n_c + s_b^2/n_b) */
  t: number;
  /** Welch-Satterthwaite degrees of freedom */
  df: number;
  p: number;
  /** mean canary - mean baseline */
  difference: number;
  /** interval for the difference, one-sided for one-sided alternatives */
  low: number;
  high: number;
  confidence: number;
}

/**
 * Welch's unequal-variance t-test of canary against baseline.
 *
 * Reference: Welch, Biometrika 34 (1947) 28-35; Satterthwaite, Biometrics Bull. 2 (1946) 110-114.
 * Matches SciPy `scipy.stats.ttest_ind(canary, baseline, equal_var=False, alternative)` (and its
 * `confidence_interval(confidence)`) and R `t.test(canary, baseline)`.
 *
 * t = (mean_c - mean_b) / se with se^2 = v_c/n_c + v_b/n_b (v the unbiased variances), and
 * df = se^4 / ((v_c/n_c)^2/(n_c - 1) + (v_b/n_b)^2/(n_b - 1)). 'greater': P(T >= t); 'less':
 * P(T <= t); two-sided: 2 P(T >= |t|). The interval is difference +- t_{df} quantile * se, with
 * 'greater' giving [low, Infinity) and 'less' (-Infinity, high].
 *
 * Each sample needs at least 2 finite values, and they must not both be constant (se = 0 leaves
 * t undefined), else `StatsInputError`. Means and unbiased variances come from simple-statistics.
 *
 * @example
 * welchTTest([10, 11, 12, 13], [12, 13, 14, 15]);
 * // => { t: 2.19..., df: 6, p: 0.0709..., difference: 2, low: -0.23..., high: 4.23..., confidence: 0.95 }
 */
export function welchTTest(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  options: WelchTTestOptions = {},
): WelchTTestResult {
  const fn = 'welchTTest';
  checkOptionKeys(fn, options, ['alternative', 'confidence']);
  const alternative = checkAlternative(fn, options.alternative ?? 'two-sided');
  const confidence = checkConfidence(fn, options.confidence ?? 0.95);
  assertFiniteSample(fn, 'baseline', baseline, 2);
  assertFiniteSample(fn, 'canary', canary, 2);
  const b = Array.from(baseline);
  const c = Array.from(canary);
  const vb = sampleVariance(b) / b.length;
  const vc = sampleVariance(c) / c.length;
  const se2 = vb + vc;
  if (!(se2 > 0)) throw new StatsInputError(fn, 'both samples are constant: the t statistic is undefined');
  const se = Math.sqrt(se2);
  const difference = mean(c) - mean(b);
  const t = difference / se;
  const df = (se2 * se2) / ((vc * vc) / (c.length - 1) + (vb * vb) / (b.length - 1));

  let p: number;
  if (alternative === 'greater') p = tCdf(-t, df);
  else if (alternative === 'less') p = tCdf(t, df);
  else p = 2 * tCdf(-Math.abs(t), df);

  const q = tQuantile(alternative === 'two-sided' ? 1 - (1 - confidence) / 2 : confidence, df);
  const low = alternative === 'less' ? Number.NEGATIVE_INFINITY : difference - q * se;
  const high = alternative === 'greater' ? Number.POSITIVE_INFINITY : difference + q * se;
  return { t, df, p: Math.min(1, Math.max(0, p)), difference, low, high, confidence };
}
