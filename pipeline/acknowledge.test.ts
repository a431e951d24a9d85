import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline, type AcknowledgeMode } from './index.ts';
import { lenient, minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

/** Two releases' minute batches through a pipeline that never checkpoints by count. */
async function run(acknowledge: AcknowledgeMode) {
  const scenarios = [11, 12].map((seed) => lenient(generateScenario({ seed, durationMinutes: 10 })));
  scenarios.forEach((s, i) => (s.spec.release.id = `ack-${i}`));
  const { store } = await storeWith(...scenarios.map((s) => s.spec));
  const bus = createMemoryBus();
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 1000, acknowledge });
  const batches = scenarios.map((s) => minuteBatches(s.spec.release.id, s.samples));
  // interleaved, as two releases sharing a partition would arrive
  await publishAll(
    bus,
    batches[0].flatMap((b, i) => [b, batches[1][i]]).filter((b) => b !== undefined),
  );
  const total = batches[0].length + batches[1].length;
  await waitFor('every batch', () => pipeline.stats().batches === total);
  // the acks of the last batches may still be on their way (they settle in the background)
  await new Promise((resolve) => setTimeout(resolve, 20));
  const pending = (await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches;
  const stats = pipeline.stats();
  const verdicts = await store.listVerdicts('ack-0');
  await pipeline.close();
  await bus.close();
  await store.close();
  return { pending, total, stats, verdicts, scenario: scenarios[0] };
}

test("'on-delivery' acknowledges each batch as it arrives: the in-memory bus keeps none of them, with no checkpoint written", async () => {
  const { pending, stats, verdicts, scenario } = await run('on-delivery');
  assert.equal(stats.checkpoints, 0);
  assert.equal(stats.heldAcks, 0);
  assert.equal(pending, 0);
  // the verdicts are the offline engine's on the same samples: acknowledging early changes no judgement
  const looks = referenceLooks(scenario.spec, scenario.samples, scenario.samples.at(-1)!.ts);
  assert.ok(looks.length >= 5, `ten minutes give looks to compare (${looks.length})`);
  assert.deepEqual(
    verdicts.map((v) => [v.at, v.decision, v.score]),
    looks.map((v) => [v.at, v.decision, v.score]),
  );
});

test("'after-checkpoint' (the default) holds every batch's ack until a checkpoint covers it", async () => {
  const { pending, total, stats } = await run('after-checkpoint');
  assert.equal(stats.checkpoints, 0);
  assert.equal(stats.heldAcks, total);
  assert.equal(pending, total);
});

test('an unknown acknowledge mode is refused by name', async () => {
  const { store } = await storeWith();
  const bus = createMemoryBus();
  await assert.rejects(
    createPipeline({ bus, store, acknowledge: 'never' as AcknowledgeMode }),
    /acknowledge must be 'after-checkpoint' or 'on-delivery', got "never"/,
  );
  await bus.close();
  await store.close();
});
