import assert from 'node:assert/strict';
import test from 'node:test';
import { batchShiftLogEValues } from './batchShiftEValue.ts';
import { StatsInputError } from './errors.ts';
import { createShiftFamily, float32Below } from './shiftConfidenceSequence.ts';
import { createRng } from './seededRandom.ts';
import { advanceWithLogWeight, EMPTY, startLogWeight } from './startMixture.ts';

/** the next single-precision number above a single-precision v (v finite) */
function nextUp32(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  if (v === 0) return 1.401298464324817e-45;
  if (v > 0) bits[0]++;
  else bits[0]--;
  return f[0];
}

test('float32Below: the largest single-precision number not above x', () => {
  const random = createRng(3).next;
  const values = [0, -0, 1, -1, 1e-50, -1e-50, 1e39, -1e9, 0.1, -0.1, Math.PI, 7.000000001];
  for (let i = 0; i < 2000; i++) values.push((random() - 0.5) * 10 ** Math.floor(random() * 12 - 4));
  for (const x of values) {
    const below = float32Below(x);
    assert.equal(Math.fround(below), below, `${below} is single precision`);
    assert.ok(below <= x, `${below} <= ${x}`);
    if (Number.isFinite(below)) assert.ok(nextUp32(below) > x, `${below} is the largest below ${x}`);
  }
});

test('a restored family continues exactly as the uninterrupted one', () => {
  const random = createRng(9).next;
  const K = 707;
  const batch = (shift: number) => {
    const b = new Float64Array(K);
    const c = new Float64Array(K);
    for (let i = 0; i < 200; i++) {
      b[300 + Math.floor(random() * 40)]++;
      c[Math.min(K - 1, 300 + shift + Math.floor(random() * 40))]++;
    }
    return [b, c] as const;
  };
  const original = createShiftFamily(1.025);
  for (let t = 0; t < 5; t++) original.update(...batch(4), t);
  const restored = createShiftFamily(1.025, JSON.parse(JSON.stringify(original.snapshot())));
  for (let t = 5; t < 10; t++) {
    const [b, c] = batch(4);
    original.update(b, c, t);
    restored.update(b, c, t);
  }
  assert.deepEqual(restored.snapshot(), original.snapshot());
  const interval = original.interval(0.01, 0.1);
  assert.ok(interval.low > 0 && interval.high < 0.3, JSON.stringify(interval));
});

test('each grid shift bets the permutation e-values of the canary moved by that shift (shared lists reused exactly)', () => {
  // a fresh family bets on every grid shift; narrow cohorts, so most shifts move the canary wholly
  // below or above the baseline (the same merged list, computed once), and near both ends of the
  // layout, so large shifts push the canary past an end (clamped into the end bucket)
  const grid = [0, 1, 2, 3, 4, 6, 8, 10, 13, 19, 28, 48]
    .flatMap((k) => (k === 0 ? [0] : [-k, k]))
    .sort((a, b) => a - b);
  const lambdas = [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];
  const tilts = [...lambdas, ...lambdas.map((l) => -l)];
  const random = createRng(5).next;
  for (const [layout, from] of [
    [707, 340],
    [60, 2],
    [60, 54],
  ]) {
    const b = new Float64Array(layout);
    const c = new Float64Array(layout);
    for (let i = 0; i < 30; i++) {
      b[from + Math.floor(random() * 4)]++;
      c[from + Math.floor(random() * 5)]++;
    }
    const family = createShiftFamily(1.025);
    family.update(b, c, 0);
    const rows = family.snapshot().logE;
    grid.forEach((k, i) => {
      const moved = new Float64Array(layout);
      c.forEach((count, j) => (moved[Math.min(layout - 1, Math.max(0, j - k))] += count));
      const e = batchShiftLogEValues(b, moved, tilts);
      const expected = tilts.map((_, j) => float32Below(advanceWithLogWeight(EMPTY, e[j], startLogWeight(0))));
      assert.deepEqual(rows[i], expected, `layout ${layout} from ${from}, shift ${k}`);
    });
  }
});

test('update: counts that are not integers >= 0 throw StatsInputError', () => {
  const family = createShiftFamily(1.025);
  for (const bad of [-1, 0.5, NaN, Infinity]) {
    const b = new Float64Array([3, 2, bad]);
    const c = new Float64Array([1, 4, 0]);
    assert.throws(() => family.update(b, c, 0), StatsInputError);
    assert.throws(() => family.update(c, b, 0), StatsInputError);
  }
});
