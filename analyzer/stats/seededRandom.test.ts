import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from './seededRandom.ts';

test('the same seed gives the same sequence; another seed another one', () => {
  const a = mulberry32(42),
    b = mulberry32(42),
    c = mulberry32(43);
  const first = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b()),
    first,
  );
  assert.notDeepEqual(
    Array.from({ length: 5 }, () => c()),
    first,
  );
});

test('uniform on [0, 1): range, mean 1/2 and variance 1/12 within 4 standard errors', () => {
  const random = mulberry32(2024);
  const n = 200_000;
  let sum = 0,
    sumSq = 0;
  for (let i = 0; i < n; i++) {
    const u = random();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sumSq += u * u;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  // standard error of the mean of U(0,1): sqrt(1/12/n); of the second moment: sqrt(Var(U²)/n), Var(U²) = 1/5 − 1/9
  assert.ok(Math.abs(mean - 0.5) < 4 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 4 * Math.sqrt((1 / 5 - 1 / 9) / n), `variance ${variance}`);
});
