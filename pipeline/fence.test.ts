import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus, type Bus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline } from './index.ts';
import { staggeredFirstCheckpoint } from './pipeline.ts';
import { lenient, MINUTE, minuteBatches, publishAll, storeWith, waitFor } from './testing/harness.ts';
import type { Pipeline } from './types.ts';

/**
 * Two instances holding one release, as after a rebalance that one of them slept through (a pause
 * longer than its Kafka session): each on its own bus, both on one store. The stale one has taken
 * `staleMinutes` minutes and not checkpointed them; the new owner has taken `ownerMinutes` and
 * checkpointed them.
 */
async function staleAndOwner(seed: number, id: string, staleMinutes: number, ownerMinutes: number) {
  const scenario = lenient(generateScenario({ seed, durationMinutes: 14 }));
  scenario.spec.release.id = id;
  const checkpointEvery = 1000;
  assert.ok(staggeredFirstCheckpoint(id, checkpointEvery) > 12, 'no checkpoint by count in these tests');
  const { store } = await storeWith(scenario.spec);
  const batches = minuteBatches(id, scenario.samples);
  const start = async (name: string, minutes: number): Promise<{ bus: Bus; pipeline: Pipeline }> => {
    const bus = createMemoryBus();
    const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery });
    await publishAll(bus, batches.slice(0, minutes));
    await waitFor(`${minutes} batches at the ${name}`, () => pipeline.stats().batches === minutes);
    return { bus, pipeline };
  };
  const stale = await start('stale instance', staleMinutes);
  const owner = await start('owner', ownerMinutes);
  await owner.pipeline.checkpoint();
  const further = await store.loadEngineCheckpoint(id);
  assert.equal(further?.progress?.marks.sim, batches[ownerMinutes - 1].sequence);
  return {
    store,
    batches,
    stale,
    owner,
    further,
    async close() {
      await Promise.all([stale.pipeline.close(), owner.pipeline.close()]);
      await Promise.all([stale.bus.close(), owner.bus.close()]);
      await store.close();
    },
  };
}

test('a stale instance cannot overwrite a further checkpoint: refused, its acks held; a save that gets further is taken', async () => {
  const id = 'fence-a';
  const { store, batches, stale, owner, further, close } = await staleAndOwner(3, id, 4, 9);
  const markOf = async () => (await store.loadEngineCheckpoint(id))?.progress?.marks.sim;

  // the stale instance wakes up and saves what it holds
  await stale.pipeline.checkpoint();
  assert.deepEqual([stale.pipeline.stats().checkpoints, stale.pipeline.stats().checkpointsRefused], [0, 1]);
  assert.deepEqual(await store.loadEngineCheckpoint(id), further, 'the further checkpoint stands');
  assert.equal(stale.pipeline.stats().heldAcks, 4, 'what the refused save would have covered is not acknowledged');
  assert.equal((await stale.bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 4);

  // batches it still had in flight take it past the owner's: it then covers every batch the owner's does
  await publishAll(stale.bus, batches.slice(4, 12));
  await waitFor('12 batches at the stale instance', () => stale.pipeline.stats().batches === 12);
  await stale.pipeline.checkpoint();
  assert.deepEqual([stale.pipeline.stats().checkpoints, stale.pipeline.stats().heldAcks], [1, 0]);
  assert.equal(await markOf(), batches[11].sequence);
  // and the owner, now behind, is refused in turn until it gets further
  await publishAll(owner.bus, batches.slice(9, 11));
  await waitFor('11 batches at the owner', () => owner.pipeline.stats().batches === 11);
  await owner.pipeline.checkpoint();
  assert.equal(owner.pipeline.stats().checkpointsRefused, 1);
  assert.equal(await markOf(), batches[11].sequence);
  await close();
});

test('a stale instance that advanced its clock past the data it lacks is still behind: refused', async () => {
  const id = 'fence-b';
  const { store, batches, stale, further, close } = await staleAndOwner(4, id, 3, 9);
  // waking up, the stale instance's timer takes the looks of the minutes it slept through
  await stale.pipeline.tick(batches[8].sequence + 5 * MINUTE);
  await stale.pipeline.checkpoint();
  // refused at the quiet looks' checkpoint and at this one
  assert.equal(stale.pipeline.stats().checkpoints, 0);
  assert.ok(stale.pipeline.stats().checkpointsRefused >= 1);
  assert.deepEqual(await store.loadEngineCheckpoint(id), further);
  await close();
});
