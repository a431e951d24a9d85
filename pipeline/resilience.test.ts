import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import type { Store } from '../store/index.ts';
import { createPipeline } from './index.ts';
import { ENGINE, MINUTE, minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

test('the timer takes the looks on the pipeline clock: a silent release reaches inconclusive by itself', async () => {
  const { spec } = generateScenario({ seed: 9, durationMinutes: 20 });
  const { store } = await storeWith(spec);
  const bus = createMemoryBus();
  let now = spec.release.startedAt;
  const pipeline = await createPipeline({
    bus,
    store,
    clock: () => now,
    tickEveryMs: 10,
    graceMs: 5 * MINUTE,
    intervalMs: ENGINE.intervalMs,
  });
  now += 10 * MINUTE; // minus the grace: looks up to minute 5
  await waitFor('5 looks', () => pipeline.stats().verdicts === 5);
  now += 30 * MINUTE;
  await waitFor('the window end', () => pipeline.stats().verdicts === 20);
  assert.equal((await store.latestVerdict(spec.release.id))?.decision, 'inconclusive');
  await pipeline.close();
  await bus.close();
  await store.close();
});

test('a store outage keeps verdicts in order and batches unacknowledged until it recovers', async () => {
  const scenario = generateScenario({
    seed: 4,
    durationMinutes: 20,
    regression: 'stock-latency-x1.5',
    onsetMinutes: 3,
  });
  const { store } = await storeWith(scenario.spec);
  let failures = 0;
  let down = false;
  // the real store with appendVerdict failing while `down`
  const flaky: Store = Object.create(store, {
    appendVerdict: {
      value: (v: Parameters<Store['appendVerdict']>[0]) =>
        down ? (failures++, Promise.reject(new Error('connection refused'))) : store.appendVerdict(v),
    },
  }) as Store;
  const bus = createMemoryBus();
  const pipeline = await createPipeline({ bus, store: flaky, tickEveryMs: 0, checkpointEvery: 2 });
  const batches = minuteBatches(scenario.spec.release.id, scenario.samples);
  await publishAll(bus, batches.slice(0, 5));
  await waitFor('5 batches', () => pipeline.stats().batches === 5);
  down = true;
  await publishAll(bus, batches.slice(5, 12));
  await waitFor('12 batches', () => pipeline.stats().batches === 12);
  assert.ok(failures > 0);
  assert.ok(pipeline.stats().heldAcks >= 7, 'nothing after the outage is acknowledged');
  down = false;
  await publishAll(bus, batches.slice(12));
  await waitFor('every batch', () => pipeline.stats().batches === batches.length);
  const end = scenario.spec.release.startedAt + 20 * MINUTE;
  await pipeline.tick(end);
  const stored = await store.listVerdicts(scenario.spec.release.id);
  const looks = referenceLooks(scenario.spec, scenario.samples, end);
  assert.deepEqual(
    stored.map((v) => [v.at, v.decision]),
    looks.map((v) => [v.at, v.decision]),
  );
  assert.equal(pipeline.stats().storeErrors, failures);
  await pipeline.close();
  assert.equal((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
  await bus.close();
  await store.close();
});
