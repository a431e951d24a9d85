import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { lookOffset } from './analysis.ts';
import { createPipeline } from './index.ts';
import { lenient, MINUTE, minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

test('spread looks checkpoint a release that went quiet, not every look of one still sending', async () => {
  const scenario = lenient(generateScenario({ seed: 3, durationMinutes: 12 }));
  const { spec } = scenario;
  const start = spec.release.startedAt;
  const { store } = await storeWith(spec);
  const bus = createMemoryBus();
  let now = start;
  // batches never checkpoint by count here: only a look can
  const pipeline = await createPipeline({
    bus,
    store,
    clock: () => now,
    tickEveryMs: 10,
    graceMs: 0,
    lookSpreadMs: MINUTE,
    checkpointEvery: 1000,
  });
  const offset = lookOffset(spec.release.id, MINUTE);
  const batches = minuteBatches(spec.release.id, scenario.samples);
  const stored = async () => (await store.listVerdicts(spec.release.id)).map((v) => v.at);
  // each minute's batch arrives after that minute's look was taken and before the next boundary:
  // ingested at once, so no batch is ever held back when a look is due — the release is busy all the same
  for (let minute = 0; minute < 8; minute++) {
    now = start + minute * MINUTE + offset + 1;
    if (minute > 0) await waitFor(`look at minute ${minute}`, () => pipeline.stats().looks >= minute);
    await publishAll(bus, [batches[minute]]);
    await waitFor(`batch ${minute}`, () => pipeline.stats().batches === minute + 1);
  }
  assert.equal(pipeline.stats().deferredBatches, 0, 'every batch came between a look and the next boundary');
  assert.equal(pipeline.stats().checkpoints, 0, 'a release still sending is not checkpointed at each look');
  // then nothing more: the next look still covers the last batch, the one after finds it quiet
  now = start + 8 * MINUTE + offset + 1;
  await waitFor('look at minute 8', () => pipeline.stats().looks >= 8);
  assert.equal(pipeline.stats().checkpoints, 0);
  now = start + 9 * MINUTE + offset + 1;
  await waitFor('look at minute 9', () => pipeline.stats().looks >= 9);
  await waitFor('the quiet checkpoint', () => pipeline.stats().checkpoints === 1);
  assert.equal(pipeline.stats().heldAcks, 0, 'its acks were released');
  // and the looks are the offline engine's
  const looks = referenceLooks(
    spec,
    scenario.samples.filter((s) => s.ts < start + 8 * MINUTE),
    start + 9 * MINUTE,
  );
  assert.deepEqual(
    (await stored()).slice(0, looks.length),
    looks.map((v) => v.at),
  );
  await pipeline.close();
  await bus.close();
  await store.close();
});
