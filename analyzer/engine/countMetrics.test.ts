/**
 * Count metrics and missing data: a cohort that stops reporting is missing data, never a count of
 * zero; a count compared through the declared canary share is withheld when the release's own
 * traffic shows the share is wrong; sums that overflow are invalid input, not +Infinity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisSpec, Sample } from '../types.ts';
import { ReleaseEngine } from './releaseEngine.ts';

const MINUTE = 60_000;
const options = { mode: 'sequential', intervalMs: MINUTE } as const;

const spec = (metrics: AnalysisSpec['metrics'], canaryWeight = 0.5): AnalysisSpec => ({
  release: {
    id: 'counts',
    service: 's',
    version: '2',
    environment: 'e',
    strategy: 'canary',
    class: 'standard',
    startedAt: 0,
    canaryWeight,
  },
  metrics,
  policy: { observeMs: 30 * MINUTE },
});

/** Runs minute by minute; `emit(m)` gives the samples of minute m. Returns each look's decision and the orders verdict. */
function run(s: AnalysisSpec, minutes: number, emit: (m: number) => Sample[]) {
  const engine = new ReleaseEngine(s, options);
  const looks: { decision: string; classification: string; code?: string; reasons: string[] }[] = [];
  for (let m = 0; m < minutes && !engine.final; m++) {
    for (const x of emit(m)) engine.ingest(x);
    for (const v of engine.advanceTo((m + 1) * MINUTE)) {
      const orders = v.metrics.find((x) => x.metric === 'orders')!;
      looks.push({
        decision: v.decision,
        classification: orders.classification,
        code: orders.code,
        reasons: v.reasons,
      });
    }
  }
  return { looks, engine };
}

const count = (m: number, metric: string, cohort: 'baseline' | 'canary', value: number): Sample => ({
  ts: m * MINUTE + 59_999,
  metric,
  cohort,
  value,
});

test('a critical count whose canary stops reporting is missing data: never a rollback, never a promotion', () => {
  const s = spec([
    { name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, critical: true },
  ]);
  // 100 orders a minute in each cohort for 10 minutes, then the canary's series disappears
  const { looks } = run(s, 30, (m) => [
    count(m, 'orders', 'baseline', 100),
    ...(m < 10 ? [count(m, 'orders', 'canary', 100)] : []),
  ]);
  assert.ok(
    looks.every((l) => l.decision !== 'rollback'),
    looks.map((l) => l.decision).join(' '),
  );
  assert.equal(looks.at(-1)?.decision, 'inconclusive', 'the window ends with the canary silent: a person must look');
  // the same source reporting zeros is a real drop to zero, and rolls back
  const zeros = run(s, 30, (m) => [
    count(m, 'orders', 'baseline', 100),
    count(m, 'orders', 'canary', m < 10 ? 100 : 0),
  ]);
  assert.equal(zeros.looks.at(-1)?.decision, 'rollback');
});

test('a count without any canary report yet is nodata (cohort-silent), not a rate of zero', () => {
  const s = spec([
    { name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, critical: true },
  ]);
  const { looks } = run(s, 5, (m) => [count(m, 'orders', 'baseline', 100)]);
  assert.deepEqual(
    [looks[4].classification, looks[4].code, looks[4].decision],
    ['nodata', 'cohort-silent', 'continue'],
  );
});

test('traffic split guard: a count without exposure is withheld when the requests show the declared share is wrong', () => {
  const metrics: AnalysisSpec['metrics'] = [
    { name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, critical: true },
    {
      name: 'errors',
      group: 'ingress',
      kind: 'ratio',
      harm: 'increase',
      tolerance: 0.2,
      numerator: 'http_errors',
      denominator: 'http_requests',
    },
  ];
  // declared 50/50, but the router sends the canary only 30% of requests: orders split 70/30 too,
  // which without the guard reads as the canary losing 57% of its orders
  const minute = (m: number, canaryShare: number): Sample[] => [
    count(m, 'http_requests', 'baseline', 1000 * (1 - canaryShare)),
    count(m, 'http_requests', 'canary', 1000 * canaryShare),
    count(m, 'http_errors', 'baseline', 5),
    count(m, 'http_errors', 'canary', (5 * canaryShare) / (1 - canaryShare)),
    count(m, 'orders', 'baseline', 100 * (1 - canaryShare)),
    count(m, 'orders', 'canary', 100 * canaryShare),
  ];
  const skewed = run(spec(metrics), 30, (m) => minute(m, 0.3));
  assert.ok(
    skewed.looks.every((l) => l.decision !== 'rollback'),
    skewed.looks.map((l) => l.decision).join(' '),
  );
  assert.equal(skewed.looks.at(-1)?.code, 'traffic-split-mismatch');
  assert.equal(skewed.looks.at(-1)?.decision, 'inconclusive');
  assert.match(skewed.looks.at(-1)!.reasons.join(' | '), /canary 30\.0% of traffic, the release declared 50\.0%/);
  // the guard survives a checkpoint
  const restored = ReleaseEngine.restore(spec(metrics), options, JSON.parse(JSON.stringify(skewed.engine.snapshot())));
  assert.equal(restored.current?.metrics.find((x) => x.metric === 'orders')?.code, 'traffic-split-mismatch');
  // declared share right: the guard stays quiet and the release is judged (and promoted)
  const fair = run(spec(metrics), 30, (m) => minute(m, 0.5));
  assert.equal(fair.looks.at(-1)?.decision, 'promote');
});

test('counts whose sum overflows are invalid input for that metric, and the release goes on', () => {
  const s = spec([
    { name: 'orders', group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, exposure: 'requests' },
  ]);
  const { looks } = run(s, 30, (m) => [
    count(m, 'requests', 'baseline', 1000),
    count(m, 'requests', 'canary', m === 3 ? 1.5e308 : 1000),
    count(m, 'requests', 'canary', m === 3 ? 1.5e308 : 0),
    count(m, 'orders', 'baseline', 100),
    count(m, 'orders', 'canary', 100),
  ]);
  assert.ok(
    looks.every((l) => l.classification !== 'error'),
    looks.map((l) => l.classification).join(' '),
  );
  // the overflowing minute is left out; the others are judged to the end, where harm is ruled out
  assert.equal(looks.at(-1)?.decision, 'promote');
});
