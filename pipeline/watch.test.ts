import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultGovernance, parseGovernance, type Verdict } from '../analyzer/index.ts';
import { createMemoryBus } from '../collector/index.ts';
import { generateScenario } from '../simulator/index.ts';
import { createPipeline, WATCH_REASON } from './index.ts';
import { lenient, MINUTE, minuteBatches, publishAll, storeWith, waitFor } from './testing/harness.ts';

// seed 1 with 25 % tolerances is promoted at minute 30 of its 60-minute window (see harness `lenient`)
const scenario = (regression: 'none' | 'error-ratio-x3') =>
  lenient(generateScenario({ seed: 1, durationMinutes: 120, regression, onsetMinutes: 70 }), 60);

async function run(regression: 'none' | 'error-ratio-x3', crashAfter?: number): Promise<Verdict[]> {
  const s = scenario(regression);
  const { store } = await storeWith(s.spec);
  const bus = createMemoryBus();
  // the standard class watches 60 min after promotion (analyzer/policy/governance.ts)
  const options = { bus, store, tickEveryMs: 0, checkpointEvery: 7, governance: defaultGovernance() };
  const batches = minuteBatches(s.spec.release.id, s.samples);
  let pipeline = await createPipeline(options);
  if (crashAfter !== undefined) {
    await publishAll(bus, batches.slice(0, crashAfter));
    await waitFor('first part', () => pipeline.stats().batches === crashAfter);
    await pipeline.close({ graceful: false });
    pipeline = await createPipeline(options);
  }
  const p = pipeline;
  await publishAll(bus, batches.slice(crashAfter ?? 0));
  await waitFor(
    'every batch',
    () => p.stats().batches - p.stats().skippedBatches >= batches.length - (crashAfter ?? 0),
  );
  await p.tick(s.spec.release.startedAt + 130 * MINUTE);
  const verdicts = await store.listVerdicts(s.spec.release.id);
  await p.close();
  await bus.close();
  await store.close();
  return verdicts;
}

const minuteOf = (v: Verdict, start: number) => (v.at - start) / MINUTE;

test('post-release watch: a regression appearing after promotion raises rollback, surviving a crash mid-watch', async () => {
  const start = scenario('none').spec.release.startedAt;
  const verdicts = await run('error-ratio-x3');
  const decisions = verdicts.map((v) => v.decision);
  const promoted = verdicts.findIndex((v) => v.decision === 'promote');
  assert.equal(minuteOf(verdicts[promoted], start), 30);
  assert.deepEqual(decisions.slice(promoted), ['promote', 'rollback']); // the watch emits only the regression
  const rollback = verdicts.at(-1)!;
  assert.ok(minuteOf(rollback, start) > 70, 'raised after the onset');
  assert.ok(rollback.reasons[0].startsWith(WATCH_REASON));
  assert.equal(rollback.policy.observedFor, rollback.at - start);
  assert.ok(rollback.metrics.some((m) => m.metric === 'error_ratio' && m.classification === 'high'));

  // crash at minute 60, in the middle of the watch: the checkpoint carries the watch engine
  const again = await run('error-ratio-x3', 60);
  assert.deepEqual(
    again.map((v) => [v.at, v.decision, v.score]),
    verdicts.map((v) => [v.at, v.decision, v.score]),
  );
});

test('post-release watch of a healthy release emits nothing after promote', async () => {
  const verdicts = await run('none');
  assert.equal(verdicts.at(-1)?.decision, 'promote');
  assert.equal(verdicts.filter((v) => v.decision === 'promote').length, 1);
});

test('a user-defined class from the governance file is analysed with its own window', async () => {
  const s = lenient(generateScenario({ seed: 1, durationMinutes: 20 }));
  s.spec.release = { ...s.spec.release, class: 'tax-hotfix' };
  delete s.spec.policy.observeMs; // the class decides
  const governance = parseGovernance({
    classes: { 'tax-hotfix': { extends: 'emergency-fix', observeMs: '12m', postReleaseWatchMs: 0 } },
  });
  const { store } = await storeWith(s.spec);
  const bus = createMemoryBus();
  const pipeline = await createPipeline({ bus, store, tickEveryMs: 0, governance });
  assert.deepEqual(pipeline.active(), [s.spec.release.id]);
  const end = await pipeline.tick(s.spec.release.startedAt + 30 * MINUTE);
  assert.equal(end.at(-1)?.at, s.spec.release.startedAt + 12 * MINUTE, 'the 12-minute window of the class');
  assert.equal(end.at(-1)?.decision, 'inconclusive'); // no data
  await pipeline.close();
  await bus.close();
  await store.close();
});
