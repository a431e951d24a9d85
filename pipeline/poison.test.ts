/**
 * The poison-release rule: no single release, sample or request can stop the analysis of another
 * release, and a restart always comes back. Each case once froze a verdict or killed `serve`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysisSpec, Sample, Verdict } from '../analyzer/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { SequentialMetricJudge } from '../analyzer/engine/sequentialMetricJudge.ts';
import { createMemoryBus } from '../collector/index.ts';
import { createPipeline } from './index.ts';
import { ReleaseRun, type PipelineCheckpoint } from './releaseRun.ts';
import type { PipelineLogger } from './options.ts';
import { MINUTE, minuteBatches, publishAll, register, storeWith, waitFor } from './testing/harness.ts';

const START = Date.parse('2026-11-20T10:00:00Z');

const specOf = (
  id: string,
  extra: Partial<AnalysisSpec['policy']> = {},
  metrics = ['orders', 'latency'],
): AnalysisSpec => ({
  release: {
    id,
    service: 'shop',
    version: '2',
    environment: 'test',
    strategy: 'canary',
    class: 'standard',
    startedAt: START,
  },
  policy: { observeMs: 20 * MINUTE, ...extra },
  metrics: metrics.map((name) =>
    name === 'latency' || name === 'poison'
      ? { name, group: 'app', kind: 'latency', harm: 'increase', tolerance: 0.2 }
      : { name, group: 'app', kind: 'count', harm: 'decrease', tolerance: 0.2 },
  ),
});

/** `minutes` of steady samples; `orders` canary counts of `huge` in minute `hugeAt`. */
function samplesOf(spec: AnalysisSpec, minutes: number, hugeAt = -1, huge = 1e308): Sample[] {
  const out: Sample[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < 30; i++) {
      const ts = START + m * MINUTE + i * 2000;
      for (const metric of spec.metrics) {
        for (const cohort of ['baseline', 'canary'] as const) {
          const value =
            metric.kind === 'count'
              ? m === hugeAt && cohort === 'canary'
                ? huge
                : 20 + (i % 5)
              : 0.2 + ((i * 7 + m) % 11) / 100;
          out.push({ ts, metric: metric.name, cohort, value });
        }
      }
    }
  }
  return out;
}

class Lines implements PipelineLogger {
  readonly lines: string[] = [];
  info(f: Record<string, unknown>, m: string) {
    this.lines.push(`info ${m} ${JSON.stringify(f)}`);
  }
  warn(f: Record<string, unknown>, m: string) {
    this.lines.push(`warn ${m} ${JSON.stringify(f)}`);
  }
  error(f: Record<string, unknown>, m: string) {
    this.lines.push(`error ${m} ${JSON.stringify(f)}`);
  }
}

test('counter increments summing past 1.8e308: invalid input for that metric; the release, the other release and the checkpoint go on', async () => {
  const poisoned = specOf('overflow-1');
  const other = specOf('overflow-2');
  const { store } = await storeWith(poisoned, other);
  const bus = createMemoryBus();
  const logger = new Lines();
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 1, logger });
  // two 1e308 increments in minute 3: their sum overflows to Infinity
  await publishAll(bus, minuteBatches(poisoned.release.id, samplesOf(poisoned, 8, 3)));
  await publishAll(bus, minuteBatches(other.release.id, samplesOf(other, 8)));
  await waitFor('16 batches', () => pipeline.stats().batches === 16);
  await pipeline.tick(START + 8 * MINUTE);
  assert.equal(pipeline.stats().quarantined, 0);
  for (const spec of [poisoned, other]) {
    const looks = await store.listVerdicts(spec.release.id);
    assert.deepEqual(
      looks.map((v) => v.at),
      Array.from({ length: 8 }, (_, k) => START + (k + 1) * MINUTE),
      `${spec.release.id}: a look every minute`,
    );
  }
  const latest = (await store.latestVerdict(poisoned.release.id))!;
  const orders = latest.metrics.find((m) => m.metric === 'orders')!;
  assert.match(orders.reason, /1 invalid input\(s\) ignored/);
  // the checkpoint is stored and restores into a run that judges on
  const saved = await store.loadEngineCheckpoint(poisoned.release.id);
  assert.ok(saved);
  const judges = (saved.snapshot as PipelineCheckpoint).engine.judges.map((j) => ({ ...j, open: undefined }));
  assert.doesNotMatch(JSON.stringify(judges), /Infinity|NaN|null/, 'closed statistics are finite');
  await pipeline.close();
  const again = await createPipeline({ bus, store, tickEveryMs: 0, logger });
  assert.ok(
    logger.lines.some(
      (l) => l.startsWith('info pipeline: release resumed from its checkpoint') && l.includes('overflow-1'),
    ),
  );
  assert.ok(!logger.lines.some((l) => l.includes('does not fit')));
  await again.close();
  await bus.close();
  await store.close();
});

test('a stored release with startedAt 0 and observeMs 9e15: the restart comes back, quarantines it with one clear line, and the others are judged', async () => {
  const healthy = specOf('restart-healthy');
  const { store } = await storeWith(healthy);
  // written as a store from before the gate's bounds would hold it
  const absurd = specOf('restart-absurd', { observeMs: 9e15 });
  absurd.release.startedAt = 0;
  await register(store, absurd);
  const bus = createMemoryBus();
  const logger = new Lines();
  const heapBefore = process.memoryUsage().heapUsed;
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, logger });
  await pipeline.tick(START + 5 * MINUTE);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 200e6, 'no runaway looks');
  assert.deepEqual(pipeline.active(), ['restart-healthy']);
  assert.equal(pipeline.stats().quarantined, 1);
  const line = logger.lines.filter((l) => l.includes('quarantined'));
  assert.equal(line.length, 1);
  assert.match(
    line[0],
    /^error pipeline: release restart-absurd quarantined at load: its observation window \(observeMs 9000000000000000\) is \d+ looks of 60000 ms, more than 50000/,
  );
  assert.equal((await store.listVerdicts('restart-healthy')).length, 5);
  // its batches are dropped and acknowledged, not held
  await publishAll(
    bus,
    minuteBatches(
      'restart-absurd',
      samplesOf(absurd, 2).map((s) => ({ ...s, ts: s.ts - START })),
    ),
  );
  await waitFor('dropped', () => pipeline.stats().ignoredBatches === 2);
  assert.equal(pipeline.stats().heldAcks, 0);
  await pipeline.close();
  // recorded: closed as quarantined with the reason, so the next restart does not load it again
  const record = await store.getRelease('restart-absurd');
  assert.equal(record?.status, 'quarantined');
  const entry = (await store.listAudit({ releaseId: 'restart-absurd' })).find((e) => e.action === 'release.quarantine');
  assert.match(
    String((entry?.detail as { reason?: string } | undefined)?.reason),
    /^UnboundedReleaseError: its observation window/,
  );
  const againLogger = new Lines();
  const again = await createPipeline({ bus, store, tickEveryMs: 0, logger: againLogger });
  assert.deepEqual(again.active(), ['restart-healthy']);
  assert.equal(again.stats().quarantined, 0, 'not loaded, so not quarantined a second time');
  assert.ok(!againLogger.lines.some((l) => l.includes('quarantined')));
  await again.close();
  await bus.close();
  await store.close();
});

test("an exception in one release's look: it ends inconclusive (quarantined), the next release still gets its looks on the same tick", async () => {
  const first = specOf('throws-1');
  const second = specOf('throws-2');
  const { store } = await storeWith(first, second);
  const bus = createMemoryBus();
  const logger = new Lines();
  // what the sinks (the gate's verdict cache among them) are told the release's status is
  const handed: [string, string][] = [];
  const sinks = [
    {
      name: 'status',
      onVerdict: async (v: Verdict, _p: unknown, r: ReleaseRecord) => {
        if (v.releaseId === 'throws-1') handed.push([v.decision, r.status]);
      },
    },
  ];
  const dropped: string[] = [];
  const pipeline = await createPipeline({
    bus,
    store,
    tickEveryMs: 0,
    logger,
    sinks,
    onDropped: (id, why) => dropped.push(`${id}: ${why}`),
  });
  await publishAll(bus, minuteBatches(first.release.id, samplesOf(first, 3)));
  await publishAll(bus, minuteBatches(second.release.id, samplesOf(second, 3)));
  await waitFor('6 batches', () => pipeline.stats().batches === 6);
  // fault injection: the first release's engine throws at its next look (as a bug in a judge would)
  const original = ReleaseRun.prototype.advanceTo;
  ReleaseRun.prototype.advanceTo = function (this: ReleaseRun, now: number) {
    if (this.id === 'throws-1') throw new RangeError('Invalid array length');
    return original.call(this, now);
  };
  try {
    await pipeline.tick(START + 6 * MINUTE);
  } finally {
    ReleaseRun.prototype.advanceTo = original;
  }
  const firstLatest = (await store.latestVerdict('throws-1'))!;
  assert.equal(firstLatest.decision, 'inconclusive');
  assert.match(firstLatest.reasons[0], /^analysis stopped: RangeError: Invalid array length; a human decides/);
  assert.deepEqual(
    (await store.listVerdicts('throws-2')).map((v) => v.at),
    Array.from({ length: 6 }, (_, k) => START + (k + 1) * MINUTE),
  );
  assert.deepEqual(pipeline.active(), ['throws-2']);
  assert.equal(logger.lines.filter((l) => l.startsWith('error pipeline: release throws-1 quarantined')).length, 1);
  // whoever collects for it is told, once (serve's ReleaseLifecycle stops scraping it)
  assert.deepEqual(dropped, ['throws-1: quarantined: RangeError: Invalid array length']);
  // and the pipeline goes on
  await pipeline.tick(START + 7 * MINUTE);
  assert.equal((await store.listVerdicts('throws-2')).length, 7);
  // the store records it: closed as quarantined at its last verdict, with one audit entry naming the error
  const stored = await store.getRelease('throws-1');
  assert.deepEqual([stored?.status, stored?.closedAt], ['quarantined', firstLatest.at]);
  const entries = (await store.listAudit({ releaseId: 'throws-1' })).filter((e) => e.action === 'release.quarantine');
  assert.deepEqual(
    entries.map((e) => [e.actor, e.detail]),
    [['pipeline', { reason: 'RangeError: Invalid array length' }]],
  );
  assert.deepEqual(
    (await store.listReleases({ status: 'active' })).map((r) => r.release.id),
    ['throws-2'],
  );
  assert.deepEqual(
    handed.at(-1),
    ['inconclusive', 'quarantined'],
    'the sinks see the final verdict with the new status',
  );
  assert.ok(handed.slice(0, -1).every(([, status]) => status === 'active'));
  await pipeline.close();
  // a restart resumes throws-2 only; throws-1 keeps its status, its verdicts and stays out
  const verdictsBefore = (await store.listVerdicts('throws-1')).length;
  const again = await createPipeline({ bus, store, tickEveryMs: 0, logger: new Lines() });
  assert.deepEqual(again.active(), ['throws-2']);
  await again.tick(START + 8 * MINUTE);
  assert.equal((await store.listVerdicts('throws-1')).length, verdictsBefore);
  assert.equal((await store.getRelease('throws-1'))?.status, 'quarantined');
  assert.equal((await store.latestVerdict('throws-1'))?.decision, 'inconclusive', 'never promoted');
  await again.close();
  await bus.close();
  await store.close();
});

test('a metric whose statistics throw is out (error, never a pass); the others are judged; its state is never checkpointed', async () => {
  const spec = specOf('judge-throws', {}, ['orders', 'latency', 'poison']);
  const { store } = await storeWith(spec);
  const bus = createMemoryBus();
  const logger = new Lines();
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 100, logger });
  const original = SequentialMetricJudge.prototype.endBatch;
  let batches = 0;
  SequentialMetricJudge.prototype.endBatch = function (this: SequentialMetricJudge, context) {
    if (this.spec.name === 'poison' && ++batches === 2) throw new Error('e-process state corrupted');
    return original.call(this, context);
  };
  try {
    await publishAll(bus, minuteBatches(spec.release.id, samplesOf(spec, 4)));
    await waitFor('4 batches', () => pipeline.stats().batches === 4);
  } finally {
    SequentialMetricJudge.prototype.endBatch = original;
  }
  const looks = await store.listVerdicts(spec.release.id);
  assert.equal(looks.length, 3, 'the looks went on after the failure');
  const poison = looks[2].metrics.find((m) => m.metric === 'poison')!;
  assert.equal(poison.classification, 'error');
  assert.match(poison.reason, /statistics failed, metric out of the analysis: e-process state corrupted/);
  assert.notEqual(looks[2].metrics.find((m) => m.metric === 'latency')!.classification, 'error');
  // the checkpoint is refused: the release is quarantined, the stored checkpoint (none) untouched
  await pipeline.checkpoint();
  assert.equal(await store.loadEngineCheckpoint(spec.release.id), undefined);
  assert.equal(pipeline.stats().quarantined, 1);
  assert.equal((await store.latestVerdict(spec.release.id))?.decision, 'inconclusive');
  assert.match(
    logger.lines.find((l) => l.includes('quarantined'))!,
    /UnjudgeableStateError: metric poison/,
  );
  await pipeline.close();
  await bus.close();
  await store.close();
});

test('a checkpoint holding a non-finite statistic is refused by ReleaseRun.checkpoint', async () => {
  const spec = specOf('non-finite');
  const { records } = await storeWith(spec);
  const run = ReleaseRun.fresh(records[0], { mode: 'sequential', intervalMs: MINUTE }, 0);
  for (const s of samplesOf(spec, 2))
    run.ingest({ releaseId: spec.release.id, batchId: String(s.ts), producer: 'p', sequence: s.ts, samples: [s] });
  const good = run.checkpoint();
  const broken = structuredClone(good) as PipelineCheckpoint;
  (broken.engine.judges[0] as unknown as { cumulative: { events: { canary: number } } }).cumulative.events.canary =
    Number.POSITIVE_INFINITY;
  const restored = ReleaseRun.restore(records[0], { mode: 'sequential', intervalMs: MINUTE }, 0, broken);
  assert.throws(() => restored.checkpoint(), {
    name: 'UnjudgeableCheckpointError',
    message: /judges\[0\]\.cumulative\.events\.canary/,
  });
});
