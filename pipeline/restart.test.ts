import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus, type SampleBatch } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline, type VerdictDelivery, type VerdictSink } from './index.ts';
import { lenient, MINUTE, minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';
import { inGroup } from '../test/groups.ts';

/**
 * Two releases share one partition, release X publishing three minutes for every one of Y's, so X's
 * checkpoints acknowledge batches behind Y's still-held ones: after the crash the bus redelivers
 * from the committed prefix, X's already-covered batches come back and must be skipped by marks.
 */
test(
  'crash mid-stream without acking, restart on the same store and group: same verdicts, no duplicates, nothing lost',
  inGroup('calibration'),
  async () => {
    const x = lenient(generateScenario({ seed: 1, durationMinutes: 40 }));
    const y = generateScenario({ seed: 4, durationMinutes: 40, regression: 'stock-latency-x1.5', onsetMinutes: 8 });
    const { store } = await storeWith(x.spec, y.spec);
    const bus = createMemoryBus({ partitions: 1 });
    const xb = minuteBatches(x.spec.release.id, x.samples);
    const yb = minuteBatches(y.spec.release.id, y.samples);
    const stream: SampleBatch[] = [];
    for (let i = 0; i < 40; i++) stream.push(...xb.slice(3 * i, 3 * i + 3), ...(yb[i] ? [yb[i]] : []));
    assert.equal(stream.length, xb.length + yb.length);

    const replays: boolean[] = [];
    const spy: VerdictSink = {
      name: 'spy',
      onVerdict: async (_v, _p, _r, d?: VerdictDelivery) => void replays.push(d?.replayed ?? false),
    };
    const options = { bus, store, sinks: [spy], tickEveryMs: 0, checkpointEvery: 5 };
    const first = await createPipeline(options);
    const cut = 30;
    await publishAll(bus, stream.slice(0, cut));
    await waitFor('the first part', () => first.stats().batches === cut);
    assert.ok(first.stats().heldAcks > 0, 'some batches must be unacknowledged at the crash');
    await first.close({ graceful: false });
    const beforeRestart = await store.listVerdicts(y.spec.release.id);

    const second = await createPipeline(options);
    await publishAll(bus, stream.slice(cut));
    await waitFor(
      'the rest, with redeliveries',
      () => second.stats().batches - second.stats().skippedBatches >= stream.length - cut,
    );
    await waitFor('bus drained', () => second.stats().heldAcks < 10);
    const end = x.spec.release.startedAt + 40 * MINUTE;
    await second.tick(end);
    const s = second.stats();
    assert.ok(s.skippedBatches >= 2, `X's covered batches are skipped (got ${s.skippedBatches})`);
    assert.ok(s.duplicateVerdicts > 0, 'the replay re-emitted verdicts the store already had');
    assert.ok(replays.includes(true));

    for (const scenario of [x, y]) {
      const stored = await store.listVerdicts(scenario.spec.release.id);
      const looks = referenceLooks(scenario.spec, scenario.samples, end);
      assert.deepEqual(
        stored.map((v) => [v.at, v.decision, v.score]),
        looks.map((v) => [v.at, v.decision, v.score]),
      );
      assert.equal(new Set(stored.map((v) => v.at)).size, stored.length);
    }
    assert.ok(beforeRestart.length > 0);
    assert.equal((await store.latestVerdict(x.spec.release.id))?.decision, 'promote');
    assert.equal((await store.latestVerdict(y.spec.release.id))?.decision, 'rollback');
    await second.close();
    assert.equal((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
    await bus.close();
    await store.close();
  },
);

test(
  'stop checkpoints the release; start resumes from the checkpoint and continues exactly',
  inGroup('calibration'),
  async () => {
    const x = lenient(generateScenario({ seed: 3, durationMinutes: 40 }));
    const { store, records } = await storeWith(x.spec);
    const bus = createMemoryBus();
    const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 1000, resumeActive: false });
    await pipeline.start(records[0]);
    const batches = minuteBatches(x.spec.release.id, x.samples);
    await publishAll(bus, batches.slice(0, 20));
    await waitFor('20 batches', () => pipeline.stats().batches === 20);
    await pipeline.stop(x.spec.release.id);
    await pipeline.stop(x.spec.release.id); // idempotent
    assert.deepEqual(pipeline.active(), []);
    const cp = await store.loadEngineCheckpoint(x.spec.release.id);
    assert.ok(cp, 'stop saved a checkpoint');
    // batches of a stopped release are dropped (it is closed for this runner)
    await bus.publishSamples({
      releaseId: x.spec.release.id,
      batchId: 'late',
      producer: 'other',
      sequence: 1,
      samples: [],
    });
    await waitFor('ignored', () => pipeline.stats().ignoredBatches === 1);
    await pipeline.close();

    // a new runner resumes from the checkpoint when started again
    const again = await createPipeline({ bus, store, tickEveryMs: 0, resumeActive: false });
    await again.start(records[0]);
    await publishAll(bus, batches.slice(20));
    await waitFor('the rest', () => again.stats().batches === batches.length - 20);
    const end = x.spec.release.startedAt + 40 * MINUTE;
    await again.tick(end);
    const stored = await store.listVerdicts(x.spec.release.id);
    const looks = referenceLooks(x.spec, x.samples, end);
    assert.deepEqual(
      stored.map((v) => [v.at, v.decision, v.score]),
      looks.map((v) => [v.at, v.decision, v.score]),
    );
    assert.equal(again.stats().duplicateVerdicts, 0);
    await again.close();
    await bus.close();
    await store.close();
  },
);
