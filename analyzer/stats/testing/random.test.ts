import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moments } from './helpers.ts';
import { createRandom } from './random.ts';

test('same seed, same stream; different seed, different stream', () => {
  const a = createRandom(1);
  const b = createRandom(1);
  const c = createRandom(2);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b.uniform()),
    xs,
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => c.uniform()),
    xs,
  );
  assert.ok(xs.every((x) => x > 0 && x < 1));
});

test('samplers have the textbook mean and variance (within 5 standard errors of 40,000 draws)', () => {
  const rng = createRandom(123);
  const n = 40_000;
  const cases: [string, () => number, number, number][] = [
    ['uniform', () => rng.uniform(), 0.5, 1 / 12],
    ['normal', () => rng.normal(), 0, 1],
    ['gamma(0.4)', () => rng.gamma(0.4), 0.4, 0.4],
    ['gamma(7.5)', () => rng.gamma(7.5), 7.5, 7.5],
    ['beta(2, 5)', () => rng.beta(2, 5), 2 / 7, 10 / (49 * 8)],
    ['binomial(10, 0.3)', () => rng.binomial(10, 0.3), 3, 2.1],
    ['binomial(5000, 0.02)', () => rng.binomial(5000, 0.02), 100, 98],
    ['poisson(3.2)', () => rng.poisson(3.2), 3.2, 3.2],
    ['poisson(850)', () => rng.poisson(850), 850, 850],
  ];
  for (const [name, draw, mean, variance] of cases) {
    const m = moments(draw, n);
    assert.ok(Math.abs(m.mean - mean) < 5 * Math.sqrt(variance / n), `${name} mean ${m.mean}`);
    assert.ok(Math.abs(m.variance / variance - 1) < 0.06, `${name} variance ${m.variance}`);
  }
});

test('binomial and Poisson draws are integers in range', () => {
  const rng = createRandom(9);
  for (let i = 0; i < 2000; i++) {
    const b = rng.binomial(73, 0.4);
    assert.ok(Number.isInteger(b) && b >= 0 && b <= 73);
    const p = rng.poisson(40);
    assert.ok(Number.isInteger(p) && p >= 0);
  }
  assert.equal(rng.binomial(0, 0.5), 0);
  assert.equal(rng.binomial(50, 0), 0);
  assert.equal(rng.binomial(50, 1), 50);
  assert.equal(rng.poisson(0), 0);
});
