// Moments checked against the textbook values of each distribution; tolerances are ~5 standard
// errors of the estimate at the sample size used, so a correct generator fails about never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from './seededRandom.ts';
import { moments } from './testing/helpers.ts';

test('the same seed and stream give the same numbers; other seeds or streams do not', () => {
  const take = (seed: number, stream: string): number[] => {
    const r = createRng(seed, stream);
    return Array.from({ length: 5 }, () => r.next());
  };
  assert.deepEqual(take(42, 'a'), take(42, 'a'));
  assert.notDeepEqual(take(42, 'a'), take(43, 'a'));
  assert.notDeepEqual(take(42, 'a'), take(42, 'b'));
  assert.notDeepEqual(take(0, 'a'), take(2 ** 32, 'a')); // seeds beyond 32 bits stay distinct
});

test('uniform draws lie in [0, 1) with mean 1/2 and variance 1/12', () => {
  const r = createRng(1, 'u');
  const { mean, variance } = moments(() => {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
    return x;
  }, 100_000);
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
});

test('normal draws have mean 0 and variance 1', () => {
  const r = createRng(2, 'n');
  const { mean, variance } = moments(() => r.normal(), 100_000);
  assert.ok(Math.abs(mean) < 0.016, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.025, `variance ${variance}`);
});

test('Poisson draws have mean = variance = the mean, on both sides of the algorithm switch at 30', () => {
  for (const lambda of [0.5, 7, 29.5, 30, 250, 4000]) {
    const r = createRng(3, `p${lambda}`);
    const n = 40_000;
    const { mean, variance } = moments(() => r.poisson(lambda), n);
    const seMean = Math.sqrt(lambda / n);
    assert.ok(Math.abs(mean - lambda) < 5 * seMean, `lambda ${lambda}: mean ${mean}`);
    // var of the sample variance of a Poisson ≈ (lambda + 2 lambda^2) / n
    assert.ok(
      Math.abs(variance - lambda) < 5 * Math.sqrt((lambda + 2 * lambda * lambda) / n),
      `lambda ${lambda}: variance ${variance}`,
    );
  }
  assert.equal(createRng(3, 'zero').poisson(0), 0);
  assert.throws(() => createRng(3, 'x').poisson(-1), RangeError);
});

test('binomial draws have mean np and variance np(1-p), including p > 1/2 by symmetry', () => {
  for (const [trials, p] of [
    [2000, 0.0075],
    [500, 0.03],
    [40, 0.5],
    [300, 0.9],
  ] as const) {
    const r = createRng(4, `b${trials}/${p}`);
    const n = 40_000;
    const { mean, variance } = moments(() => {
      const x = r.binomial(trials, p);
      assert.ok(Number.isInteger(x) && x >= 0 && x <= trials);
      return x;
    }, n);
    const v = trials * p * (1 - p);
    assert.ok(Math.abs(mean - trials * p) < 5 * Math.sqrt(v / n), `(${trials}, ${p}): mean ${mean}`);
    assert.ok(Math.abs(variance - v) < 5 * v * Math.sqrt(2 / n) + 0.05, `(${trials}, ${p}): variance ${variance}`);
  }
  const r = createRng(4, 'edges');
  assert.equal(r.binomial(10, 0), 0);
  assert.equal(r.binomial(10, 1), 10);
  assert.equal(r.binomial(0, 0.3), 0);
  assert.throws(() => r.binomial(2.5, 0.3), RangeError);
  assert.throws(() => r.binomial(10, 1.5), RangeError);
});
