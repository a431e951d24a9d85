import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECISIONS } from '../../pipeline/index.ts';
import { createActionSink, createGrafanaAction } from './index.ts';
import { receiverTarget, runActionContract } from './testing/actionContract.ts';
import { noSleep, receiver, spec, storeWithRelease, verdict } from './testing/fixtures.ts';
import { scriptedReceiver } from './testing/scriptedReceiver.ts';

const TOKEN = 'glsa_test_0123456789abcdef';

runActionContract({
  name: 'grafana-annotation',
  delivers: DECISIONS,
  canHang: true,
  make: async ({ timeoutMs }) => {
    const rx = await scriptedReceiver({ id: 7, message: 'Annotation added' });
    return receiverTarget(rx, createGrafanaAction({ url: rx.url, apiKey: TOKEN, timeoutMs }), [TOKEN]);
  },
});

test('Grafana annotation: POST /api/annotations with {time, tags, text} and the bearer token', async () => {
  const { store, record } = await storeWithRelease();
  const rx = await receiver((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":42,"message":"Annotation added"}'),
  );
  const sink = createActionSink({
    store,
    actions: [createGrafanaAction({ url: `${rx.url}/grafana/`, apiKey: TOKEN, dashboardUid: 'release-health' })],
    sleep: noSleep,
  });
  const v = verdict(12, 'rollback');
  await sink.onVerdict(v, verdict(11, 'reduce-traffic'), record);
  const [got] = rx.received;
  assert.equal(got.url, '/grafana/api/annotations');
  assert.equal(got.headers.authorization, `Bearer ${TOKEN}`);
  const body = JSON.parse(got.body.toString()) as { time: number; tags: string[]; text: string; dashboardUID: string };
  assert.equal(body.time, v.at);
  assert.equal(body.dashboardUID, 'release-health');
  assert.ok(body.tags.includes('decision:rollback') && body.tags.includes(`release:${spec.release.id}`));
  assert.match(body.text, /odoo 17\.0\.42: reduce-traffic → rollback/);
  const audit = await store.listAudit({ releaseId: spec.release.id });
  assert.equal((audit.at(-1)?.detail as { result: { annotationId: number } }).result.annotationId, 42);
  assert.ok(!JSON.stringify([audit, await store.listActions({})]).includes(TOKEN));
  await rx.close();
  await store.close();
});

test('Grafana: a 401 is not retried (the same token would be refused again) and is recorded without the token', async () => {
  const { store, record } = await storeWithRelease();
  const rx = await receiver((_req, res) => res.writeHead(401).end(`invalid API key ${TOKEN}`));
  const sink = createActionSink({
    store,
    actions: [createGrafanaAction({ url: rx.url, apiKey: TOKEN })],
    retry: { attempts: 2 },
    sleep: noSleep,
  });
  await sink.onVerdict(verdict(1, 'promote'), undefined, record);
  const [action] = await store.listActions({});
  assert.deepEqual(
    [action.kind, action.state, action.attempts, action.lastError],
    ['grafana-annotation', 'failed', 1, `POST ${rx.url}/api/annotations: HTTP 401`],
  );
  await rx.close();
  await store.close();
});
