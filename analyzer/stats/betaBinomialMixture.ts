/*
 * Conjugate-mixture likelihood ratios: closed-form log Bayes factors that are nonnegative
 * martingales (mean 1) under their point null, so exp(value) is an e-process and, with Ville's
 * inequality, gives anytime-valid tests and confidence sequences (Robbins 1970, "Statistical
 * methods related to the law of the iterated logarithm", Ann. Math. Statist.; Howard, Ramdas,
 * McAuliffe & Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
 * Ann. Statist., §3 conjugate mixtures; Lindon, Sanden & Shirikian 2022, KDD, for Poisson counts
 * in canary releases). Counts may be non-integer (the formulas extend), but the martingale
 * property is for integer counts.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { StatsInputError } from './errors.ts';

export interface BetaBinomialPrior {
  /** null success probability, in (0, 1) */
  p0: number;
  /** Beta(a, b) mixing distribution on p, a, b > 0 */
  a: number;
  b: number;
}

export interface GammaPoissonPrior {
  /** null rate per unit exposure, > 0 */
  rate0: number;
  /** Gamma(shape, rate = rateParam) mixing distribution on the rate */
  shape: number;
  rateParam: number;
}

/**
 * log of ∫ Beta(p; a, b) · p^x (1 − p)^(n − x) / (p0^x (1 − p0)^(n − x)) dp
 *   = log B(a + x, b + n − x) − log B(a, b) − x log p0 − (n − x) log(1 − p0)
 * for x successes in n Bernoulli trials. Under p = p0 its exponential is a martingale in n
 * (Howard et al. 2021, §3, beta-binomial mixture; confseq's `BetaBinomialMixture` with
 * g = p0, h = 1 − p0, is this with a = r/(1 − p0), b = r/p0).
 *
 * @example
 * betaBinomialLogMixture(30, 100, { p0: 0.2, a: 1, b: 4 }) // ≈ 0.958: Bayes factor e^0.958 ≈ 2.6 for p ≠ 0.2
 */
export function betaBinomialLogMixture(successes: number, trials: number, prior: BetaBinomialPrior): number {
  const fn = 'betaBinomialLogMixture';
  const { p0, a, b } = prior;
  if (!(trials >= 0) || !Number.isFinite(trials))
    throw new StatsInputError(fn, `trials must be finite and >= 0, got ${trials}`);
  if (!(successes >= 0 && successes <= trials))
    throw new StatsInputError(fn, `successes must be in [0, trials], got ${successes}`);
  if (!(p0 > 0 && p0 < 1)) throw new StatsInputError(fn, `p0 must be in (0, 1), got ${p0}`);
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b))
    throw new StatsInputError(fn, `a and b must be finite and > 0, got ${a}, ${b}`);
  const failures = trials - successes;
  return (
    betaln(a + successes, b + failures) - betaln(a, b) - xlog(successes, Math.log(p0)) - xlog(failures, Math.log1p(-p0))
  );
}

/**
 * log of ∫ Gamma(λ; shape, rateParam) · (λ/λ0)^x e^{−(λ − λ0) t} dλ
 *   = shape·log(β/(β + t)) + log Γ(shape + x) − log Γ(shape) − x log(λ0 (β + t)) + λ0 t
 * for a count x over exposure t, β = rateParam, λ0 = rate0. Under rate λ0 its exponential is a
 * martingale in t (Howard et al. 2021, §3, gamma-Poisson mixture; Lindon et al. 2022, §3).
 *
 * @example
 * gammaPoissonLogMixture(25, 10, { rate0: 1.5, shape: 2, rateParam: 1 }) // ≈ 1.382: Bayes factor ≈ 4.0 for rate ≠ 1.5
 */
export function gammaPoissonLogMixture(count: number, exposure: number, prior: GammaPoissonPrior): number {
  const fn = 'gammaPoissonLogMixture';
  const { rate0, shape, rateParam } = prior;
  if (!(count >= 0) || !Number.isFinite(count))
    throw new StatsInputError(fn, `count must be finite and >= 0, got ${count}`);
  if (!(exposure >= 0) || !Number.isFinite(exposure))
    throw new StatsInputError(fn, `exposure must be finite and >= 0, got ${exposure}`);
  for (const [name, value] of [
    ['rate0', rate0],
    ['shape', shape],
    ['rateParam', rateParam],
  ] as const) {
    if (!(value > 0) || !Number.isFinite(value))
      throw new StatsInputError(fn, `${name} must be finite and > 0, got ${value}`);
  }
  return (
    -shape * Math.log1p(exposure / rateParam) +
    gammaln(shape + count) -
    gammaln(shape) -
    xlog(count, Math.log(rate0) + Math.log(rateParam + exposure)) +
    rate0 * exposure
  );
}

/** x · logY with 0 · logY = 0 (no 0 · −Infinity = NaN). */
function xlog(x: number, logY: number): number {
  return x === 0 ? 0 : x * logY;
}
