/**
 * The look at registration: a release is judged from the moment it is registered — the engine's
 * own verdict (every metric `nodata`, `continue`, "warming up" with the minutes left), stored and
 * handed to the sinks off the caller's path, in the calling thread and in an analysis thread
 * alike; never taken twice, never out of time order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReleaseEngine, type Verdict } from '../analyzer/index.ts';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline, type VerdictSink } from './index.ts';
import { ENGINE, MINUTE, referenceLooks, storeWith, waitFor } from './testing/harness.ts';

const handedTo = (seen: { verdict: Verdict; previous: Verdict | undefined }[]): VerdictSink => ({
  name: 'seen',
  onVerdict: async (verdict, previous) => void seen.push({ verdict, previous }),
});

for (const analysisThreads of [0, 1]) {
  test(`registration takes a first look: continue, warming up, every metric nodata (analysis threads: ${analysisThreads})`, async () => {
    const { spec } = generateScenario({ seed: 5, durationMinutes: 30 });
    const { store, records } = await storeWith(spec);
    const start = spec.release.startedAt;
    let now = start + 10_000;
    const seen: { verdict: Verdict; previous: Verdict | undefined }[] = [];
    const bus = createMemoryBus();
    const pipeline = await createPipeline({
      bus,
      store,
      sinks: [handedTo(seen)],
      clock: () => now,
      tickEveryMs: 0,
      resumeActive: false,
      analysisThreads,
    });
    try {
      await pipeline.start(records[0]);
      await waitFor('the look at registration', () => seen.length === 1);
      const [first] = await store.listVerdicts(spec.release.id);
      assert.ok(first, 'stored');
      assert.equal(first.at, start + 10_000, 'taken at registration, not at the first boundary');
      assert.equal(first.decision, 'continue', 'never inconclusive for being new, never promote');
      assert.match(first.reasons[0], /^warming up at registration: (\d+) of \1 min of the observation window left$/);
      assert.equal(first.metrics.length, spec.metrics.length);
      assert.ok(
        first.metrics.every((m) => m.classification === 'nodata'),
        JSON.stringify(first.metrics.map((m) => m.classification)),
      );
      assert.equal(seen[0].previous, undefined);

      // the engine's own next look follows it, in time order, with the first look as its previous
      now = start + MINUTE + 5_000;
      await pipeline.tick(start + MINUTE);
      const history = await store.listVerdicts(spec.release.id);
      assert.deepEqual(
        history.map((v) => v.at),
        [start + 10_000, start + MINUTE],
      );
      assert.equal(seen[1].previous?.at, start + 10_000);

      // started again (a second registration attempt, a reconciliation): no second first look
      await pipeline.start(records[0]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await store.listVerdicts(spec.release.id)).length, 2);
    } finally {
      await pipeline.close();
      await bus.close();
      await store.close();
    }
  });
}

test('a release registered after its first interval ended gets no first look: its own looks are due', async () => {
  const { spec } = generateScenario({ seed: 6, durationMinutes: 30 });
  const { store, records } = await storeWith(spec);
  const bus = createMemoryBus();
  const pipeline = await createPipeline({
    bus,
    store,
    clock: () => spec.release.startedAt + 5 * MINUTE,
    tickEveryMs: 0,
    resumeActive: false,
  });
  try {
    await pipeline.start(records[0]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await store.listVerdicts(spec.release.id), []);
  } finally {
    await pipeline.close();
    await bus.close();
    await store.close();
  }
});

test('the look at registration changes nothing: every later look equals the engine without it', () => {
  const scenario = generateScenario({ seed: 12, durationMinutes: 30, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { spec, samples } = scenario;
  const end = spec.release.startedAt + 30 * MINUTE;
  const engine = new ReleaseEngine(spec, ENGINE);
  const first = engine.firstLook(spec.release.startedAt + 1_000);
  assert.equal(first?.decision, 'continue');
  assert.equal(engine.firstLook(spec.release.startedAt + 2_000) === undefined, false, 'nothing taken yet');
  const looks: Verdict[] = [];
  for (const s of samples) {
    if (s.ts >= engine.nextBoundary) looks.push(...engine.advanceTo(s.ts));
    engine.ingest(s);
  }
  looks.push(...engine.advanceTo(end));
  assert.deepEqual(looks, referenceLooks(spec, samples, end));
  assert.ok(
    looks.some((v) => v.decision === 'rollback'),
    'the scenario does reach a decision',
  );
  assert.equal(engine.firstLook(end), undefined, 'once a look was taken, there is no first look');
});
