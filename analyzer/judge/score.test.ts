import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreRelease } from './score.ts';
import type { MetricSpec, MetricVerdict } from '../types.ts';

const spec = (name: string, group: string, weight?: number): MetricSpec => ({
  name,
  group,
  kind: 'gauge',
  harm: 'increase',
  tolerance: 0.1,
  ...(weight ? { weight } : {}),
});
const verdict = (metric: string, classification: MetricVerdict['classification']): MetricVerdict => ({
  metric,
  classification,
  effect: { relative: 0, low: 0, high: 0 },
  evidence: 1,
  method: 'test',
  n: { baseline: 1, canary: 1 },
  reason: '',
});

test('Kayenta weighted-sum score: per-group pass share weighted by group weights', () => {
  // Hand computation: Latency group 1 of 2 pass → 0.5; Business 1 of 1 → 1; Platform 0 of 1 → 0.
  // (50·0.5 + 30·1 + 20·0) / 100 = 0.55 → 55.
  const specs = new Map(
    [spec('a', 'Latency'), spec('b', 'Latency'), spec('c', 'Business'), spec('d', 'Platform')].map((s) => [s.name, s]),
  );
  const verdicts = [verdict('a', 'pass'), verdict('b', 'high'), verdict('c', 'pass'), verdict('d', 'low')];
  assert.equal(scoreRelease(verdicts, specs, { Latency: 50, Business: 30, Platform: 20 }), 55);
});

test('nodata and error metrics leave the denominators; undecided counts as healthy', () => {
  // Only group g judged: a passes (weight 3), b undecided (1), c nodata, d error → (3 + 1) / (3 + 1) = 100
  const specs = new Map([spec('a', 'g', 3), spec('b', 'g'), spec('c', 'g'), spec('d', 'h')].map((s) => [s.name, s]));
  assert.equal(
    scoreRelease(
      [verdict('a', 'pass'), verdict('b', 'undecided'), verdict('c', 'nodata'), verdict('d', 'error')],
      specs,
    ),
    100,
  );
  // metric weights inside a group: a (3) fails, b (1) passes → 25
  assert.equal(scoreRelease([verdict('a', 'high'), verdict('b', 'pass')], specs), 25);
});

test('no judged metric at all scores 0', () => {
  assert.equal(scoreRelease([verdict('x', 'nodata')], new Map()), 0);
});
