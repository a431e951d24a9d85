import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Alternative } from './anytime.ts';
import { StatsInputError } from './errors.ts';
import { fisherExact } from './fisherExact.ts';
import { checkAlternative, checkChoice, checkConfidence, checkCount, checkOptionKeys } from './options.ts';

export interface TwoProportionData {
  /** events (e.g. failed requests) out of total, per cohort */
  baselineEvents: number;
  baselineTotal: number;
  canaryEvents: number;
  canaryTotal: number;
}

export interface TwoProportionTestOptions {
  /** 'greater': canary proportion higher than baseline's. Default 'two-sided'. */
  alternative?: Alternative;
  /** confidence level of the relative-risk interval, default 0.95 */
  confidence?: number;
  /** 'auto' (default): Fisher's exact test when an expected cell count is below 5, else the z-test */
  method?: 'auto' | 'z' | 'fisher';
}

export interface TwoProportionTestResult {
  p: number;
  /** pooled z statistic (0 when no or every trial is an event) */
  z: number;
  /** canary proportion - baseline proportion */
  difference: number;
  /** canary proportion / baseline proportion (0.5 added to every cell when one is 0; 1 with no events at all) */
  relativeRisk: number;
  /** Katz log interval for the relative risk, one-sided for one-sided alternatives */
  low: number;
  high: number;
  confidence: number;
  /** which test gave p */
  method: 'two-proportion-z' | 'fisher-exact';
}

/**
 * Compares the event proportions of two cohorts (errors/requests, failed/total checkouts).
 *
 * p-value, by `method`:
 * - 'z': the pooled two-proportion z-test, z = (pc - pb) / sqrt(pp (1 - pp) (1/nc + 1/nb)) with
 *   pp = (xc + xb) / (nc + nb) (Agresti, "Categorical Data Analysis", 3rd ed. 2013, §3.1.5; equals
 *   the square root of Pearson's chi-square without continuity correction, R
 *   `prop.test(c(xc, xb), c(nc, nb), correct = FALSE)`, statsmodels `proportions_ztest`).
 * - 'fisher': Fisher's exact test (see fisherExact) on [[xc, nc - xc], [xb, nb - xb]], whose
 *   'greater' is the canary's proportion above the baseline's.
 * - 'auto': Fisher when any expected count (row total * column total / grand total) is below 5 —
 *   the classic condition for the normal approximation (Cochran, Biometrics 10 (1954) 417-451) —
 *   else z. `method` in the result says which ran.
 *
 * Interval: Katz et al., Biometrics 34 (1978) 469-474: log RR +- z * sqrt(1/xc - 1/nc + 1/xb - 1/nb);
 * when a cell is 0, 0.5 is added to every cell (Haldane-Anscombe) for the estimate and the
 * interval, so both stay finite. With no events in either cohort the data carry no information on
 * the ratio: relativeRisk = 1 and the interval is [0, Infinity].
 * Two-sided by default; 'greater' gives [low, Infinity), 'less' gives [0, high].
 *
 * Events must be integers in [0, total] and totals at least 1, else `StatsInputError`.
 *
 * @example
 * twoProportionTest({ baselineEvents: 20, baselineTotal: 2000, canaryEvents: 40, canaryTotal: 2000 });
 * // => { p: 0.00927..., z: 2.60..., difference: 0.01, relativeRisk: 2, low: 1.17..., high: 3.40..., method: 'two-proportion-z', ... }
 */
export function twoProportionTest(
  data: TwoProportionData,
  options: TwoProportionTestOptions = {},
): TwoProportionTestResult {
  const fn = 'twoProportionTest';
  checkOptionKeys(fn, options, ['alternative', 'confidence', 'method']);
  const alternative = checkAlternative(fn, options.alternative ?? 'two-sided');
  const confidence = checkConfidence(fn, options.confidence ?? 0.95);
  const requested = checkChoice(fn, 'method', options.method ?? 'auto', ['auto', 'z', 'fisher'] as const);
  if (data === null || typeof data !== 'object') throw new StatsInputError(fn, 'data must be an object');
  const xc = checkCount(fn, 'canaryEvents', data.canaryEvents);
  const nc = checkCount(fn, 'canaryTotal', data.canaryTotal);
  const xb = checkCount(fn, 'baselineEvents', data.baselineEvents);
  const nb = checkCount(fn, 'baselineTotal', data.baselineTotal);
  if (nc < 1 || nb < 1) throw new StatsInputError(fn, `totals must be at least 1, got canary ${nc} and baseline ${nb}`);
  if (xc > nc || xb > nb)
    throw new StatsInputError(fn, `events cannot exceed totals (canary ${xc}/${nc}, baseline ${xb}/${nb})`);

  const pc = xc / nc;
  const pb = xb / nb;
  const pooled = (xc + xb) / (nc + nb);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nb));
  const z = se > 0 ? (pc - pb) / se : 0;

  const N = nc + nb;
  const events = xc + xb;
  const expected = (Math.min(nc, nb) * Math.min(events, N - events)) / N;
  const method = requested === 'fisher' || (requested === 'auto' && expected < 5) ? 'fisher-exact' : 'two-proportion-z';
  let p: number;
  if (method === 'fisher-exact') {
    p = fisherExact(
      [
        [xc, nc - xc],
        [xb, nb - xb],
      ],
      { alternative },
    ).p;
  } else if (se === 0) {
    p = 1;
  } else if (alternative === 'greater') {
    p = normalCdf(-z, 0, 1);
  } else if (alternative === 'less') {
    p = normalCdf(z, 0, 1);
  } else {
    p = 2 * normalCdf(-Math.abs(z), 0, 1);
  }

  if (events === 0) {
    // no events anywhere: the data say nothing about the ratio
    return {
      p: Math.min(1, Math.max(0, p)),
      z,
      difference: 0,
      relativeRisk: 1,
      low: 0,
      high: Number.POSITIVE_INFINITY,
      confidence,
      method,
    };
  }
  const corrected = xc === 0 || xb === 0 || xc === nc || xb === nb ? 0.5 : 0;
  const a = xc + corrected;
  const b = xb + corrected;
  const ta = nc + 2 * corrected;
  const tb = nb + 2 * corrected;
  const relativeRisk = a / ta / (b / tb);
  const spread = Math.sqrt(1 / a - 1 / ta + 1 / b - 1 / tb);
  const quantile = normalQuantile(alternative === 'two-sided' ? 1 - (1 - confidence) / 2 : confidence, 0, 1);
  const low = alternative === 'less' ? 0 : relativeRisk * Math.exp(-quantile * spread);
  const high = alternative === 'greater' ? Number.POSITIVE_INFINITY : relativeRisk * Math.exp(quantile * spread);
  return { p: Math.min(1, Math.max(0, p)), z, difference: pc - pb, relativeRisk, low, high, confidence, method };
}
