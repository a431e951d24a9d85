import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision, Verdict } from '../analyzer/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { createMetricsSink } from './index.ts';

const v = (at: number, decision: Decision, releaseId = 'r1'): Verdict => ({
  releaseId,
  at,
  decision,
  score: 100,
  metrics: [],
  reasons: [],
  policy: { class: 'standard', observedFor: at },
});
const record = {} as ReleaseRecord;

test('metrics sink: verdicts and decision changes per decision; replays not counted twice', async () => {
  const sink = createMetricsSink();
  await sink.onVerdict(v(1, 'continue'), undefined, record);
  await sink.onVerdict(v(2, 'continue'), v(1, 'continue'), record);
  await sink.onVerdict(v(3, 'reduce-traffic'), v(2, 'continue'), record);
  await sink.onVerdict(v(4, 'rollback'), v(3, 'reduce-traffic'), record);
  await sink.onVerdict(v(4, 'rollback'), v(3, 'reduce-traffic'), record, { replayed: true });
  await sink.onVerdict(v(1, 'continue', 'r2'), undefined, record);
  assert.deepEqual(sink.counts(), { continue: 3, promote: 0, 'reduce-traffic': 1, rollback: 1, inconclusive: 0 });
  assert.deepEqual(sink.changes(), { continue: 2, promote: 0, 'reduce-traffic': 1, rollback: 1, inconclusive: 0 });
  assert.equal(sink.latest().get('r1')?.decision, 'rollback');
  assert.equal(sink.latest().size, 2);
});
