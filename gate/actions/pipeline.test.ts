import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { createMemoryBus } from '../../collector/index.ts';
import { createPipeline } from '../../pipeline/index.ts';
import { generateScenario } from '../../simulator/index.ts';
import { createPgliteStore } from '../../store/index.ts';
import { createActionSink, createTraefikAction, createWebhookAction, verifySignature } from './index.ts';
import { noSleep, receiver } from './testing/fixtures.ts';

const SECRET = 'pipeline-test-secret';
const MINUTE = 60_000;

test('through the live pipeline: a regressing canary ends at Traefik weight 0; a crash replay acts nothing twice', async () => {
  const scenario = generateScenario({
    seed: 4,
    durationMinutes: 40,
    regression: 'stock-latency-x1.5',
    onsetMinutes: 8,
  });
  const { spec } = scenario;
  const store = await createPgliteStore();
  const record = {
    release: spec.release,
    spec,
    status: 'active' as const,
    registeredAt: spec.release.startedAt,
    registeredBy: 'test',
  };
  await store.createRelease(record, {
    at: spec.release.startedAt,
    actor: 'test',
    action: 'release.register',
    releaseId: spec.release.id,
  });
  const dir = await mkdtemp(join(tmpdir(), 'rh-pipeline-actions-'));
  const file = join(dir, 'odoo.yaml');
  await writeFile(
    file,
    'http:\n  services:\n    odoo:\n      weighted:\n        services:\n          - { name: odoo-primary, weight: 80 }\n          - { name: odoo-canary, weight: 20 }\n',
  );
  const rx = await receiver((req, res) =>
    res.writeHead(verifySignature(req.body, req.headers['x-release-health-signature'], SECRET) ? 200 : 401).end(),
  );
  const sink = createActionSink({
    store,
    actions: [
      createWebhookAction({ url: rx.url, secret: SECRET, on: ['reduce-traffic', 'rollback', 'promote'] }),
      createTraefikAction({ file, service: 'odoo' }),
    ],
    sleep: noSleep,
  });
  const bus = createMemoryBus();
  // nothing is checkpointed before the crash, so every batch and verdict is replayed afterwards
  const options = { bus, store, sinks: [sink], tickEveryMs: 0, checkpointEvery: 1000, maxHeldAcks: 900 };
  const first = await createPipeline(options);
  const batches = new Map<number, typeof scenario.samples>();
  for (const s of scenario.samples)
    batches.set(Math.floor(s.ts / MINUTE), [...(batches.get(Math.floor(s.ts / MINUTE)) ?? []), s]);
  let sequence = 0;
  for (const samples of batches.values())
    await bus.publishSamples({
      releaseId: spec.release.id,
      batchId: `b${sequence}`,
      producer: 'sim',
      sequence: sequence++,
      samples,
    });
  const wait = async (p: typeof first, n: number) => {
    for (let i = 0; i < 4000 && p.stats().batches < n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  await wait(first, batches.size);
  const verdicts = await store.listVerdicts(spec.release.id);
  assert.equal(verdicts.at(-1)?.decision, 'rollback');
  const weights = async () =>
    (
      parse(await readFile(file, 'utf8')) as {
        http: { services: { odoo: { weighted: { services: { weight: number }[] } } } };
      }
    ).http.services.odoo.weighted.services.map((s) => s.weight);
  assert.deepEqual(await weights(), [100, 0]);
  const sent = rx.received.length;
  const decisionsSent = rx.received.map(
    (r) => (JSON.parse(r.body.toString()) as { verdict: { decision: string } }).verdict.decision,
  );
  assert.equal(decisionsSent.at(-1), 'rollback');
  const actionsBefore = await store.listActions({ releaseId: spec.release.id });
  assert.ok(actionsBefore.every((a) => a.state === 'succeeded'));

  await first.close({ graceful: false });
  const second = await createPipeline(options);
  await wait(second, batches.size);
  assert.equal(second.stats().duplicateVerdicts, verdicts.length);
  assert.equal(rx.received.length, sent, 'no webhook sent twice');
  assert.deepEqual(await weights(), [100, 0]);
  assert.equal((await store.listActions({ releaseId: spec.release.id })).length, actionsBefore.length);
  await second.close();
  await bus.close();
  await rx.close();
  await store.close();
  await rm(dir, { recursive: true });
});
