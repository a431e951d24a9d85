/**
 * The power projection against what the judge then reports on simulated releases of the same
 * traffic: the projection is only useful if the detectable effect it promises at registration is
 * the one the verdicts show at the window's end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateScenario, SMALL_TENANT } from '../../simulator/index.ts';
import { replaySamples, releasePower } from '../engine/index.ts';
import type { AnalysisSpec } from '../types.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('the projected detectable effect matches what the judge reports at the end of healthy small-tenant releases', () => {
  const seeds = [1, 2, 3, 4, 5];
  const runs = seeds.map((seed) =>
    generateScenario({
      seed,
      ...SMALL_TENANT.options,
      metrics: SMALL_TENANT.metrics,
      diurnal: { trafficDrift: 0, latencyDrift: 0 },
      spikes: { count: 0, minutes: 1, traffic: 1, latency: 1 },
      heavyTail: null,
    }),
  );
  const spec = runs[0].spec;
  const small = SMALL_TENANT.options;
  const expected: Record<string, AnalysisSpec['metrics'][number]['expected']> = {
    checkout_latency_seconds: { perMinute: small.checkoutPerMinute!, sigma: 0.6 },
    stock_reservation_latency_seconds: { perMinute: small.stockPerMinute!, sigma: 0.5 },
    error_ratio: { perMinute: small.httpRequestsPerMinute!, ratio: small.errorRatio },
    orders_confirmed_total: { perMinute: small.httpRequestsPerMinute! * small.conversion! },
  };
  const withExpected: AnalysisSpec = {
    ...spec,
    metrics: spec.metrics.map((m) => ({ ...m, expected: expected[m.name] })),
  };
  const projected = new Map(releasePower(withExpected).map((p) => [p.metric, p]));
  const verdicts = runs.map(
    (r) => replaySamples(r.spec, r.samples, { mode: 'sequential', intervalMs: 60_000 }).verdict,
  );
  for (const metric of spec.metrics) {
    const p = projected.get(metric.name)!;
    assert.ok(p.detectable !== undefined, metric.name);
    // the judge's own `detectable` at the end, where harm was not ruled out (else it is the tolerance)
    const seen = median(verdicts.map((v) => v.metrics.find((m) => m.metric === metric.name)!.detectable!));
    const ratio = p.detectable / seen;
    assert.ok(
      ratio > 0.75 && ratio < 1.33,
      `${metric.name}: projected ${p.detectable.toFixed(3)}, the judge reported ${seen.toFixed(3)}`,
    );
  }
  // at 1% errors and 100 requests a minute, a +10% change in the error ratio cannot be ruled out in an hour
  assert.equal(projected.get('error_ratio')!.ruledOutReachable, false);
  assert.match(projected.get('error_ratio')!.warning!, /cannot be ruled out in 60 min/);
});

test('more traffic shrinks the detectable effect about as 1/√n; no expected traffic gives a hint, not a number', () => {
  const base: AnalysisSpec = {
    release: {
      id: 'p',
      service: 's',
      version: '2',
      environment: 'e',
      strategy: 'canary',
      class: 'standard',
      startedAt: 0,
    },
    metrics: [
      { name: 'orders', group: 'b', kind: 'count', harm: 'decrease', tolerance: 0.01, expected: { perMinute: 100 } },
      { name: 'orders4', group: 'b', kind: 'count', harm: 'decrease', tolerance: 0.01, expected: { perMinute: 400 } },
      { name: 'latency', group: 'a', kind: 'latency', harm: 'increase', tolerance: 0.1 },
    ],
    policy: {},
  };
  const [one, four, unknown] = releasePower(base);
  const shrink = four.detectable! / one.detectable!;
  assert.ok(shrink > 0.45 && shrink < 0.6, `×4 traffic: ×${shrink.toFixed(2)}`);
  assert.equal(unknown.detectable, undefined);
  assert.match(unknown.warning!, /metrics\[\]\.expected\.perMinute/);
  // a tolerance the traffic reaches: ruled out is reachable, no warning
  const easy = releasePower({
    ...base,
    metrics: [
      { name: 'orders', group: 'b', kind: 'count', harm: 'decrease', tolerance: 0.5, expected: { perMinute: 1000 } },
    ],
  });
  assert.deepEqual([easy[0].ruledOutReachable, easy[0].warning, easy[0].detectable], [true, undefined, 0.5]);
});
