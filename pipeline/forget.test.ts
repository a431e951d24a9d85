import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline } from './index.ts';
import { minuteBatches, publishAll, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

/**
 * A release's partition moves to another instance and later back (Kafka's round-robin assignor
 * does that): the other instance went on from the shared checkpoint, so what the first one still
 * holds in memory is behind. forgetAll() (called on a rebalance) makes it resume from the store.
 * Two buses stand for the two instances' shares of the stream; the store is shared.
 */
test('forgetAll: after another owner advanced the release, the next batch resumes from the stored checkpoint', async () => {
  const x = generateScenario({ seed: 4, durationMinutes: 40, regression: 'stock-latency-x1.5', onsetMinutes: 8 });
  const { store } = await storeWith(x.spec);
  const batches = minuteBatches(x.spec.release.id, x.samples);
  const here = createMemoryBus();
  const there = createMemoryBus();
  const options = { store, tickEveryMs: 0, checkpointEvery: 5, group: 'workers' };
  const a = await createPipeline({ ...options, bus: here });
  await publishAll(here, batches.slice(0, 10));
  await waitFor('A: the first ten', () => a.stats().batches === 10 && a.stats().heldAcks === 0);

  // the partition moves: B resumes from A's checkpoint and goes on
  const b = await createPipeline({ ...options, bus: there });
  await publishAll(there, batches.slice(10, 20));
  await waitFor('B: the next ten', () => b.stats().batches === 10 && b.stats().heldAcks === 0);
  await b.close();

  // and back to A, which forgets what it held
  await a.forgetAll();
  assert.deepEqual(a.active(), []);
  await publishAll(here, batches.slice(20));
  await waitFor('A: the rest', () => a.stats().batches === batches.length - 10);
  await a.checkpoint();
  const stored = await store.listVerdicts(x.spec.release.id);
  const looks = referenceLooks(x.spec, x.samples, x.samples.at(-1)!.ts);
  assert.deepEqual(
    stored.map((v) => [v.at, v.decision, v.score]),
    looks.map((v) => [v.at, v.decision, v.score]),
  );
  assert.equal(stored.at(-1)?.decision, 'rollback');
  assert.equal(
    a.stats().samples,
    x.samples.length - batches.slice(10, 20).reduce((n, bt) => n + bt.samples.length, 0),
    'A ingested its own share only',
  );
  await a.close();
  await Promise.all([here.close(), there.close()]);
  await store.close();
});
