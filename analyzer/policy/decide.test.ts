import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type DecisionInput } from './decide.ts';
import { resolvePolicy, UnknownReleaseClassError } from './releaseClasses.ts';
import type { Decision, MetricVerdict } from '../types.ts';

const policy = resolvePolicy('standard'); // observe 60 min, early promotion after 30, pass 95, marginal 75
const MIN = 60_000;
type Kind = 'pass' | 'not-detected' | 'high' | 'critical-high' | 'nodata' | 'error';
const v = (metric: string, kind: Kind, declaredCritical = false): MetricVerdict => {
  const classification = kind === 'not-detected' ? 'undecided' : kind === 'critical-high' ? 'high' : kind;
  const criticalFailure = kind === 'critical-high';
  return {
    metric,
    classification,
    declaredCritical: declaredCritical || criticalFailure,
    criticalFailure,
    critical: criticalFailure,
    ...(kind === 'pass'
      ? { assurance: 'ruled-out' as const }
      : kind === 'not-detected'
        ? { assurance: 'not-detected' as const }
        : {}),
    effect: { relative: 0, low: 0, high: 0 },
    evidence: 1,
    method: 't',
    n: { baseline: 100, canary: 100 },
    reason: 'r',
  };
};

// The decision table of decide.ts, one row per line: inputs → decision. Each row is a case a
// controller meets; the comment names the table row that decides it.
const rows: {
  row: string;
  metrics: MetricVerdict[];
  score: number;
  at: number;
  mode?: 'fixed';
  stale?: string[];
  cls?: string;
  expect: Decision;
}[] = [
  {
    row: '1 critical failure, early, high score',
    metrics: [v('a', 'critical-high'), v('b', 'pass')],
    score: 99,
    at: 5,
    expect: 'rollback',
  },
  {
    row: '1 SLO breach on a non-critical metric',
    metrics: [v('a', 'critical-high'), v('b', 'pass')],
    score: 99,
    at: 59,
    stale: ['x'],
    expect: 'rollback',
  },
  {
    row: '2 failure, score below marginal, early (sequential)',
    metrics: [v('a', 'high'), v('b', 'pass')],
    score: 50,
    at: 5,
    expect: 'rollback',
  },
  {
    row: '2 failure, score below marginal (fixed)',
    metrics: [v('a', 'high'), v('b', 'pass')],
    score: 50,
    at: 10,
    mode: 'fixed',
    expect: 'rollback',
  },
  {
    row: '3 failure, score exactly marginal, early',
    metrics: [v('a', 'high'), v('b', 'pass'), v('c', 'pass'), v('d', 'pass')],
    score: 75,
    at: 5,
    expect: 'reduce-traffic',
  },
  { row: '3 failure, score above pass, early', metrics: [v('a', 'high')], score: 96, at: 20, expect: 'reduce-traffic' },
  {
    row: '3 failure with stale data, early',
    metrics: [v('a', 'high'), v('b', 'pass')],
    score: 80,
    at: 20,
    stale: ['b'],
    expect: 'reduce-traffic',
  },
  { row: '4 failure at the end, score exactly pass', metrics: [v('a', 'high')], score: 95, at: 60, expect: 'promote' },
  {
    row: '5 failure at the end, score exactly marginal',
    metrics: [v('a', 'high')],
    score: 75,
    at: 60,
    expect: 'rollback',
  },
  {
    row: '5 failure at the end with missing data elsewhere',
    metrics: [v('a', 'high'), v('b', 'nodata')],
    score: 80,
    at: 60,
    expect: 'rollback',
  },
  {
    row: '6 every metric ruled out after minObserve',
    metrics: [v('a', 'pass'), v('b', 'pass')],
    score: 100,
    at: 30,
    expect: 'promote',
  },
  {
    row: '7 every metric ruled out before minObserve',
    metrics: [v('a', 'pass'), v('b', 'pass')],
    score: 100,
    at: 20,
    expect: 'continue',
  },
  {
    row: '7 ruled out but stale',
    metrics: [v('a', 'pass'), v('b', 'pass')],
    score: 100,
    at: 30,
    stale: ['b'],
    expect: 'continue',
  },
  {
    row: '7 fixed judge never promotes early',
    metrics: [v('a', 'pass')],
    score: 100,
    at: 30,
    mode: 'fixed',
    expect: 'continue',
  },
  {
    row: '7 not detected yet',
    metrics: [v('a', 'not-detected'), v('b', 'pass')],
    score: 100,
    at: 59,
    expect: 'continue',
  },
  { row: '7 warming up: no data yet', metrics: [v('a', 'nodata')], score: 0, at: 1, expect: 'continue' },
  {
    row: '8 at the end, a metric without data',
    metrics: [v('a', 'pass'), v('b', 'nodata')],
    score: 100,
    at: 60,
    expect: 'inconclusive',
  },
  {
    row: '8 at the end, a metric in error (fixed)',
    metrics: [v('a', 'error')],
    score: 0,
    at: 60,
    mode: 'fixed',
    expect: 'inconclusive',
  },
  {
    row: '8 at the end, stale data',
    metrics: [v('a', 'pass'), v('b', 'not-detected')],
    score: 100,
    at: 60,
    stale: ['b'],
    expect: 'inconclusive',
  },
  {
    row: '9 class requires ruled-out, critical only not detected',
    metrics: [v('a', 'not-detected', true), v('b', 'pass')],
    score: 100,
    at: 120,
    cls: 'schema-change',
    expect: 'inconclusive',
  },
  {
    row: '10 class requires ruled-out, only a non-critical not detected',
    metrics: [v('a', 'pass', true), v('b', 'not-detected')],
    score: 100,
    at: 120,
    cls: 'schema-change',
    expect: 'promote',
  },
  {
    row: '10 no harm found at the end (not detected)',
    metrics: [v('a', 'not-detected', true), v('b', 'not-detected')],
    score: 100,
    at: 60,
    expect: 'promote',
  },
  {
    row: '10 no harm found at the end (fixed)',
    metrics: [v('a', 'not-detected')],
    score: 100,
    at: 60,
    mode: 'fixed',
    expect: 'promote',
  },
];

for (const r of rows) {
  test(`decision table, row ${r.row} → ${r.expect}`, () => {
    const input: DecisionInput = {
      metrics: r.metrics,
      score: r.score,
      policy: r.cls ? resolvePolicy(r.cls) : policy,
      observedFor: r.at * MIN,
      mode: r.mode ?? 'sequential',
      ...(r.stale ? { stale: r.stale } : {}),
    };
    assert.equal(decide(input).decision, r.expect);
  });
}

test('reasons name what a person must look at, and proven harm is named', () => {
  const end = decide({
    metrics: [v('a', 'pass'), v('b', 'nodata')],
    score: 100,
    policy,
    observedFor: 60 * MIN,
    mode: 'sequential',
  });
  assert.match(end.reasons[0], /missing data/);
  assert.ok(end.reasons.includes('b: r'));
  const reduce = decide({
    metrics: [v('stock', 'high'), v('b', 'pass')],
    score: 83,
    policy,
    observedFor: 20 * MIN,
    mode: 'sequential',
  });
  assert.match(reduce.reasons[0], /harm established in stock/);
  const critical = decide({
    metrics: [v('a', 'critical-high')],
    score: 0,
    policy,
    observedFor: 5 * MIN,
    mode: 'sequential',
  });
  assert.match(critical.reasons[0], /critical failure in a/);
  const promoted = decide({
    metrics: [v('a', 'not-detected')],
    score: 100,
    policy,
    observedFor: 60 * MIN,
    mode: 'sequential',
  });
  assert.match(promoted.reasons[0], /no harm found \(1 metric\(s\) not ruled out/);
});

test('a verdict of API v1 (only `critical`) still counts as a critical failure', () => {
  const old: MetricVerdict = {
    metric: 'a',
    classification: 'high',
    critical: true,
    effect: { relative: 0, low: 0, high: 0 },
    evidence: 1,
    method: 't',
    n: { baseline: 1, canary: 1 },
    reason: 'r',
  };
  assert.equal(
    decide({ metrics: [old], score: 99, policy, observedFor: 5 * MIN, mode: 'sequential' }).decision,
    'rollback',
  );
});

test('release classes: unknown names are rejected; overrides apply; peak season halves tolerances and requires ruled-out', () => {
  assert.throws(() => resolvePolicy('yolo'), UnknownReleaseClassError);
  assert.equal(resolvePolicy('standard', { alpha: 0.05 }).alpha, 0.05);
  assert.equal(resolvePolicy('peak-season-restricted').toleranceScale, 0.5);
  assert.equal(resolvePolicy('peak-season-restricted').requireRuledOut, true);
  assert.equal(resolvePolicy('schema-change').requireRuledOut, true);
  assert.equal(resolvePolicy('standard').requireRuledOut, false);
  assert.equal(resolvePolicy('standard', { observeMs: 20 * MIN }).minObserveMs, 10 * MIN);
  assert.throws(() => resolvePolicy('standard', { passScore: 50, marginalScore: 60 }), RangeError);
});
