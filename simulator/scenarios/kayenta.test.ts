import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../analyzer/types.ts';
import { generateScenario } from './generate.ts';
import { toPerMinuteMeans } from './kayenta.ts';
import { METRIC } from './regressions.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0);
const s = (ts: number, metric: string, value: number, cohort: Sample['cohort'] = 'canary'): Sample => ({
  ts,
  metric,
  cohort,
  value,
});

test('raw durations become one mean per minute and cohort, stamped at the minute end', () => {
  const out = toPerMinuteMeans([
    s(T0 + 1_000, 'lat', 1),
    s(T0 + 2_000, 'lat', 3),
    s(T0 + 3_000, 'lat', 10, 'baseline'),
    s(T0 + 61_000, 'lat', 4),
    s(T0 + 62_000, 'lat', Number.NaN),
  ]);
  assert.deepEqual(out, [s(T0 + 59_999, 'lat', 2), s(T0 + 59_999, 'lat', 10, 'baseline'), s(T0 + 119_999, 'lat', 4)]);
  assert.ok(Number.isNaN(toPerMinuteMeans([s(T0, 'lat', Number.NaN)])[0].value));
});

test('per-minute counts pass through unchanged, and `metrics` limits what is averaged', () => {
  const { samples } = generateScenario({ seed: 2, durationMinutes: 5 });
  const counts = samples.filter((x) => x.metric === METRIC.httpRequests);
  assert.deepEqual(toPerMinuteMeans(counts), counts);
  const out = toPerMinuteMeans(samples, { metrics: [METRIC.checkoutLatency] });
  assert.equal(out.filter((x) => x.metric === METRIC.checkoutLatency).length, 5 * 2);
  assert.equal(
    out.filter((x) => x.metric === METRIC.stockLatency).length,
    samples.filter((x) => x.metric === METRIC.stockLatency).length,
  );
  for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].ts <= out[i].ts);
});

test('originMs shifts the minute grid', () => {
  const out = toPerMinuteMeans([s(T0 + 10_000, 'lat', 1), s(T0 + 40_000, 'lat', 3)], { originMs: T0 + 30_000 });
  assert.deepEqual(
    out.map((x) => [x.ts - T0, x.value]),
    [
      [29_999, 1],
      [89_999, 3],
    ],
  );
});
