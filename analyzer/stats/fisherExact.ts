import type { Alternative } from './anytime.ts';
import { StatsInputError } from './errors.ts';
import { checkAlternative, checkCount, checkOptionKeys } from './options.ts';
import { lazyFunction } from './lazyFunction.ts';

const hypergeometricPmf = lazyFunction<typeof import('@stdlib/stats-base-dists-hypergeometric-pmf')>(
  '@stdlib/stats-base-dists-hypergeometric-pmf',
);

/** [[a, b], [c, d]]: rows are the groups, columns the outcomes (e.g. [[errors, ok], [errors, ok]]). */
export type FisherTable = readonly [readonly [number, number], readonly [number, number]];

export interface FisherExactOptions {
  /** 'greater': odds ratio above 1 (first row has the higher share of the first column). Default 'two-sided'. */
  alternative?: Alternative;
}

export interface FisherExactResult {
  p: number;
  /** sample odds ratio a*d / (b*c); Infinity when b*c = 0 < a*d; NaN when a row or column is empty */
  oddsRatio: number;
}

/** Relative tolerance for "no more probable than the observed table" (R `fisher.test`). */
const RELATIVE_ERROR = 1 + 1e-7;

/**
 * Fisher's exact test for a 2x2 table.
 *
 * Reference: Fisher, "Statistical Methods for Research Workers" (1934) §21.02; Agresti,
 * "Categorical Data Analysis" (3rd ed., 2013) §3.5. Matches SciPy
 * `scipy.stats.fisher_exact(table, alternative)` and R `fisher.test(table)$p.value`.
 *
 * With the margins fixed, a follows the hypergeometric law: population a+b+c+d, a+b marked,
 * a+c drawn. 'less': P(X <= a); 'greater': P(X >= a); two-sided: the sum of P(X = x) over all x
 * with P(X = x) <= P(X = a) * (1 + 1e-7). The tolerance is R's; SciPy 1.17 uses 1 + 1e-14, which
 * differs only when a probability lies within a relative 1e-7 of the observed one — in practice
 * tables that are exactly as probable (mirror tables of equal margins), which 1e-7 includes
 * robustly despite rounding. A table with an empty row or column has p = 1.
 *
 * The probabilities are computed from the mode outwards with the ratio
 * P(x+1)/P(x) = (K - x)(n - x) / ((x + 1)(N - K - n + x + 1)), stopping where they underflow, so
 * the work grows with the distribution's standard deviation, not with the table's size.
 *
 * Cells must be non-negative integers, else `StatsInputError`.
 *
 * @example
 * fisherExact([[1, 99], [6, 94]]); // => { p: 0.1184..., oddsRatio: 0.1582... }
 */
export function fisherExact(table: FisherTable, options: FisherExactOptions = {}): FisherExactResult {
  const fn = 'fisherExact';
  checkOptionKeys(fn, options, ['alternative']);
  const alternative = checkAlternative(fn, options.alternative ?? 'two-sided');
  if (!Array.isArray(table) || table.length !== 2 || !table.every((row) => Array.isArray(row) && row.length === 2)) {
    throw new StatsInputError(fn, 'table must be [[a, b], [c, d]]');
  }
  const a = checkCount(fn, 'table[0][0]', table[0][0]);
  const b = checkCount(fn, 'table[0][1]', table[0][1]);
  const c = checkCount(fn, 'table[1][0]', table[1][0]);
  const d = checkCount(fn, 'table[1][1]', table[1][1]);
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) return { p: 1, oddsRatio: Number.NaN };
  const oddsRatio = b > 0 && c > 0 ? (a * d) / (b * c) : Number.POSITIVE_INFINITY;
  return { p: fisherP(a, a + b, a + c, a + b + c + d, alternative), oddsRatio };
}

/** p-value for X = a, X ~ Hypergeometric(population N, marked K, drawn n). */
function fisherP(a: number, K: number, n: number, N: number, alternative: Alternative): number {
  const { first, pmf } = hypergeometricTerms(K, n, N);
  const last = first + pmf.length - 1;
  let p = 0;
  if (alternative === 'less') {
    for (let x = Math.min(a, last); x >= first; x--) p += pmf[x - first];
  } else if (alternative === 'greater') {
    for (let x = Math.max(a, first); x <= last; x++) p += pmf[x - first];
  } else {
    // a table so improbable that its probability underflows counts (only) itself
    const observed = a >= first && a <= last ? pmf[a - first] : hypergeometricPmf(a, N, K, n);
    const cut = observed * RELATIVE_ERROR;
    for (let i = 0; i < pmf.length; i++) if (pmf[i] <= cut) p += pmf[i];
    if (a < first || a > last) p += observed;
  }
  return Math.min(1, Math.max(0, p));
}

/**
 * The hypergeometric probabilities that do not underflow, pmf[i] = P(X = first + i), from
 * stdlib's value at the mode and the ratio of successive terms on each side.
 */
function hypergeometricTerms(K: number, n: number, N: number): { first: number; pmf: Float64Array } {
  const lower = Math.max(0, n + K - N);
  const upper = Math.min(K, n);
  const mode = Math.min(upper, Math.max(lower, Math.floor(((n + 1) * (K + 1)) / (N + 2))));
  const atMode = hypergeometricPmf(mode, N, K, n);
  const up: number[] = [];
  let term = atMode;
  for (let x = mode; x < upper; x++) {
    term *= ((K - x) * (n - x)) / ((x + 1) * (N - K - n + x + 1));
    if (term === 0) break;
    up.push(term);
  }
  const down: number[] = [];
  term = atMode;
  for (let x = mode; x > lower; x--) {
    // P(x-1)/P(x) = x (N - K - n + x) / ((K - x + 1)(n - x + 1))
    term *= (x * (N - K - n + x)) / ((K - x + 1) * (n - x + 1));
    if (term === 0) break;
    down.push(term);
  }
  const pmf = new Float64Array(down.length + 1 + up.length);
  for (let i = 0; i < down.length; i++) pmf[down.length - 1 - i] = down[i];
  pmf[down.length] = atMode;
  for (let i = 0; i < up.length; i++) pmf[down.length + 1 + i] = up[i];
  return { first: mode - down.length, pmf };
}
