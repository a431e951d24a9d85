import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline } from './index.ts';
import { staggeredFirstCheckpoint } from './pipeline.ts';
import { lenient, MINUTE, minuteBatches, publishAll, storeWith, waitFor } from './testing/harness.ts';

/**
 * Two instances holding one release, as after a rebalance that one of them slept through (a pause
 * longer than its Kafka session): each on its own bus, both on one store. The store refuses the
 * stale one's checkpoint, which is behind the new owner's; a later one that gets further is taken.
 */
test('a stale instance cannot overwrite a further checkpoint: refused, its acks held; a save that gets further is taken', async () => {
  const scenario = lenient(generateScenario({ seed: 3, durationMinutes: 14 }));
  const id = (scenario.spec.release.id = 'fence-a');
  const checkpointEvery = 1000;
  assert.ok(staggeredFirstCheckpoint(id, checkpointEvery) > 12, 'no checkpoint by count in this test');
  const { store } = await storeWith(scenario.spec);
  const batches = minuteBatches(id, scenario.samples);
  const markOf = async () => (await store.loadEngineCheckpoint(id))?.progress?.marks.sim;

  // the stale instance has taken 4 minutes and not checkpointed them
  const staleBus = createMemoryBus();
  const stale = await createPipeline({ bus: staleBus, store, tickEveryMs: 0, checkpointEvery });
  await publishAll(staleBus, batches.slice(0, 4));
  await waitFor('4 batches at the stale instance', () => stale.stats().batches === 4);
  // the new owner takes 9 and checkpoints them
  const ownerBus = createMemoryBus();
  const owner = await createPipeline({ bus: ownerBus, store, tickEveryMs: 0, checkpointEvery });
  await publishAll(ownerBus, batches.slice(0, 9));
  await waitFor('9 batches at the owner', () => owner.stats().batches === 9);
  await owner.checkpoint();
  const further = await store.loadEngineCheckpoint(id);
  assert.equal(further?.progress?.marks.sim, batches[8].sequence);

  // the stale instance wakes up and saves what it holds
  await stale.checkpoint();
  assert.deepEqual([stale.stats().checkpoints, stale.stats().checkpointsRefused], [0, 1]);
  assert.deepEqual(await store.loadEngineCheckpoint(id), further, 'the further checkpoint stands');
  assert.equal(stale.stats().heldAcks, 4, 'what the refused save would have covered is not acknowledged');
  assert.equal((await staleBus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 4);

  // batches it still had in flight take it past the owner's: the same state the owner would reach
  await publishAll(staleBus, batches.slice(4, 12));
  await waitFor('12 batches at the stale instance', () => stale.stats().batches === 12);
  await stale.checkpoint();
  assert.deepEqual([stale.stats().checkpoints, stale.stats().heldAcks], [1, 0]);
  assert.equal(await markOf(), batches[11].sequence);
  // and the owner, now behind, is refused in turn until it gets further
  await publishAll(ownerBus, batches.slice(9, 11));
  await waitFor('11 batches at the owner', () => owner.stats().batches === 11);
  await owner.checkpoint();
  assert.equal(owner.stats().checkpointsRefused, 1);
  assert.equal(await markOf(), batches[11].sequence);

  await Promise.all([stale.close(), owner.close()]);
  await Promise.all([staleBus.close(), ownerBus.close()]);
  await store.close();
});

test('a stale instance that advanced its clock past the data it lacks is still behind: refused', async () => {
  const scenario = lenient(generateScenario({ seed: 4, durationMinutes: 14 }));
  const id = (scenario.spec.release.id = 'fence-b');
  const checkpointEvery = 1000;
  assert.ok(staggeredFirstCheckpoint(id, checkpointEvery) > 9, 'no checkpoint by count in this test');
  const { store } = await storeWith(scenario.spec);
  const batches = minuteBatches(id, scenario.samples);
  const staleBus = createMemoryBus();
  const stale = await createPipeline({ bus: staleBus, store, tickEveryMs: 0, checkpointEvery });
  await publishAll(staleBus, batches.slice(0, 3));
  await waitFor('3 batches at the stale instance', () => stale.stats().batches === 3);
  const ownerBus = createMemoryBus();
  const owner = await createPipeline({ bus: ownerBus, store, tickEveryMs: 0, checkpointEvery });
  await publishAll(ownerBus, batches.slice(0, 9));
  await waitFor('9 batches at the owner', () => owner.stats().batches === 9);
  await owner.checkpoint();
  const further = await store.loadEngineCheckpoint(id);
  // waking up, the stale instance's timer takes the looks of the minutes it slept through
  await stale.tick(batches[8].sequence + 5 * MINUTE);
  await stale.checkpoint();
  // refused at the quiet looks' checkpoint and at this one
  assert.equal(stale.stats().checkpoints, 0);
  assert.ok(stale.stats().checkpointsRefused >= 1);
  assert.deepEqual(await store.loadEngineCheckpoint(id), further);
  await Promise.all([stale.close(), owner.close()]);
  await Promise.all([staleBus.close(), ownerBus.close()]);
  await store.close();
});
