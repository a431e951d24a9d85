import betaln from '@stdlib/math-base-special-betaln';
import { StatsInputError } from './errors.ts';

export interface ProportionCSOptions {
  /** the sequence covers the true proportion at all times with probability ≥ 1 − alpha */
  alpha: number;
  /** Beta(a, b) mixing prior; Jeffreys' (0.5, 0.5) by default */
  a?: number;
  b?: number;
}

/**
 * Time-uniform confidence sequence for a Bernoulli proportion from `successes` in `trials`:
 * the set of p0 whose beta-binomial mixture Bayes factor
 *   BF(p0) = B(a + x, b + n − x) / B(a, b) / (p0^x (1 − p0)^(n − x))
 * stays below 1/alpha. BF(p0) is a nonnegative martingale when p0 is true, so by Ville's
 * inequality the set misses p0 at any time with probability ≤ alpha (Robbins 1970, "Statistical
 * methods related to the law of the iterated logarithm"; Howard, Ramdas, McAuliffe & Sekhon 2021,
 * "Time-uniform, nonparametric, nonasymptotic confidence sequences", §3 and Prop. 6).
 * log BF is convex in p0 with its minimum at x/n, so each end is found by bisection.
 *
 * @example
 * proportionConfidenceSequence(30, 1000, { alpha: 0.05 }) // ≈ { estimate: 0.03, low: 0.018, high: 0.048 }
 */
export function proportionConfidenceSequence(
  successes: number,
  trials: number,
  options: ProportionCSOptions,
): { estimate: number; low: number; high: number } {
  const { alpha, a = 0.5, b = 0.5 } = options;
  if (!(alpha > 0 && alpha < 1))
    throw new StatsInputError('proportionConfidenceSequence', `alpha must be in (0, 1), got ${alpha}`);
  if (!(trials > 0) || !Number.isFinite(trials))
    throw new StatsInputError('proportionConfidenceSequence', `trials must be positive, got ${trials}`);
  if (!(successes >= 0 && successes <= trials))
    throw new StatsInputError('proportionConfidenceSequence', `successes must be in [0, trials], got ${successes}`);
  if (!(a > 0 && b > 0))
    throw new StatsInputError('proportionConfidenceSequence', 'prior parameters a and b must be positive');
  const x = successes;
  const n = trials;
  const logMixture = betaln(a + x, b + n - x) - betaln(a, b);
  const logThreshold = Math.log(1 / alpha);
  // log BF(p) − log(1/alpha); negative inside the sequence
  const excess = (p: number): number => logMixture - xlogy(x, p) - xlogy(n - x, 1 - p) - logThreshold;
  const estimate = x / n;
  const root = (inside: number, outside: number): number => {
    if (excess(outside) <= 0) return outside;
    for (let i = 0; i < 100; i++) {
      const mid = (inside + outside) / 2;
      if (excess(mid) <= 0) inside = mid;
      else outside = mid;
      if (Math.abs(outside - inside) < 1e-12) break;
    }
    return inside;
  };
  return { estimate, low: root(estimate, 0), high: root(estimate, 1) };
}

/** x · log(y) with 0 · log(0) = 0. */
function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}
