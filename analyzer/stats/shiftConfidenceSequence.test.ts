import assert from 'node:assert/strict';
import test from 'node:test';
import { batchShiftLogEValues } from './batchShiftEValue.ts';
import { StatsInputError } from './errors.ts';
import { createShiftFamily, float32Below, SHIFT_FAMILY_TILTS, type ExactAnchors } from './shiftConfidenceSequence.ts';
import { createRng } from './seededRandom.ts';
import { advanceWithLogWeight, EMPTY, meanStartMixtureLogEvidence, startLogWeight } from './startMixture.ts';

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

/**
 * What a row of a family with anchor `anchor` (0: none) bets at shift k: the exact permutation
 * e-values at shift 0 and ± the anchor, elsewhere the binomial bound over 16 rank groups
 */
function rowLogEValues(
  baseline: Float64Array,
  moved: Float64Array,
  tilts: number[],
  k: number,
  anchor = 0,
  sides: ExactAnchors = 'both',
) {
  const exact = k === 0 || (anchor > 0 && ((k === anchor && sides !== 'down') || (k === -anchor && sides !== 'up')));
  return batchShiftLogEValues(baseline, moved, tilts, exact ? {} : { groups: 16, bound: 'binomial' });
}

test('each grid shift bets the e-values of the canary moved by that shift: exact at 0 and ± the anchor, bounded elsewhere (shared lists reused exactly)', () => {
  // a fresh family bets on every grid shift; narrow cohorts, so most shifts move the canary wholly
  // below or above the baseline (the same merged list, computed once), and near both ends of the
  // layout, so large shifts push the canary past an end (clamped into the end bucket)
  const lambdas = [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];
  const tilts = [...lambdas, ...lambdas.map((l) => -l)];
  const random = createRng(5).next;
  for (const [anchor, sides] of [
    [0, 'both'],
    [4, 'both'],
    [4, 'up'],
    [4, 'down'],
  ] as const) {
    const steps = new Set([0, 1, 2, 3, 4, 6, 8, 10, 13, 19, 28, 48]);
    if (anchor > 0) [anchor - 1, anchor, anchor + 1].forEach((k) => steps.add(k));
    const grid = [...steps].flatMap((k) => (k === 0 ? [0] : [-k, k])).sort((a, b) => a - b);
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
      const family = createShiftFamily(1.025, undefined, anchor, sides);
      family.update(b, c, 0);
      const rows = family.snapshot().logE;
      // a restored family bets as the original: its exact rows are in the snapshot
      const restored = createShiftFamily(1.025, family.snapshot(), anchor);
      restored.update(b, c, 1);
      family.update(b, c, 1);
      assert.deepEqual(restored.snapshot(), family.snapshot());
      grid.forEach((k, i) => {
        const moved = new Float64Array(layout);
        c.forEach((count, j) => (moved[Math.min(layout - 1, Math.max(0, j - k))] += count));
        const e = rowLogEValues(b, moved, tilts, k, anchor, sides);
        const expected = tilts.map((_, j) => float32Below(advanceWithLogWeight(EMPTY, e[j], startLogWeight(0))));
        assert.deepEqual(rows[i], expected, `anchor ${anchor} (${sides}), layout ${layout} from ${from}, shift ${k}`);
      });
    }
  }
});

test('exactAnchors other than both, up or down, or other than the snapshot says, throws StatsInputError', () => {
  assert.throws(() => createShiftFamily(1.025, undefined, 4, 'sideways' as ExactAnchors), StatsInputError);
  // a snapshot restored with other exact rows than it was written with would bet differently
  const up = createShiftFamily(1.025, undefined, 4, 'up');
  assert.throws(() => createShiftFamily(1.025, up.snapshot(), 4, 'both'), StatsInputError);
  assert.throws(
    () => createShiftFamily(1.025, { ...up.snapshot(), exactAnchors: 'sideways' as 'up' }, 4),
    StatsInputError,
  );
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

test('rows outside the betting window are closed lazily: unchanged while they sit out, caught up when bet on', () => {
  const random = createRng(12).next;
  const K = 707;
  const batch = (shift: number, n = 150) => {
    const b = new Float64Array(K);
    const c = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      b[300 + Math.floor(random() * 30)]++;
      c[Math.min(K - 1, 300 + shift + Math.floor(random() * 30))]++;
    }
    return [b, c] as const;
  };
  const family = createShiftFamily(1.025);
  let t = 0;
  for (; t < 8; t++) family.update(...batch(6), t);
  const before = family.snapshot();
  assert.ok(before.closed, 'some rows sit out once the interval is bounded');
  const lazy = before.closed!.filter((c) => c < before.batches).length;
  assert.ok(lazy >= 4, `${lazy} rows closed lazily`);
  const interval = family.interval(0.01, 0.16);
  // empty batches bet nothing: no row changes, the interval neither (each row's mixture is constant)
  const empty = new Float64Array(K);
  for (let k = 0; k < 5; k++, t++) family.update(empty, batch(6)[1], t);
  const idle = family.snapshot();
  assert.deepEqual(idle.logE, before.logE);
  assert.deepEqual(idle.closed, before.closed);
  assert.equal(idle.batches, before.batches + 5);
  assert.deepEqual(family.interval(0.01, 0.16), interval);
  // a batch with data: the rows it bets on first gain the start weights of every batch they sat
  // out, 1/(c + 1) − 1/(t + 1), then its e-value and weight; the others stay as they were
  const [b, c] = batch(6);
  family.update(b, c, t);
  const after = family.snapshot();
  const grid = [0, 1, 2, 3, 4, 6, 8, 10, 13, 19, 28, 48]
    .flatMap((k) => (k === 0 ? [0] : [-k, k]))
    .sort((x, y) => x - y);
  const lambdas = [0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28];
  const tilts = [...lambdas, ...lambdas.map((l) => -l)];
  let bet = 0;
  grid.forEach((k, i) => {
    const closedBefore = idle.closed?.[i] ?? idle.batches;
    const closedAfter = after.closed?.[i] ?? after.batches;
    if (closedAfter === closedBefore) {
      assert.deepEqual(after.logE[i], idle.logE[i], `row ${i} sat out`);
      return;
    }
    bet++;
    assert.equal(closedAfter, t + 1);
    const moved = new Float64Array(K);
    c.forEach((count, j) => (moved[Math.min(K - 1, Math.max(0, j - k))] += count));
    const e = rowLogEValues(b, moved, tilts, k);
    tilts.forEach((_, j) => {
      // in double precision, one batch at a time: R ← R + w_u for each batch sat out, then e·(R + w_t)
      let r = Math.exp(idle.logE[i][j]);
      for (let u = closedBefore; u < t; u++) r += 1 / ((u + 1) * (u + 2));
      const exact = e[j] + Math.log(r + 1 / ((t + 1) * (t + 2)));
      const stored = after.logE[i][j];
      assert.ok(stored <= exact + 1e-12 * Math.abs(exact), `row ${i} tilt ${j}: ${stored} is not above ${exact}`);
      assert.ok(exact - stored <= 4e-7 * Math.max(1, Math.abs(exact)), `row ${i} tilt ${j}: ${stored} vs ${exact}`);
    });
  });
  assert.ok(bet >= 3 && bet < grid.length, `${bet} rows bet on`);
});

test('checkpoints without per-row counts load as fully closed; bad counts throw', () => {
  const random = createRng(4).next;
  const K = 100;
  const b = new Float64Array(K);
  const c = new Float64Array(K);
  for (let i = 0; i < 80; i++) {
    b[40 + Math.floor(random() * 10)]++;
    c[45 + Math.floor(random() * 10)]++;
  }
  const family = createShiftFamily(1.025);
  for (let t = 0; t < 6; t++) family.update(b, c, t);
  const state = family.snapshot();
  const { closed: _closed, ...old } = state;
  const restored = createShiftFamily(1.025, old);
  assert.equal(restored.snapshot().closed, undefined);
  restored.update(b, c, 6);
  assert.ok(restored.interval(0.01, 0.1).low > 0);
  for (const bad of [[1], state.logE.map(() => -1), state.logE.map(() => 7), state.logE.map(() => 0.5)])
    assert.throws(() => createShiftFamily(1.025, { ...state, closed: bad }), StatsInputError);
});

test('past 2^24 batches every row is closed at every batch (counts would not be exact in single precision)', () => {
  const rows = 23;
  const batches = 2 ** 24 + 2;
  const state = {
    logE: Array.from({ length: rows }, (_, i) =>
      Array.from({ length: 14 }, (_, j) => (i === 3 ? -20 : i === 0 ? -40 : 0.5 * j - 3)),
    ),
    batches,
    anchorSteps: 0,
    closed: Array.from({ length: rows }, (_, i) => (i === 3 ? 2 ** 24 - 1000 : batches)),
  };
  const family = createShiftFamily(1.025, state);
  const loaded = family.snapshot();
  assert.equal(loaded.closed, undefined, 'caught up on load');
  // row 3 gained the start weights of the batches it sat out: log(e^−20 + 1/(c + 1) − 1/(b + 1))
  const gained = Math.log(Math.exp(-20) + 1 / (2 ** 24 - 999) - 1 / (batches + 1));
  for (const v of loaded.logE[3]) assert.ok(v <= gained && gained - v < 1e-6 * Math.abs(gained), `${v} vs ${gained}`);
  // an empty batch closes every row now, each gaining w_t
  family.update(new Float64Array(10), new Float64Array(10).fill(1), batches);
  const after = family.snapshot();
  assert.equal(after.closed, undefined);
  assert.equal(after.batches, batches + 1);
  const w = 1 / ((batches + 1) * (batches + 2));
  const expected = Math.log(Math.exp(loaded.logE[0][13]) + w);
  assert.ok(
    after.logE[0][13] <= expected && expected - after.logE[0][13] < 1e-6,
    `${after.logE[0][13]} vs ${expected}`,
  );
});

test('interval: the rejected ends, read from the stored rows, at thresholds on and around every mixture', () => {
  const random = createRng(31).next;
  const K = 707;
  const grid = [0, 1, 2, 3, 4, 6, 8, 10, 13, 19, 28, 48]
    .flatMap((k) => (k === 0 ? [0] : [-k, k]))
    .sort((x, y) => x - y);
  let checked = 0;
  for (const [shift, spread, n] of [
    [0, 30, 100],
    [5, 20, 200],
    [-9, 8, 40],
    [30, 60, 300],
  ]) {
    const family = createShiftFamily(1.025);
    for (let t = 0; t < 12; t++) {
      const b = new Float64Array(K);
      const c = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        b[300 + Math.floor(random() * spread)]++;
        c[300 + shift + Math.floor(random() * spread)]++;
      }
      family.update(b, c, t);
      const state = family.snapshot();
      // each row's mixture per side at its own count of closed batches
      const side = (i: number, from: number) =>
        meanStartMixtureLogEvidence(state.logE[i], from, 7, state.closed?.[i] ?? state.batches);
      const levels = grid.flatMap((_, i) => [side(i, 0), side(i, 7)]).flatMap((v) => [v, v * (1 + 1e-12), v - 1e-9]);
      for (const level of levels.filter((v) => v > 0.01 && v < 700)) {
        let lowest = -1;
        while (lowest + 1 < grid.length && side(lowest + 1, 0) >= level) lowest++;
        let highest = grid.length;
        while (highest > 0 && side(highest - 1, 7) >= level) highest--;
        let low = lowest < 0 ? -1 : 1.025 ** grid[lowest] - 1;
        let high = highest === grid.length ? Infinity : 1.025 ** grid[highest] - 1;
        if (low > high) low = high = (low + high) / 2;
        const got = family.interval(Math.exp(-level), 0);
        // alpha = e^−level: the family's threshold log(1/alpha) may differ from level by an ulp
        const again = Math.log(1 / Math.exp(-level));
        if (again !== level) continue;
        assert.equal(got.low, low, `shift ${shift} batch ${t} level ${level}`);
        assert.equal(got.high, high, `shift ${shift} batch ${t} level ${level}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `${checked} thresholds`);
});

test("update with the unshifted table's e-values given: the same rows as computing them", () => {
  const random = createRng(8).next;
  const K = 300;
  const plain = createShiftFamily(1.025);
  const given = createShiftFamily(1.025);
  for (let t = 0; t < 10; t++) {
    const b = new Float64Array(K);
    const c = new Float64Array(K);
    for (let i = 0; i < 60; i++) {
      b[100 + Math.floor(random() * 20)]++;
      c[103 + Math.floor(random() * 20)]++;
    }
    plain.update(b, c, t);
    given.update(b, c, t, 0, K, batchShiftLogEValues(b, c, SHIFT_FAMILY_TILTS));
    assert.deepEqual(given.snapshot(), plain.snapshot(), `batch ${t}`);
  }
  assert.throws(() => given.update(new Float64Array(K), new Float64Array(K), 10, 0, K, [1, 2]), StatsInputError);
});
