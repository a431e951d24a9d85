import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import poissonPmf from '@stdlib/stats-base-dists-poisson-pmf';
import { betaBinomialLogMixture, gammaPoissonLogMixture } from './betaBinomialMixture.ts';
import { bestRho } from './normalMixtureBoundary.ts';
import { StatsInputError } from './errors.ts';

/** log ∫_a^b exp(g(u)) du by composite Simpson, with the grid maximum of g factored out. */
function logSimpson(g: (u: number) => number, a: number, b: number, intervals: number): number {
  const h = (b - a) / intervals;
  const values = Array.from({ length: intervals + 1 }, (_, i) => g(a + i * h));
  const peak = Math.max(...values.filter(Number.isFinite));
  let sum = 0;
  for (let i = 0; i <= intervals; i++)
    sum += (i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(values[i] - peak);
  return peak + Math.log((sum * h) / 3);
}

/** x · log(y) with 0 · log(0) = 0 (the kernel's constant factor when an exponent is 0). */
const xlog = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(y));

/**
 * The beta mixture by quadrature, prior normaliser included (no betaln): p = sin²φ turns
 * p^(α−1)(1 − p)^(β−1) dp into 2 sin^(2α−1)φ cos^(2β−1)φ dφ, smooth for half-integer or large α, β.
 */
function betaMixtureByQuadrature(x: number, n: number, p0: number, a: number, b: number): number {
  const logKernel = (alpha: number, beta: number) => (phi: number) =>
    Math.log(2) + xlog(2 * alpha - 1, Math.sin(phi)) + xlog(2 * beta - 1, Math.cos(phi));
  const posterior = logSimpson(logKernel(a + x, b + n - x), 0, Math.PI / 2, 20_000);
  const prior = logSimpson(logKernel(a, b), 0, Math.PI / 2, 20_000);
  return posterior - prior - x * Math.log(p0) - (n - x) * Math.log(1 - p0);
}

/** The gamma mixture by quadrature (no gammaln): λ = u² makes λ^(α−1) dλ = 2u^(2α−1) du. */
function gammaMixtureByQuadrature(x: number, t: number, rate0: number, shape: number, beta: number): number {
  const logKernel = (alpha: number, rate: number) => (u: number) => Math.log(2) + xlog(2 * alpha - 1, u) - rate * u * u;
  const upper = (alpha: number, rate: number) => Math.sqrt((alpha + 60 + 15 * Math.sqrt(alpha)) / rate);
  const posterior = logSimpson(logKernel(shape + x, beta + t), 0, upper(shape + x, beta + t), 20_000);
  const prior = logSimpson(logKernel(shape, beta), 0, upper(shape, beta), 20_000);
  return posterior - prior - x * Math.log(rate0) + rate0 * t;
}

test('beta-binomial mixture equals its integral done by quadrature (1e-8)', () => {
  const cases: [number, number, number, number, number][] = [
    [0, 0, 0.3, 1, 1],
    [3, 10, 0.2, 0.5, 0.5],
    [7, 10, 0.5, 1, 1],
    [30, 100, 0.2, 1, 4],
    [0, 40, 0.05, 1.5, 2],
    [40, 40, 0.9, 2, 0.5],
    [135, 625, 0.2, 15.55, 62.2],
  ];
  for (const [x, n, p0, a, b] of cases) {
    const expected = betaMixtureByQuadrature(x, n, p0, a, b);
    const actual = betaBinomialLogMixture(x, n, { p0, a, b });
    assert.ok(
      Math.abs(actual - expected) < 1e-8 * Math.max(1, Math.abs(expected)),
      `x=${x} n=${n} p0=${p0} a=${a} b=${b}: ${actual} vs ${expected}`,
    );
  }
});

test('beta-binomial mixture matches confseq two-sided BetaBinomialMixture(100, 0.05, 0.2, 0.8) at s=10, v=100 (−0.6941012)', () => {
  // confseq's mixture over the centred walk S = x − n·g with v = g·h·n and r = best_rho − g·h is
  // the Beta(r/h, r/g) mixture here: g = 0.2, h = 0.8, v = 100 → n = 625, s = 10 → x = 135
  const r = bestRho(100, 0.05) - 0.2 * 0.8;
  const value = betaBinomialLogMixture(135, 625, { p0: 0.2, a: r / 0.8, b: r / 0.2 });
  assert.ok(Math.abs(value - -0.6941012) < 1e-5, String(value));
});

test('gamma-Poisson mixture equals its integral done by quadrature (1e-8)', () => {
  const cases: [number, number, number, number, number][] = [
    [0, 0, 1, 1, 1],
    [0, 5, 2, 0.5, 1],
    [25, 10, 1.5, 2, 1],
    [3, 10, 1, 1.5, 0.5],
    [500, 400, 1, 4, 4],
    [12, 2.5, 3, 10, 2],
  ];
  for (const [x, t, rate0, shape, rateParam] of cases) {
    const expected = gammaMixtureByQuadrature(x, t, rate0, shape, rateParam);
    const actual = gammaPoissonLogMixture(x, t, { rate0, shape, rateParam });
    assert.ok(
      Math.abs(actual - expected) < 1e-8 * Math.max(1, Math.abs(expected)),
      `x=${x} t=${t}: ${actual} vs ${expected}`,
    );
  }
});

test('martingale: the exact null expectation of the Bayes factor is 1, and of the next one the current one', () => {
  const prior = { p0: 0.3, a: 0.7, b: 1.9 };
  for (let n = 0; n <= 12; n++) {
    let expectation = 0;
    for (let x = 0; x <= n; x++)
      expectation += binomialPmf(x, n, prior.p0) * Math.exp(betaBinomialLogMixture(x, n, prior));
    assert.ok(Math.abs(expectation - 1) < 1e-12, `n=${n}: ${expectation}`);
  }
  fc.assert(
    fc.property(fc.nat(200), fc.nat(200), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (x, extra, p0) => {
      const n = x + extra;
      const p = { p0, a: 1.3, b: 0.6 };
      // in ratios to the current value: the values themselves overflow for extreme data
      const now = betaBinomialLogMixture(x, n, p);
      const next =
        p0 * Math.exp(betaBinomialLogMixture(x + 1, n + 1, p) - now) +
        (1 - p0) * Math.exp(betaBinomialLogMixture(x, n + 1, p) - now);
      assert.ok(Math.abs(next - 1) < 1e-9, `x=${x} n=${n} p0=${p0}: ${next}`);
    }),
    { seed: 3, numRuns: 200 },
  );

  const gp = { rate0: 2, shape: 1.5, rateParam: 3 };
  for (const [count, exposure, step] of [
    [0, 0, 1],
    [0, 0, 4],
    [7, 2, 0.5],
    [40, 15, 3],
  ]) {
    const mean = gp.rate0 * step;
    let expectation = 0;
    for (let y = 0; y <= mean + 60 + 15 * Math.sqrt(mean); y++) {
      expectation += poissonPmf(y, mean) * Math.exp(gammaPoissonLogMixture(count + y, exposure + step, gp));
    }
    const now = Math.exp(gammaPoissonLogMixture(count, exposure, gp));
    assert.ok(
      Math.abs(expectation / now - 1) < 1e-12,
      `count=${count} exposure=${exposure} step=${step}: ${expectation} vs ${now}`,
    );
  }
});

test('large counts: agrees with the Laplace approximation at n = 1e9 (log space, no overflow)', () => {
  // ∫ prior(p) L(p)/L(p0) dp ≈ prior(p̂) · L(p̂)/L(p0) · sqrt(2π p̂(1 − p̂)/n), error O(1/n)
  const n = 1e9;
  const x = 5e8 + 3e4;
  const pHat = x / n;
  const logLR = x * Math.log(pHat / 0.5) + (n - x) * Math.log((1 - pHat) / 0.5);
  const laplace = logLR + 0.5 * Math.log((2 * Math.PI * pHat * (1 - pHat)) / n);
  const v = betaBinomialLogMixture(x, n, { p0: 0.5, a: 1, b: 1 });
  assert.ok(Math.abs(v - laplace) < 1e-4, `${v} vs ${laplace}`);
  // Poisson: λ̂ = λ0 = 1, Gamma(1, 1) prior density e^−1 there, curvature t/λ̂
  const w = gammaPoissonLogMixture(1e9, 1e9, { rate0: 1, shape: 1, rateParam: 1 });
  const laplaceW = -1 + 0.5 * Math.log((2 * Math.PI) / 1e9);
  assert.ok(Math.abs(w - laplaceW) < 1e-4, `${w} vs ${laplaceW}`);
});

test('invalid input throws StatsInputError', () => {
  const bb = { p0: 0.5, a: 1, b: 1 };
  assert.throws(() => betaBinomialLogMixture(3, 2, bb), StatsInputError);
  assert.throws(() => betaBinomialLogMixture(-1, 2, bb), StatsInputError);
  assert.throws(() => betaBinomialLogMixture(1, Number.NaN, bb), StatsInputError);
  assert.throws(() => betaBinomialLogMixture(1, 2, { ...bb, p0: 1 }), StatsInputError);
  assert.throws(() => betaBinomialLogMixture(1, 2, { ...bb, a: 0 }), StatsInputError);
  const gp = { rate0: 1, shape: 1, rateParam: 1 };
  assert.throws(() => gammaPoissonLogMixture(-1, 1, gp), StatsInputError);
  assert.throws(() => gammaPoissonLogMixture(1, Infinity, gp), StatsInputError);
  assert.throws(() => gammaPoissonLogMixture(1, 1, { ...gp, rate0: 0 }), StatsInputError);
  assert.throws(() => gammaPoissonLogMixture(1, 1, { ...gp, shape: -2 }), StatsInputError);
});
