import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../stats/seededRandom.ts';
import type { MetricSpec } from '../types.ts';
import { FixedMetricJudge, RAW_VALUES_KEPT } from './fixedMetricJudge.ts';

const spec: MetricSpec = { name: 'latency', group: 'application', kind: 'latency', harm: 'increase', tolerance: 0.05 };
const context = { alpha: 0.01, minSamples: 50, canaryShare: 0.5 };

function lognormal(random: () => number, median: number): number {
  return median * Math.exp(0.6 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

test('past RAW_VALUES_KEPT values a metric moves to the sketch: verdicts keep their meaning, the raw buffers go', () => {
  for (const [shift, expected] of [
    [1, 'pass'],
    [1.1, 'high'],
  ] as const) {
    const random = createRng(shift === 1 ? 1 : 2).next;
    const judge = new FixedMetricJudge(spec);
    for (let i = 0; i < RAW_VALUES_KEPT; i++) {
      judge.add('value', 'baseline', lognormal(random, 0.3), undefined);
      judge.add('value', 'canary', lognormal(random, 0.3 * shift), undefined);
    }
    const raw = judge.verdict(context);
    assert.match(raw.method, /^mann-whitney-asymptotic\+hodges-lehmann$/);
    for (let i = 0; i < 10_000; i++) {
      judge.add('value', 'baseline', lognormal(random, 0.3), undefined);
      judge.add('value', 'canary', lognormal(random, 0.3 * shift), undefined);
    }
    const binned = judge.verdict(context);
    assert.equal(binned.method, 'mann-whitney-binned+hodges-lehmann-binned');
    assert.deepEqual(binned.n, { baseline: RAW_VALUES_KEPT + 10_000, canary: RAW_VALUES_KEPT + 10_000 });
    assert.equal(raw.classification, expected, `raw ×${shift}: ${raw.reason}`);
    assert.equal(binned.classification, expected, `binned ×${shift}: ${binned.reason}`);
    // the relative effect moves by about the data added, not by the sketch: within 1.5 points of the raw one
    assert.ok(
      Math.abs(binned.effect.relative - raw.effect.relative) < 0.015,
      `${binned.effect.relative} vs ${raw.effect.relative}`,
    );
    assert.equal(judge.observedTotals().observations, 2 * (RAW_VALUES_KEPT + 10_000));
  }
});

test('histogram input past the limit costs one count per bucket, not one value per observation', () => {
  const judge = new FixedMetricJudge({ ...spec, histogram: true, buckets: [0.1, 0.3, 1.2, 5] });
  for (const [le, count] of [
    ['0.1', 2_000_000],
    ['0.3', 5_000_000],
    ['+Inf', 10],
  ] as const) {
    judge.add('value', 'baseline', count, { le });
    judge.add('value', 'canary', count, { le });
  }
  const verdict = judge.verdict(context);
  assert.equal(verdict.method, 'mann-whitney-binned+hodges-lehmann-binned');
  assert.equal(verdict.n.baseline, 7_000_010);
  assert.equal(verdict.classification, 'pass');
});
