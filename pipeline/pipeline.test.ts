import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaySamples, type Verdict } from '../analyzer/index.ts';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createMetricsSink, createPipeline, PipelineOptionsError, type VerdictSink } from './index.ts';
import {
  changes,
  ENGINE,
  lenient,
  MINUTE,
  minuteBatches,
  publishAll,
  referenceLooks,
  storeWith,
  waitFor,
} from './testing/harness.ts';

test('verdicts through the pipeline equal the offline replay of the same samples', async () => {
  const good = lenient(generateScenario({ seed: 1, durationMinutes: 40 }));
  const bad = generateScenario({ seed: 12, durationMinutes: 40, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { store } = await storeWith(good.spec, bad.spec);
  const bus = createMemoryBus();
  const metrics = createMetricsSink();
  const pipeline = await createPipeline({ bus, store, sinks: [metrics], tickEveryMs: 0, checkpointEvery: 4 });
  const batches = [
    ...minuteBatches(good.spec.release.id, good.samples),
    ...minuteBatches(bad.spec.release.id, bad.samples),
  ];
  await publishAll(bus, batches);
  await waitFor('all batches', () => pipeline.stats().batches === batches.length);
  const end = good.spec.release.startedAt + 40 * MINUTE;
  await pipeline.tick(end);

  for (const scenario of [good, bad]) {
    const stored = await store.listVerdicts(scenario.spec.release.id);
    const replay = replaySamples(scenario.spec, scenario.samples, ENGINE);
    assert.deepEqual(
      changes(stored),
      replay.timeline.map(({ at, decision }) => ({ at, decision })),
    );
    // not only the decisions: every look, with its score, is the engine's own
    const looks = referenceLooks(scenario.spec, scenario.samples, end);
    assert.deepEqual(
      stored.map((v) => [v.at, v.decision, v.score]),
      looks.map((v) => [v.at, v.decision, v.score]),
    );
  }
  assert.equal((await store.latestVerdict(good.spec.release.id))?.decision, 'promote');
  assert.equal((await store.latestVerdict(bad.spec.release.id))?.decision, 'rollback');
  assert.equal(metrics.counts().promote, 1);
  assert.equal(metrics.counts().rollback, 1);
  const s = pipeline.stats();
  assert.equal(s.duplicateVerdicts, 0);
  assert.equal(s.samples, good.samples.length + bad.samples.length);
  await pipeline.close();
  // a graceful close checkpointed and acknowledged everything
  assert.deepEqual((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
  assert.ok(await store.loadEngineCheckpoint(bad.spec.release.id));
  await bus.close();
  await store.close();
});

test('a release with no data reaches its window end as inconclusive, never promote', async () => {
  const { spec } = generateScenario({ seed: 3, durationMinutes: 30 });
  const { store } = await storeWith(spec);
  const bus = createMemoryBus();
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0 });
  assert.deepEqual(pipeline.active(), [spec.release.id]); // resumed from the store's active list
  const mid = await pipeline.tick(spec.release.startedAt + 10 * MINUTE);
  assert.equal(mid.length, 10);
  assert.ok(mid.every((v) => v.decision === 'continue'));
  const end = await pipeline.tick(spec.release.startedAt + 45 * MINUTE);
  assert.equal(end.at(-1)?.decision, 'inconclusive');
  assert.equal(end.at(-1)?.at, spec.release.startedAt + 30 * MINUTE);
  const stored = await store.listVerdicts(spec.release.id);
  assert.equal(stored.length, 30);
  assert.ok(!stored.some((v) => v.decision === 'promote'));
  assert.deepEqual(await pipeline.tick(spec.release.startedAt + 90 * MINUTE), []); // final: nothing more
  await pipeline.close();
  await bus.close();
  await store.close();
});

test('malformed samples, unknown and closed releases are counted and acknowledged, never crash', async () => {
  const scenario = generateScenario({ seed: 5, durationMinutes: 10 });
  const closedSpec = { ...scenario.spec, release: { ...scenario.spec.release, id: 'closed-release' } };
  const { store } = await storeWith(scenario.spec, closedSpec);
  await store.closeRelease('closed-release', 'aborted', scenario.spec.release.startedAt, {
    at: 0,
    actor: 'test',
    action: 'release.abort',
    releaseId: 'closed-release',
  });
  const bus = createMemoryBus();
  const warnings: string[] = [];
  const logger = { info() {}, error() {}, warn: (_f: Record<string, unknown>, m: string) => void warnings.push(m) };
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, logger });
  const id = scenario.spec.release.id;
  const junk = [
    { ts: 'soon', metric: 'x', cohort: 'canary', value: 1 },
    null,
    { ts: 1, metric: '', cohort: 'canary', value: 1 },
    { ts: 1, metric: 'm', cohort: 'other', value: 1 },
  ];
  await bus.publishSamples({ releaseId: id, batchId: 'junk', producer: 'junk', sequence: 1, samples: junk as never });
  for (let i = 0; i < 3; i++)
    await bus.publishSamples({ releaseId: 'nobody', batchId: `n${i}`, producer: 'p', sequence: i, samples: [] });
  await bus.publishSamples({
    releaseId: 'closed-release',
    batchId: 'c',
    producer: 'p',
    sequence: 1,
    samples: scenario.samples.slice(0, 10),
  });
  const batches = minuteBatches(id, scenario.samples);
  await publishAll(bus, batches);
  await waitFor(
    'every batch',
    () => pipeline.stats().batches === batches.length + 1 && pipeline.stats().ignoredBatches === 4,
  );
  const s = pipeline.stats();
  assert.equal(s.malformedSamples, 4);
  assert.equal(s.ignoredBatches, 4);
  assert.equal(s.samples, scenario.samples.length);
  // logged once per release, not once per batch
  assert.equal(warnings.filter((w) => w.includes('dropping batches')).length, 2);
  await pipeline.close();
  assert.equal((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
  await bus.close();
  await store.close();
});

test('sinks get every verdict in order with the previous one; a failing sink never stops the loop', async () => {
  const scenario = generateScenario({ seed: 7, durationMinutes: 15 });
  const { store } = await storeWith(scenario.spec);
  const bus = createMemoryBus();
  const seen: [number, number | undefined][] = [];
  const failing: VerdictSink = { name: 'failing', onVerdict: async () => Promise.reject(new Error('downstream down')) };
  const recording: VerdictSink = { name: 'recording', onVerdict: async (v, prev) => void seen.push([v.at, prev?.at]) };
  const published: Verdict[] = [];
  await bus.subscribeVerdicts('watcher', async (v, ack) => {
    published.push(v);
    await ack();
  });
  const pipeline = await createPipeline({ bus, store, sinks: [failing, recording], tickEveryMs: 0 });
  await publishAll(bus, minuteBatches(scenario.spec.release.id, scenario.samples));
  await pipeline.tick(scenario.spec.release.startedAt + 15 * MINUTE);
  const stored = await store.listVerdicts(scenario.spec.release.id);
  assert.equal(seen.length, stored.length);
  seen.forEach(([at, prev], i) => assert.deepEqual([at, prev], [stored[i].at, stored[i - 1]?.at]));
  assert.equal(pipeline.stats().sinkErrors, stored.length);
  await waitFor('verdicts on the bus', () => published.length === stored.length);
  assert.deepEqual(
    published.map((v) => v.at),
    stored.map((v) => v.at),
  );
  await pipeline.close();
  await bus.close();
  await store.close();
});

test('options: unknown names and the fixed-horizon judge are refused', async () => {
  const { store } = await storeWith();
  const bus = createMemoryBus();
  await assert.rejects(createPipeline({ bus, store, mode: 'fixed' }), PipelineOptionsError);
  await assert.rejects(createPipeline({ bus, store, checkpointEvry: 3 } as never), /unknown pipeline option/);
  await assert.rejects(createPipeline({ bus, store, checkpointEvery: 0 }), /checkpointEvery/);
  await bus.close();
  await store.close();
});
