import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bestRho, normalLogMixture, normalMixtureBoundary, type BoundarySide } from './normalMixtureBoundary.ts';
import { StatsInputError } from './errors.ts';
import { createRandom } from './testing/random.ts';

/** Composite Simpson rule on [a, b] with `intervals` (even) panels. */
function simpson(f: (x: number) => number, a: number, b: number, intervals: number): number {
  const h = (b - a) / intervals;
  let sum = f(a) + f(b);
  for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/**
 * The mixture from its definition, integrated numerically: ∫ exp(λs − λ²v/2) dF(λ) with F the
 * N(0, 1/ρ) law (two-sided) or that law folded onto λ ≥ 0 (one-sided, density doubled).
 */
function logMixtureByQuadrature(s: number, v: number, rho: number, side: BoundarySide): number {
  const centre = s / (v + rho);
  const sd = 1 / Math.sqrt(v + rho);
  const peak = (s * s) / (2 * (v + rho)); // factored out against overflow
  const density = (lambda: number): number =>
    Math.sqrt(rho / (2 * Math.PI)) * Math.exp(lambda * s - 0.5 * lambda * lambda * (v + rho) - peak);
  const lo = side === 'two-sided' ? centre - 40 * sd : 0;
  const hi = Math.max(centre + 40 * sd, 40 * sd);
  const integral = simpson(density, lo, hi, 40_000);
  return peak + Math.log((side === 'one-sided' ? 2 : 1) * integral);
}

/** Plain bisection for an increasing function, to 1e-13 relative. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  while (f(hi) < 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

test('published values: confseq test/uniform_boundaries_unittest.cpp (R reference implementation), 1e-5', () => {
  assert.ok(Math.abs(bestRho(100, 0.05) - 12.60056) < 1e-5);
  const twoRho = bestRho(100, 0.05);
  assert.ok(Math.abs(normalLogMixture(10, 100, { rho: twoRho }) - -0.6510052) < 1e-5);
  assert.ok(Math.abs(normalMixtureBoundary(100, { alpha: 0.05, rho: twoRho }) - 30.35209) < 1e-5);
  // confseq's OneSidedNormalMixture(100, 0.05) uses best_rho(100, 2 · 0.05)
  const oneRho = bestRho(100, 0.05, { alternative: 'one-sided' });
  assert.equal(oneRho, bestRho(100, 0.1));
  assert.ok(Math.abs(normalLogMixture(10, 100, { rho: oneRho, alternative: 'one-sided' }) - -0.06502391) < 1e-5);
  assert.ok(
    Math.abs(normalMixtureBoundary(100, { alpha: 0.05, rho: oneRho, alternative: 'one-sided' }) - 27.66071) < 1e-5,
  );
});

test('log mixture equals the numerically integrated mixture of exponential martingales', () => {
  for (const side of ['two-sided', 'one-sided'] as const) {
    for (const [s, v, rho] of [
      [10, 100, 12.6],
      [-7, 50, 3],
      [0, 1, 1],
      [250, 1e4, 40],
      [-3, 0, 2],
      [30, 20, 0.5],
    ]) {
      const expected = logMixtureByQuadrature(s, v, rho, side);
      const actual = normalLogMixture(s, v, { rho, alternative: side });
      assert.ok(
        Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
        `${side} s=${s} v=${v} rho=${rho}: ${actual} vs ${expected}`,
      );
    }
  }
});

test('boundary equals bisection of the quadrature mixture at log(1/alpha)', () => {
  for (const side of ['two-sided', 'one-sided'] as const) {
    for (const [v, alpha, rho] of [
      [100, 0.05, 12.6],
      [1, 0.01, 1],
      [1e4, 0.001, 100],
      [0, 0.05, 5],
      [37, 0.3, 0.2],
    ]) {
      const expected = bisect((s) => logMixtureByQuadrature(s, v, rho, side) - Math.log(1 / alpha), 0, 1);
      const actual = normalMixtureBoundary(v, { alpha, rho, alternative: side });
      assert.ok(
        Math.abs(actual / expected - 1) < 1e-8,
        `${side} v=${v} alpha=${alpha} rho=${rho}: ${actual} vs ${expected}`,
      );
    }
  }
});

test('properties: the boundary solves log mixture = log(1/alpha), grows with v, shrinks with alpha; one-sided below two-sided', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e7, noNaN: true }),
      fc.double({ min: 1e-6, max: 0.49, noNaN: true }),
      fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
      (v, alpha, rho) => {
        const one = normalMixtureBoundary(v, { alpha, rho, alternative: 'one-sided' });
        const two = normalMixtureBoundary(v, { alpha, rho });
        for (const [side, u] of [
          ['one-sided', one],
          ['two-sided', two],
        ] as const) {
          assert.ok(
            Math.abs(normalLogMixture(u, v, { rho, alternative: side }) - Math.log(1 / alpha)) <
              1e-9 * Math.max(1, Math.log(1 / alpha)),
          );
          assert.ok(normalMixtureBoundary(v * 1.5 + 1, { alpha, rho, alternative: side }) > u);
          assert.ok(normalMixtureBoundary(v, { alpha: alpha / 2, rho, alternative: side }) > u);
        }
        assert.ok(one < two);
      },
    ),
    { seed: 7, numRuns: 300 },
  );
});

test('simulation: a Gaussian random walk crosses the boundary at most alpha of the time over 1000 steps', (t) => {
  const rng = createRandom(2024);
  const runs = 2000;
  const alpha = 0.05;
  const rho = bestRho(200, alpha);
  const twoSided = Array.from({ length: 1001 }, (_, v) => normalMixtureBoundary(v, { alpha, rho }));
  const oneSided = Array.from({ length: 1001 }, (_, v) =>
    normalMixtureBoundary(v, {
      alpha,
      rho: bestRho(200, alpha, { alternative: 'one-sided' }),
      alternative: 'one-sided',
    }),
  );
  let crossedTwo = 0;
  let crossedOne = 0;
  for (let run = 0; run < runs; run++) {
    let s = 0;
    let two = false;
    let one = false;
    for (let v = 1; v <= 1000; v++) {
      s += rng.normal();
      if (Math.abs(s) >= twoSided[v]) two = true;
      if (s >= oneSided[v]) one = true;
    }
    if (two) crossedTwo++;
    if (one) crossedOne++;
  }
  const allowed = alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs);
  t.diagnostic(
    `random walk crossing frequency over 1000 steps: two-sided ${crossedTwo / runs}, one-sided ${crossedOne / runs} (allowed ≤ ${allowed.toFixed(4)})`,
  );
  assert.ok(crossedTwo / runs <= allowed);
  assert.ok(crossedOne / runs <= allowed);
});

test('invalid input throws StatsInputError', () => {
  assert.throws(() => normalMixtureBoundary(-1, { alpha: 0.05, rho: 1 }), StatsInputError);
  assert.throws(() => normalMixtureBoundary(1, { alpha: 0, rho: 1 }), StatsInputError);
  assert.throws(() => normalMixtureBoundary(1, { alpha: 0.05, rho: 0 }), StatsInputError);
  assert.throws(
    () => normalMixtureBoundary(1, { alpha: 0.05, rho: 1, alternative: 'greater' as BoundarySide }),
    StatsInputError,
  );
  assert.throws(() => normalMixtureBoundary(1, { alpha: 0.05, rho: 1, side: 'two-sided' } as never), StatsInputError);
  assert.throws(() => normalLogMixture(Number.NaN, 1, { rho: 1 }), StatsInputError);
  assert.throws(() => bestRho(0, 0.05), StatsInputError);
  assert.throws(() => bestRho(10, 0.5, { alternative: 'one-sided' }), StatsInputError);
});
