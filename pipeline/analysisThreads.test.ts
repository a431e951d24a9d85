import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../analyzer/index.ts';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { lookOffset } from './analysis.ts';
import { createPipeline, type VerdictSink } from './index.ts';
import {
  changes,
  lenient,
  MINUTE,
  minuteBatches,
  publishAll,
  referenceLooks,
  register,
  storeWith,
  waitFor,
} from './testing/harness.ts';

test('judges in analysis threads: every look equals the offline engine on the same samples; a restart resumes from the checkpoint', async () => {
  const good = lenient(generateScenario({ seed: 1, durationMinutes: 40 }));
  const bad = generateScenario({ seed: 12, durationMinutes: 40, regression: 'error-ratio-x3', onsetMinutes: 5 });
  const { store } = await storeWith(good.spec, bad.spec);
  const bus = createMemoryBus();
  const first = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 4, analysisThreads: 2 });
  const cut = (s: typeof good) => minuteBatches(s.spec.release.id, s.samples);
  const [goodBatches, badBatches] = [cut(good), cut(bad)];
  // half the stream, a graceful stop, the other half in a second pipeline (fresh threads)
  await publishAll(bus, [...goodBatches.slice(0, 20), ...badBatches.slice(0, 3)]);
  await waitFor('first half', () => first.stats().batches === 23);
  await first.close();
  const second = await createPipeline({ bus, store, tickEveryMs: 0, checkpointEvery: 4, analysisThreads: 2 });
  await publishAll(bus, [...goodBatches.slice(20), ...badBatches.slice(3)]);
  await waitFor('second half', () => second.stats().batches === goodBatches.length - 20 + badBatches.length - 3);
  const end = good.spec.release.startedAt + 40 * MINUTE;
  await second.tick(end);
  for (const scenario of [good, bad]) {
    const stored = await store.listVerdicts(scenario.spec.release.id);
    const looks = referenceLooks(scenario.spec, scenario.samples, end);
    assert.deepEqual(
      stored.map((v) => [v.at, v.decision, v.score]),
      looks.map((v) => [v.at, v.decision, v.score]),
    );
  }
  assert.equal((await store.latestVerdict(good.spec.release.id))?.decision, 'promote');
  assert.equal((await store.latestVerdict(bad.spec.release.id))?.decision, 'rollback');
  await second.close();
  assert.equal((await bus.lag()).find((l) => l.topic === 'samples')?.pendingBatches, 0);
  await bus.close();
  await store.close();
});

test('look spreading: each look waits for its release offset in the interval, and the verdicts stay those of the offline engine', async () => {
  const scenarios = [1, 2, 3].map((seed) => lenient(generateScenario({ seed, durationMinutes: 12 })));
  scenarios.forEach((s, i) => (s.spec.release.id = `spread-${i}`));
  const start = scenarios[0].spec.release.startedAt;
  for (const s of scenarios) assert.equal(s.spec.release.startedAt, start); // one wave: the same boundaries
  const { store } = await storeWith(...scenarios.map((s) => s.spec));
  const bus = createMemoryBus();
  let now = start;
  const seen: { verdict: Verdict; clock: number }[] = [];
  const sink: VerdictSink = { name: 'clock', onVerdict: async (verdict) => void seen.push({ verdict, clock: now }) };
  const pipeline = await createPipeline({
    bus,
    store,
    sinks: [sink],
    clock: () => now,
    tickEveryMs: 10,
    graceMs: 0,
    lookSpreadMs: MINUTE,
    analysisThreads: 1,
  });
  const offsets = new Map(scenarios.map((s) => [s.spec.release.id, lookOffset(s.spec.release.id, MINUTE)]));
  assert.ok(new Set(offsets.values()).size === 3, 'three distinct offsets');
  const batches = scenarios.map((s) => minuteBatches(s.spec.release.id, s.samples));
  const final = (id: string) => seen.some((v) => v.verdict.releaseId === id && v.verdict.decision !== 'continue');
  // the clock walks through 12 minutes in 5-s steps; each minute's batches are published as it
  // starts; before the next step, every look due by now (boundary + offset ≤ clock) has been taken
  for (let t = start; t <= start + 12 * MINUTE + 10_000; t += 5_000) {
    now = t;
    if ((t - start) % MINUTE === 0 && t < start + 12 * MINUTE) {
      const minute = (t - start) / MINUTE;
      await publishAll(
        bus,
        batches.flatMap((b) => b.slice(minute, minute + 1)),
      );
    }
    for (const [id, offset] of offsets) {
      const boundary = start + Math.floor((t - offset - start) / MINUTE) * MINUTE;
      if (boundary <= start) continue;
      await waitFor(
        `${id}'s look at ${boundary - start} by ${t - start}`,
        () => final(id) || seen.some((v) => v.verdict.releaseId === id && v.verdict.at === boundary),
        30_000,
      );
    }
  }
  for (const s of scenarios) {
    const id = s.spec.release.id;
    const mine = seen.filter((v) => v.verdict.releaseId === id);
    assert.ok(mine.length >= 10, `${id}: ${mine.length} looks`);
    // never before its due time (boundary + offset), and within the 5-s step it became due in
    for (const { verdict, clock } of mine) {
      assert.ok(
        clock >= verdict.at + offsets.get(id)!,
        `${id}: look at ${verdict.at - start} taken at ${clock - start}, before its offset ${offsets.get(id)}`,
      );
      assert.ok(
        clock < verdict.at + offsets.get(id)! + 5_000,
        `${id}: look at ${verdict.at - start} taken late, at ${clock - start}`,
      );
    }
  }
  for (const s of scenarios) {
    const id = s.spec.release.id;
    const stored = await store.listVerdicts(id);
    const looks = referenceLooks(s.spec, s.samples, start + 12 * MINUTE);
    // the clock stopped before the last looks' offsets: the looks taken are a prefix of the reference's
    const n = Math.min(stored.length, looks.length);
    assert.ok(n >= 10);
    assert.deepEqual(changes(stored.slice(0, n)), changes(looks.slice(0, n)));
    assert.deepEqual(
      stored.slice(0, n).map((v) => [v.at, v.decision, v.score]),
      looks.slice(0, n).map((v) => [v.at, v.decision, v.score]),
    );
  }
  const stats = pipeline.stats();
  assert.ok(stats.deferredBatches > 0);
  assert.ok(stats.lookLagMs.count >= 30 && stats.lookLagMs.max < 5_000, JSON.stringify(stats.lookLagMs));
  await pipeline.close();
  await bus.close();
  await store.close();
});

test('in an analysis thread, a release the engine refuses is quarantined by name, as in the pipeline thread', async () => {
  const { spec: healthy } = generateScenario({ seed: 4, durationMinutes: 5 });
  const { store } = await storeWith(healthy);
  // written as a store from before the gate's bounds would hold it: billions of looks
  const absurd = structuredClone(healthy);
  absurd.release.id = 'thread-absurd';
  absurd.release.startedAt = 0;
  absurd.policy.observeMs = 9e15;
  await register(store, absurd);
  const bus = createMemoryBus();
  const lines: string[] = [];
  const logger = { info() {}, warn() {}, error: (_f: Record<string, unknown>, m: string) => void lines.push(m) };
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, analysisThreads: 1, logger });
  assert.deepEqual(pipeline.active(), [healthy.release.id]);
  assert.equal(pipeline.stats().quarantined, 1);
  assert.ok(
    lines.some((l) => l.startsWith('pipeline: release thread-absurd quarantined at load')),
    lines.join('\n'),
  );
  await pipeline.close();
  await bus.close();
  await store.close();
});
