/**
 * A small seeded random source for deterministic statistical tests (not exported from
 * `index.ts`; tests only). Every sampler is exact, so an A/A simulation checks the statistic and
 * not an approximation in the simulator.
 *
 *  - uniform: the house generator (`../seededRandom.ts`, sfc32), mapped to (0, 1);
 *  - normal: the house generator's (Marsaglia's polar method);
 *  - gamma: Marsaglia & Tsang (2000), "A simple method for generating gamma variables";
 *  - binomial and Poisson: Knuth, TAOCP vol. 2, §3.4.1 (beta-order-statistic recursion for the
 *    binomial, gamma-arrival recursion for the Poisson), finished by direct simulation when small.
 *
 * @example
 * const rng = createRandom(42);
 * rng.poisson(12.5); // an integer, the same one on every run with seed 42
 */
import { createRng } from '../seededRandom.ts';

export interface Random {
  /** uniform on the open interval (0, 1) */
  uniform(): number;
  normal(): number;
  /** Gamma(shape, scale 1) */
  gamma(shape: number): number;
  beta(a: number, b: number): number;
  binomial(n: number, p: number): number;
  poisson(mean: number): number;
}

export function createRandom(seed: number): Random {
  const rng = createRng(seed);
  // shifted by half a step into (0, 1): the samplers take log(u) and u^(1/shape), which an exact 0 would break
  const uniform = (): number => rng.next() + 0.5 / 4294967296;

  // the house generator's own normal (Marsaglia's polar method): one copy of it
  const normal = rng.normal;

  const gamma = (shape: number): number => {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, got ${shape}`);
    if (shape < 1) return gamma(shape + 1) * Math.pow(uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };

  const beta = (a: number, b: number): number => {
    const x = gamma(a);
    return x / (x + gamma(b));
  };

  const binomial = (trials: number, probability: number): number => {
    if (!Number.isInteger(trials) || trials < 0)
      throw new RangeError(`binomial n must be a non-negative integer, got ${trials}`);
    if (!(probability >= 0 && probability <= 1))
      throw new RangeError(`binomial p must be in [0, 1], got ${probability}`);
    let n = trials;
    let p = probability;
    let count = 0;
    // the a-th smallest of n uniforms is Beta(a, n + 1 - a); recurse into the side holding p
    while (n > 32) {
      const a = 1 + (n >> 1);
      const b = n + 1 - a;
      const x = beta(a, b);
      if (x >= p) {
        n = a - 1;
        p = p / x;
      } else {
        count += a;
        n = b - 1;
        p = (p - x) / (1 - x);
      }
    }
    for (let i = 0; i < n; i++) if (uniform() < p) count++;
    return count;
  };

  const poisson = (mean: number): number => {
    if (!(mean >= 0) || !Number.isFinite(mean))
      throw new RangeError(`poisson mean must be finite and >= 0, got ${mean}`);
    let lambda = mean;
    let count = 0;
    // the m-th arrival of a unit-rate Poisson process is Gamma(m)
    while (lambda > 16) {
      const m = Math.floor((7 / 8) * lambda);
      const x = gamma(m);
      if (x < lambda) {
        count += m;
        lambda -= x;
      } else {
        return count + binomial(m - 1, lambda / x);
      }
    }
    const limit = Math.exp(-lambda);
    let product = uniform();
    while (product > limit) {
      count++;
      product *= uniform();
    }
    return count;
  };

  return { uniform, normal, gamma, beta, binomial, poisson };
}
