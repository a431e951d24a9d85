/** capacityNote: every expected number below is worked by hand in the comment beside it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricVerdict, Verdict } from '../../analyzer/types.ts';
import { capacityNote, capacityNotes, CapacityOptionsError } from './capacityNote.ts';

const mv = (
  metric: string,
  classification: MetricVerdict['classification'],
  relative: number,
  low: number,
  high: number,
): MetricVerdict => ({
  metric,
  classification,
  effect: { relative, low, high },
  evidence: 250,
  method: 'rate-ratio-mixture',
  n: { baseline: 10_000, canary: 2_500 },
  reason: '',
});

test('Black Friday: +40% CPU per request at 3× traffic on 3 cores today', () => {
  const note = capacityNote(mv('cpu_seconds_per_request', 'high', 0.4, 0.31, 0.49), {
    peakTrafficFactor: 3,
    peakName: 'Black Friday',
    currentUsage: 3,
  });
  // before = 3 cores × 3 = 9 cores; after = 9 × (1 + 0.40) = 12.6 cores; extra = 3.6 cores
  assert.equal(
    note?.text,
    'at Black Friday traffic (×3) this needs +40% CPU (95% interval +31% to +49%): 12.6 cores instead of 9',
  );
  assert.equal(note?.atPeak?.before, 9);
  assert.ok(Math.abs((note?.atPeak?.after ?? 0) - 12.6) < 1e-9);
  assert.ok(Math.abs((note?.atPeak?.extra ?? 0) - 3.6) < 1e-9);
});

test('other resources and units; rounding of percentages and amounts', () => {
  // Redis: +125.4% commands per request → "+125%"; 2 400 cmd/s today × 2.5 = 6 000; × 2.254 = 13 524 → 3 significant digits 13500
  const note = capacityNote(mv('redis_commands_per_request', 'high', 1.254, 0.9, 1.6), {
    peakTrafficFactor: 2.5,
    resource: 'Redis commands',
    currentUsage: 2400,
    unit: 'commands/s',
    confidence: 0.99,
  });
  assert.equal(
    note?.text,
    'at peak traffic (×2.5) this needs +125% Redis commands (99% interval +90% to +160%): 13500 commands/s instead of 6000',
  );
  // without today's use: the percentage only; an unbounded interval is left out
  assert.equal(
    capacityNote(mv('cpu', 'high', 0.104, 0.02, Infinity), { peakTrafficFactor: 4 })?.text,
    'at peak traffic (×4) this needs +10% CPU',
  );
});

test('no note unless the metric was judged high with a positive effect', () => {
  for (const c of ['pass', 'low', 'nodata', 'error', 'undecided'] as const) {
    assert.equal(capacityNote(mv('cpu', c, 0.4, 0.3, 0.5), { peakTrafficFactor: 3 }), undefined, c);
  }
  assert.equal(capacityNote(mv('cpu', 'high', Number.NaN, 0, 0), { peakTrafficFactor: 3 }), undefined);
});

test('invalid options are rejected by name', () => {
  const m = mv('cpu', 'high', 0.4, 0.3, 0.5);
  for (const [options, re] of [
    [{ peakTrafficFactor: 0 }, /peakTrafficFactor/],
    [{ peakTrafficFactor: Number.NaN }, /peakTrafficFactor/],
    [{ peakTrafficFactor: 3, currentUsage: -1 }, /currentUsage/],
    [{ peakTrafficFactor: 3, confidence: 95 }, /confidence/],
    [{ peakTrafficFactor: 3, peakFactor: 3 }, /unknown option "peakFactor"/],
  ] as const) {
    assert.throws(
      () => capacityNote(m, options as never),
      (e: unknown) => e instanceof CapacityOptionsError && re.test(e.message),
    );
  }
});

test('capacityNotes: one note per configured metric that regressed', () => {
  const verdict: Verdict = {
    releaseId: 'r',
    at: 0,
    decision: 'rollback',
    score: 40,
    metrics: [
      mv('cpu_seconds_per_request', 'high', 0.5, 0.4, 0.6),
      mv('redis_commands_per_request', 'pass', 0.01, -0.02, 0.04),
      mv('checkout_latency_seconds', 'high', 0.3, 0.2, 0.4),
    ],
    reasons: [],
    policy: { class: 'standard', observedFor: 0 },
  };
  const notes = capacityNotes(
    verdict,
    { peakTrafficFactor: 3, peakName: 'Black Friday' },
    {
      cpu_seconds_per_request: { resource: 'CPU', currentUsage: 2 },
      redis_commands_per_request: { resource: 'Redis commands' },
    },
  );
  // 2 cores × 3 = 6; 6 × 1.5 = 9; latency is not a resource metric, the Redis one passed
  assert.deepEqual(
    notes.map((n) => n.text),
    ['at Black Friday traffic (×3) this needs +50% CPU (95% interval +40% to +60%): 9 cores instead of 6'],
  );
});
