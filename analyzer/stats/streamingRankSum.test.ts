import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { logBuckets } from './logBuckets.ts';
import { StreamingRankSum, type RankAlternative } from './streamingRankSum.ts';

interface Case {
  baselineSteps: number[];
  canarySteps: number[];
  alternative: RankAlternative;
  u: number;
  pValue: number;
}
// computed by SciPy (test/fixtures/streamingRankSum.py): mannwhitneyu(canary, baseline, method='asymptotic')
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/streaming-rank-sum.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const valueOf = (step: number) => 0.01 * 1.1 ** step;

test('on values a bucket apart (ties kept exactly), U and the p-value equal SciPy’s asymptotic Mann-Whitney test', () => {
  const layout = logBuckets();
  assert.equal(fixture.cases.length, 18);
  for (const c of fixture.cases) {
    const sketch = new StreamingRankSum(layout);
    for (const s of c.baselineSteps) sketch.add('baseline', valueOf(s));
    for (const s of c.canarySteps) sketch.add('canary', valueOf(s));
    const r = sketch.test(c.alternative);
    const label = `${c.baselineSteps.length}/${c.canarySteps.length} ${c.alternative}`;
    assert.equal(r.u, c.u, label);
    assert.ok(
      Math.abs(r.pValue - c.pValue) <= 1e-9 * Math.max(1, c.pValue) + 1e-12,
      `${label}: p ${r.pValue} vs SciPy ${c.pValue}`,
    );
    assert.equal(r.maxUError, sumSameBucket(c), `${label}: only tied pairs count`);
  }
});

function sumSameBucket(c: Case): number {
  const counts = new Map<number, [number, number]>();
  for (const s of c.baselineSteps) (counts.get(s) ?? counts.set(s, [0, 0]).get(s)!)[0]++;
  for (const s of c.canarySteps) (counts.get(s) ?? counts.set(s, [0, 0]).get(s)!)[1]++;
  let pairs = 0;
  for (const [b, k] of counts.values()) pairs += b * k;
  return pairs / 2;
}

/** U of the raw values by its definition: pairs canary > baseline, ½ per equal pair (O(n·m)). */
function exactU(baseline: number[], canary: number[]): number {
  let u = 0;
  for (const c of canary) for (const b of baseline) u += c > b ? 1 : c === b ? 0.5 : 0;
  return u;
}

test('on continuous values, U is within the stated bound of the exact U, and merging batches equals one sketch of all', () => {
  const layout = logBuckets();
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const lognormal = (median: number) =>
    median * Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  for (const [nb, nc, shift] of [
    [400, 300, 1],
    [800, 800, 1.05],
    [1500, 500, 1.2],
  ] as const) {
    const baseline = Array.from({ length: nb }, () => lognormal(0.3));
    const canary = Array.from({ length: nc }, () => lognormal(0.3 * shift));
    const whole = new StreamingRankSum(layout);
    const batches = [new StreamingRankSum(layout), new StreamingRankSum(layout), new StreamingRankSum(layout)];
    baseline.forEach((v, i) => (whole.add('baseline', v), batches[i % 3].add('baseline', v)));
    canary.forEach((v, i) => (whole.add('canary', v), batches[i % 3].add('canary', v)));
    const merged = new StreamingRankSum(layout);
    for (const b of batches) merged.merge(b);
    const r = whole.test('greater');
    assert.deepEqual(merged.test('greater'), r);
    const exact = exactU(baseline, canary);
    assert.ok(Math.abs(r.u - exact) <= r.maxUError, `U ${r.u} vs exact ${exact}: bound ${r.maxUError}`);
    // the bound is small next to the statistic's spread: pairs within one 2.5 % bucket are rare
    assert.ok(r.maxUError < 0.02 * nb * nc, `bound ${r.maxUError} for ${nb}×${nc}`);
  }
});

test('bad input throws: negative or non-finite values, an empty cohort, merging different layouts', () => {
  const sketch = new StreamingRankSum(logBuckets());
  assert.throws(() => sketch.add('canary', -1), { name: 'StatsInputError' });
  assert.throws(() => sketch.add('canary', Number.NaN), { name: 'StatsInputError' });
  sketch.add('canary', 0.2);
  assert.throws(() => sketch.test('greater'), /both cohorts need values/);
  assert.throws(
    () => sketch.merge(new StreamingRankSum(logBuckets({ edges: [0.1, 1, Infinity] }))),
    /different bucket layouts/,
  );
});
