import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from './decide.ts';
import { resolvePolicy, UnknownReleaseClassError } from './releaseClasses.ts';
import { classifyByInterval } from './classify.ts';
import type { MetricVerdict } from '../types.ts';

const policy = resolvePolicy('standard'); // observe 60 min, early promotion after 30, pass 95, marginal 75
const MIN = 60_000;
const v = (metric: string, classification: MetricVerdict['classification'], critical = false): MetricVerdict => ({
  metric, classification, critical, effect: { relative: 0, low: 0, high: 0 }, evidence: 1, method: 't', n: { baseline: 100, canary: 100 }, reason: 'r',
});

test('a critical failure rolls back whatever the score', () => {
  const out = decide({ metrics: [v('a', 'high', true), v('b', 'pass')], score: 99, policy, observedFor: 5 * MIN, mode: 'sequential' });
  assert.equal(out.decision, 'rollback');
  assert.match(out.reasons[0], /critical failure in a/);
});

test('non-critical failures below marginal: reduce traffic (sequential) or roll back (fixed, or at the end)', () => {
  const metrics = [v('a', 'high'), v('b', 'pass')];
  assert.equal(decide({ metrics, score: 50, policy, observedFor: 5 * MIN, mode: 'sequential' }).decision, 'reduce-traffic');
  assert.equal(decide({ metrics, score: 50, policy, observedFor: 5 * MIN, mode: 'fixed' }).decision, 'rollback');
  assert.equal(decide({ metrics, score: 50, policy, observedFor: 60 * MIN, mode: 'sequential' }).decision, 'rollback');
  assert.equal(decide({ metrics, score: 80, policy, observedFor: 5 * MIN, mode: 'sequential' }).decision, 'continue');
});

test('never promote on missing data; too little data at the end is inconclusive', () => {
  const metrics = [v('a', 'pass'), v('b', 'nodata')];
  assert.equal(decide({ metrics, score: 100, policy, observedFor: 40 * MIN, mode: 'sequential' }).decision, 'continue');
  assert.equal(decide({ metrics, score: 100, policy, observedFor: 60 * MIN, mode: 'sequential' }).decision, 'inconclusive');
  assert.equal(decide({ metrics: [v('a', 'error')], score: 0, policy, observedFor: 60 * MIN, mode: 'fixed' }).decision, 'inconclusive');
});

test('early promotion only when every metric passed and the minimum observation has elapsed', () => {
  const passed = [v('a', 'pass'), v('b', 'pass')];
  assert.equal(decide({ metrics: passed, score: 100, policy, observedFor: 20 * MIN, mode: 'sequential' }).decision, 'continue');
  assert.equal(decide({ metrics: passed, score: 100, policy, observedFor: 30 * MIN, mode: 'sequential' }).decision, 'promote');
  assert.equal(decide({ metrics: passed, score: 100, policy, observedFor: 30 * MIN, mode: 'fixed' }).decision, 'continue');
  assert.equal(decide({ metrics: [v('a', 'pass'), v('b', 'undecided')], score: 100, policy, observedFor: 59 * MIN, mode: 'sequential' }).decision, 'continue');
});

test('at the window end: promote at ≥ pass, inconclusive between marginal and pass or with harm not ruled out', () => {
  assert.equal(decide({ metrics: [v('a', 'pass')], score: 100, policy, observedFor: 60 * MIN, mode: 'sequential' }).decision, 'promote');
  const undecided = decide({ metrics: [v('a', 'undecided'), v('b', 'pass')], score: 100, policy, observedFor: 60 * MIN, mode: 'sequential' });
  assert.equal(undecided.decision, 'inconclusive');
  assert.match(undecided.reasons[1], /^a: /);
  assert.equal(decide({ metrics: [v('a', 'high'), v('b', 'pass')], score: 80, policy, observedFor: 60 * MIN, mode: 'fixed' }).decision, 'inconclusive');
});

test('release classes: unknown names are rejected; overrides apply; peak season halves tolerances', () => {
  assert.throws(() => resolvePolicy('yolo'), UnknownReleaseClassError);
  assert.equal(resolvePolicy('standard', { alpha: 0.05 }).alpha, 0.05);
  assert.equal(resolvePolicy('peak-season-restricted').toleranceScale, 0.5);
  assert.equal(resolvePolicy('standard', { observeMs: 20 * MIN }).minObserveMs, 10 * MIN);
  assert.throws(() => resolvePolicy('standard', { passScore: 50, marginalScore: 60 }), RangeError);
});

test('interval rule: fail needs evidence AND the interval beyond tolerance on the harmful side', () => {
  const effect = { relative: 0.2, low: 0.12, high: 0.3 };
  assert.equal(classifyByInterval({ harm: 'increase', tolerance: 0.1, evidence: 500, threshold: 400, effect }).classification, 'high');
  assert.equal(classifyByInterval({ harm: 'increase', tolerance: 0.1, evidence: 300, threshold: 400, effect }).classification, 'undecided');
  assert.equal(classifyByInterval({ harm: 'increase', tolerance: 0.15, evidence: 500, threshold: 400, effect }).classification, 'undecided');
  // an increase of a metric whose harm is a decrease is not a failure; it passes once the low end clears −tolerance
  assert.equal(classifyByInterval({ harm: 'decrease', tolerance: 0.1, evidence: 500, threshold: 400, effect }).classification, 'pass');
  assert.equal(classifyByInterval({ harm: 'either', tolerance: 0.1, evidence: 1, threshold: 400, effect: { relative: 0, low: -0.05, high: 0.05 } }).classification, 'pass');
  assert.equal(classifyByInterval({ harm: 'decrease', tolerance: 0.1, evidence: 1e3, threshold: 400, effect: { relative: -0.3, low: -0.4, high: -0.2 } }).classification, 'low');
});

test('stale data withholds a promotion but never causes a rollback by itself', () => {
  const passed = [v('a', 'pass'), v('b', 'pass')];
  const stale = ['b: no canary data in the last 1 min (a source down or a query failing?)'];
  const early = decide({ metrics: passed, score: 100, policy, observedFor: 30 * MIN, mode: 'sequential', stale });
  assert.equal(early.decision, 'continue');
  assert.ok(early.reasons.includes(stale[0]));
  assert.equal(decide({ metrics: passed, score: 100, policy, observedFor: 60 * MIN, mode: 'sequential', stale }).decision, 'inconclusive');
  // a failure below marginal rolls back as before; a critical one too
  assert.equal(decide({ metrics: [v('a', 'high'), v('b', 'pass')], score: 50, policy, observedFor: 60 * MIN, mode: 'sequential', stale }).decision, 'rollback');
  assert.equal(decide({ metrics: [v('a', 'high', true), v('b', 'pass')], score: 99, policy, observedFor: 5 * MIN, mode: 'sequential', stale }).decision, 'rollback');
  assert.equal(decide({ metrics: passed, score: 100, policy, observedFor: 30 * MIN, mode: 'sequential', stale: [] }).decision, 'promote');
});
