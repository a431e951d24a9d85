import betaln from '@stdlib/math-base-special-betaln';
import { StatsInputError } from './errors.ts';
import { checkOptionKeys } from './options.ts';

export interface QuantileCSOptions {
  /** which quantile, in (0, 1) (0.5 = median) */
  p: number;
  /** the sequence covers the true p-quantile at all times with probability ≥ 1 − alpha */
  alpha: number;
  /** sample size at which the boundary is tightest (Howard et al. 2021, §3.5); default 2000 (10 min at 200/min) */
  tOpt?: number;
}

export interface QuantileInterval {
  /** the empirical p-quantile, interpolated linearly inside its bucket (Prometheus histogram_quantile) */
  estimate: number;
  /** a bucket edge (0 below the first edge) */
  low: number;
  /** a bucket edge; +Infinity when the quantile may lie in the +Inf bucket */
  high: number;
}

const FN = 'quantileConfidenceSequence';

/**
 * Time-uniform confidence sequence for the p-quantile q of i.i.d. observations known only through a
 * cumulative histogram: `cdfCounts[k]` = number of observations ≤ `edges[k]` (Prometheus `le`
 * buckets, edges strictly increasing and > 0, the last one may be +Infinity; observations ≥ 0; the
 * total is `cdfCounts[last]`). Howard & Ramdas (2022), "Sequential estimation of quantiles with
 * applications to A/B-testing and best-arm identification", Bernoulli 28(3), Theorem 1, with their
 * beta-binomial boundary, specialised to a CDF known at bucket edges:
 *
 *  - A_i = 1{X_i < q} is Bernoulli(≤ p) and D_i = 1{X_i ≤ q} is Bernoulli(≥ p) for any distribution
 *    (atoms included). For Bernoulli(p) increments the beta-binomial mixture
 *      M_t(s) = B(a + s, b + t − s) / B(a, b) / (p^s (1 − p)^(t − s)),  a = p·m, b = (1 − p)·m,
 *    is a nonnegative martingale in (t, S_t) (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021,
 *    "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Stat., §3), so by Ville's
 *    inequality it ever reaches 2/alpha with probability ≤ alpha/2. log M_t is convex in s, so each
 *    crossing region is a ray: s ≥ u_t or s ≤ l_t (roots found by bisection). Both events are
 *    monotone in the indicators, so coupling extends the bound to Bernoulli(≤ p) sums crossing up
 *    and Bernoulli(≥ p) sums crossing down.
 *  - Upper bound: if an edge e has N_t(≤ e) ≥ u_t and e < q, then Σ A_i ≥ N_t(≤ e) ≥ u_t, a
 *    crossing; so q ≤ the smallest such edge. Lower bound: if N_t(≤ e) ≤ l_t and e ≥ q, then
 *    Σ D_i ≤ l_t; so q > the largest such edge. These are the conservative bucket edges (the lower
 *    edge of the bucket holding the lower rank, the upper edge of the one holding the upper rank).
 *  - Union bound over the two sides: coverage ≥ 1 − alpha at all t simultaneously.
 * The two-sided mixture spends part of each side's alpha/2 on the side it does not use; a
 * one-sided (truncated-beta) mixture would be ~5% narrower but needs the incomplete beta function.
 * The mixing size m = ρ/(p(1 − p)) − 1 with ρ the normal-mixture optimum at intrinsic time
 * tOpt·p(1 − p) (Howard et al. 2021, eq. (23); confseq's BetaBinomialMixture does the same).
 * Coarse buckets make the interval at least one bucket wide (Traefik's 0.1/0.3/1.2/5/+Inf:
 * a median near 0.25 s is only ever known to lie in (0.1, 0.3] or wider) — honest, not wrong.
 * Needs at least one observation; bad input throws `StatsInputError`.
 *
 * @example
 * quantileConfidenceSequence([10, 400, 900, 1000], [0.1, 0.3, 1.2, Infinity], { p: 0.5, alpha: 0.05 })
 * // → { estimate: 0.48, low: 0.3, high: 1.2 } (Traefik-like buckets: the median is only known to a bucket)
 */
export function quantileConfidenceSequence(
  cdfCounts: ArrayLike<number>,
  edges: ArrayLike<number>,
  options: QuantileCSOptions,
): QuantileInterval {
  checkOptionKeys(FN, options, ['p', 'alpha', 'tOpt']);
  const { p, alpha, tOpt = 2000 } = options;
  if (!(p > 0 && p < 1)) throw new StatsInputError(FN, `p must be in (0, 1), got ${p}`);
  if (!(alpha > 0 && alpha < 1)) throw new StatsInputError(FN, `alpha must be in (0, 1), got ${alpha}`);
  if (!(tOpt >= 1 && Number.isFinite(tOpt)))
    throw new StatsInputError(FN, `tOpt must be a finite number >= 1, got ${tOpt}`);
  const K = edges.length;
  if (K < 1 || cdfCounts.length !== K) {
    throw new StatsInputError(FN, `cdfCounts and edges need the same non-zero length (${cdfCounts.length} vs ${K})`);
  }
  for (let k = 0; k < K; k++) {
    const e = edges[k];
    if (!(e > 0) || (k < K - 1 && !Number.isFinite(e)))
      throw new StatsInputError(FN, `edges[${k}] must be > 0 (only the last may be +Infinity), got ${e}`);
    if (k > 0 && !(e > edges[k - 1]))
      throw new StatsInputError(FN, `edges must be strictly increasing (edges[${k}] = ${e})`);
    const c = cdfCounts[k];
    if (!(Number.isFinite(c) && c >= (k > 0 ? cdfCounts[k - 1] : 0))) {
      throw new StatsInputError(FN, `cdfCounts must be finite, >= 0 and nondecreasing (cdfCounts[${k}] = ${c})`);
    }
  }
  const n = cdfCounts[K - 1];
  if (!(n > 0)) throw new StatsInputError(FN, 'needs at least one observation');

  const { lower, upper } = betaBinomialRoots(n, p, alpha / 2, tOpt);
  let low = 0;
  let high = Infinity;
  for (let k = 0; k < K; k++) {
    if (cdfCounts[k] <= lower) low = edges[k];
    if (cdfCounts[k] >= upper) {
      high = edges[k];
      break;
    }
  }
  return { estimate: interpolatedQuantile(cdfCounts, edges, p), low, high };
}

/**
 * Crossing points of the beta-binomial mixture at threshold 1/alphaSide after t trials:
 * log M_t(s) ≥ log(1/alphaSide) iff s ≤ lower or s ≥ upper (−Infinity / +Infinity when out of reach).
 */
function betaBinomialRoots(t: number, p: number, alphaSide: number, tOpt: number): { lower: number; upper: number } {
  const L = Math.log(1 / alphaSide);
  const rho = (tOpt * p * (1 - p)) / (2 * L + Math.log(1 + 2 * L));
  const m = Math.max(rho / (p * (1 - p)) - 1, 1e-3 / (p * (1 - p)));
  const a = p * m;
  const b = (1 - p) * m;
  const logPrior = betaln(a, b);
  const lp = Math.log(p);
  const lq = Math.log(1 - p);
  const excess = (s: number): number => betaln(a + s, b + t - s) - logPrior - s * lp - (t - s) * lq - L;
  const centre = t * p; // M_t(tp) ≤ 1: p maximises the likelihood there, so the centre is inside
  // Counts are compared with the roots, and counts are integers: the integer crossing points
  // decide every comparison exactly (and any fractional count conservatively). log M_t is convex
  // with M_t(centre) ≤ 1, so {s : excess(s) ≥ 0} ∩ [0, t] is [0, l] ∪ [u, t]: each end is found by
  // a search outwards from the normal-mixture boundary's radius (Howard et al. 2021, eq. (14); the
  // beta-binomial boundary is close to it), ~5 evaluations of the mixture where bisecting the
  // whole half-range takes ~log2(t) and a bisection to 1e-9·t ~30.
  const variance = t * p * (1 - p);
  const radius = Math.sqrt((variance + rho) * (2 * L + Math.log((variance + rho) / rho)));
  const crosses = (s: number): boolean => excess(s) >= 0;
  let lower = -Infinity;
  if (crosses(0)) lower = lastHolding(0, Math.floor(centre), centre - radius, crosses);
  let upper = Infinity;
  if (crosses(t)) {
    const from = Math.ceil(centre);
    const to = Math.floor(t);
    const mirror = from + to;
    const first = mirror - lastHolding(from, to, mirror - (centre + radius), (s) => crosses(mirror - s));
    upper = first > to ? t : first; // no integer crosses: only t itself (a fractional total)
  }
  return { lower, upper };
}

/**
 * The last integer in [from, to] where `holds` is true, given that it is true on a prefix of the
 * range (from − 1 when it holds nowhere): galloping outwards from `guess`, then bisecting.
 */
function lastHolding(from: number, to: number, guess: number, holds: (s: number) => boolean): number {
  let yes = from - 1;
  let no = to + 1;
  const g = Math.min(to, Math.max(from, Math.round(guess)));
  if (holds(g)) {
    yes = g;
    for (let step = 1; g + step < no; step *= 2) {
      if (!holds(g + step)) {
        no = g + step;
        break;
      }
      yes = g + step;
    }
  } else {
    no = g;
    for (let step = 1; g - step > yes; step *= 2) {
      if (holds(g - step)) {
        yes = g - step;
        break;
      }
      no = g - step;
    }
  }
  while (no - yes > 1) {
    const mid = Math.floor((yes + no) / 2);
    if (holds(mid)) yes = mid;
    else no = mid;
  }
  return yes;
}

/** Prometheus histogram_quantile: linear interpolation inside the bucket holding rank p·n. */
export function interpolatedQuantile(cdf: ArrayLike<number>, edges: ArrayLike<number>, p: number): number {
  const K = edges.length;
  const rank = p * cdf[K - 1];
  let k = 0;
  while (cdf[k] < rank) k++;
  const lower = k === 0 ? 0 : edges[k - 1];
  if (edges[k] === Infinity) return lower;
  const below = k === 0 ? 0 : cdf[k - 1];
  const inBucket = cdf[k] - below;
  return lower + (edges[k] - lower) * ((rank - below) / inBucket);
}
