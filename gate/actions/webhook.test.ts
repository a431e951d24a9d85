import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECISIONS } from '../../pipeline/index.ts';
import { createActionSink, createWebhookAction, sign, SIGNATURE_HEADER, verifySignature } from './index.ts';
import { receiverTarget, runActionContract } from './testing/actionContract.ts';
import { noSleep, receiver, spec, storeWithRelease, verdict } from './testing/fixtures.ts';
import { scriptedReceiver } from './testing/scriptedReceiver.ts';

const SECRET = 'whsec-7f3a9c1e5b2d4f60';
const QUERY_TOKEN = 'qtok-5e1d9a0c77b2';

runActionContract({
  name: 'webhook',
  delivers: DECISIONS,
  canHang: true,
  make: async ({ timeoutMs }) => {
    const rx = await scriptedReceiver();
    return receiverTarget(
      rx,
      createWebhookAction({ url: `${rx.url}/hook?token=${QUERY_TOKEN}`, secret: SECRET, timeoutMs }),
      [SECRET, QUERY_TOKEN],
    );
  },
});

runActionContract({
  name: 'webhook whose URL is the secret',
  delivers: ['rollback'],
  canHang: true,
  make: async ({ timeoutMs }) => {
    const rx = await scriptedReceiver();
    const url = `${rx.url}/services/T0/B0/url-token-3c9f`;
    return receiverTarget(
      rx,
      createWebhookAction({ url, secret: SECRET, timeoutMs, urlIsSecret: true, on: ['rollback'] }),
      [SECRET, 'url-token-3c9f'],
    );
  },
});

test('signed webhook: the receiver verifies the HMAC of the raw body; the attempt and audit are recorded', async () => {
  const { store, record } = await storeWithRelease();
  const rx = await receiver((_req, res) => res.writeHead(204).end());
  const sink = createActionSink({
    store,
    actions: [createWebhookAction({ url: `${rx.url}/hook?team=sre`, secret: SECRET })],
    sleep: noSleep,
  });
  await sink.onVerdict(verdict(5, 'rollback'), verdict(4, 'continue'), record);
  assert.equal(rx.received.length, 1);
  const got = rx.received[0];
  assert.equal(got.method, 'POST');
  assert.equal(got.headers['content-type'], 'application/json');
  assert.ok(verifySignature(got.body, got.headers[SIGNATURE_HEADER.toLowerCase()], SECRET));
  assert.ok(!verifySignature(got.body, got.headers[SIGNATURE_HEADER.toLowerCase()], 'another-secret'));
  const body = JSON.parse(got.body.toString()) as {
    release: { id: string };
    verdict: { decision: string };
    previous: string;
    sentAt: number;
  };
  assert.equal(body.release.id, spec.release.id);
  assert.equal(body.verdict.decision, 'rollback');
  assert.equal(body.previous, 'continue');
  assert.equal(String(body.sentAt), got.headers['x-release-health-timestamp']);

  const [action] = await store.listActions({ releaseId: spec.release.id });
  assert.equal(action.kind, 'webhook');
  assert.equal(action.state, 'succeeded');
  assert.equal(action.attempts, 1);
  assert.equal(action.target, `${rx.url}/hook`); // no query string in records
  const audit = await store.listAudit({ releaseId: spec.release.id });
  assert.deepEqual(
    audit.filter((a) => a.action === 'action.run').map((a) => (a.detail as { state: string }).state),
    ['succeeded'],
  );

  // same decision again: not a change, nothing sent
  await sink.onVerdict(verdict(6, 'rollback'), verdict(5, 'rollback'), record);
  // the same verdict replayed after a restart: already succeeded, not sent twice
  await sink.onVerdict(verdict(5, 'rollback'), verdict(4, 'continue'), record);
  assert.equal(rx.received.length, 1);
  await rx.close();
  await store.close();
});

test('verifySignature: exact bytes, constant-time compare, malformed headers are false', () => {
  const body = '{"a":1}';
  const header = sign(body, SECRET);
  assert.match(header, /^sha256=[0-9a-f]{64}$/);
  assert.ok(verifySignature(body, header, SECRET));
  assert.ok(verifySignature(Buffer.from(body), header.toUpperCase().replace('SHA256=', 'sha256='), SECRET));
  assert.ok(!verifySignature('{"a":2}', header, SECRET));
  assert.ok(!verifySignature(body, header.slice(0, -2), SECRET));
  assert.ok(!verifySignature(body, 'md5=abc', SECRET));
  assert.ok(!verifySignature(body, undefined, SECRET));
  assert.ok(!verifySignature(body, [header], SECRET));
  assert.ok(!verifySignature(body, header, ''));
});
