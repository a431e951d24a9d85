import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline } from './index.ts';
import { lenient, MINUTE, minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

test('at the held-ack bound, the releases holding the most acks are checkpointed until half the bound is held, not every release', async () => {
  const scenarios = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => lenient(generateScenario({ seed, durationMinutes: 12 })));
  scenarios.forEach((s, i) => (s.spec.release.id = `held-${i}`));
  const { store } = await storeWith(...scenarios.map((s) => s.spec));
  const bus = createMemoryBus();
  // never a checkpoint by count: only the bound releases acks
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 1000, maxHeldAcks: 16 });
  const batches = scenarios.map((s) => minuteBatches(s.spec.release.id, s.samples));
  // seven releases hold one ack each, then the eighth takes minutes until the total reaches the bound
  await publishAll(
    bus,
    batches.slice(1).map((b) => b[0]),
  );
  await waitFor('one batch of each of seven releases', () => pipeline.stats().batches === 7);
  await publishAll(bus, batches[0].slice(0, 9));
  await waitFor('the eighth release', () => pipeline.stats().batches === 16);
  await waitFor('the relief', () => pipeline.stats().checkpoints > 0);
  const stats = pipeline.stats();
  // 7 + 9 = 16 held: the eighth's checkpoint alone brings it to 7 ≤ 8; checkpointing every dirty
  // release (what the bound did before) would have written 8
  assert.equal(stats.checkpoints, 1);
  assert.equal(stats.heldAcks, 7);
  const saved = await store.loadEngineCheckpoint('held-0');
  assert.ok(saved, 'the release holding the most acks was checkpointed');
  for (let i = 1; i < 8; i++) assert.equal(await store.loadEngineCheckpoint(`held-${i}`), undefined);
  // what it stored so far is what the offline engine takes on the same samples
  const fed = scenarios[0].samples.filter((s) => s.ts < scenarios[0].spec.release.startedAt + 9 * MINUTE);
  const looks = referenceLooks(scenarios[0].spec, fed, fed.at(-1)!.ts);
  assert.deepEqual(
    (await store.listVerdicts('held-0')).map((v) => [v.at, v.decision, v.score]),
    looks.map((v) => [v.at, v.decision, v.score]),
  );
  await pipeline.close();
  assert.equal((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
  await bus.close();
  await store.close();
});
