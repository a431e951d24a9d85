import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActionSink, createWebhookAction, sign, SIGNATURE_HEADER, verifySignature } from './index.ts';
import { noSleep, receiver, spec, storeWithRelease, verdict } from './testing/fixtures.ts';

const SECRET = 'whsec-7f3a9c1e5b2d4f60';

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

test('webhook retried with backoff after a 500 and a timeout; every attempt recorded; the secret never stored', async () => {
  const { store, record } = await storeWithRelease();
  // 1st: 500, 2nd: never answers (timeout), 3rd: 200
  const rx = await receiver((_req, res, n) => {
    if (n === 1) res.writeHead(500).end(`bad ${SECRET}`);
    else if (n === 3) res.writeHead(200).end('ok');
  });
  const waits: number[] = [];
  const sink = createActionSink({
    store,
    actions: [createWebhookAction({ url: rx.url, secret: SECRET, timeoutMs: 200 })],
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.999,
  });
  await sink.onVerdict(verdict(3, 'reduce-traffic'), undefined, record);
  assert.equal(rx.received.length, 3);
  assert.deepEqual(waits, [99, 199]); // full jitter under caps 100, 200 (random just below 1)
  const [action] = await store.listActions({ releaseId: spec.release.id });
  assert.equal(action.state, 'succeeded');
  assert.equal(action.attempts, 3);
  const attempts = await store.listActionAttempts(action.id!);
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.state]),
    [
      [1, 'pending'],
      [2, 'pending'],
      [3, 'succeeded'],
    ],
  );
  assert.match(attempts[0].error ?? '', /HTTP 500/);
  assert.match(attempts[1].error ?? '', /timed out after 200 ms/);
  const everything = JSON.stringify([await store.listActions({}), attempts, await store.listAudit({})]);
  assert.ok(!everything.includes(SECRET), 'the secret is in no record');
  assert.equal(
    (await store.listAudit({ releaseId: spec.release.id })).filter((a) => a.action === 'action.run').length,
    3,
  );
  await rx.close();
  await store.close();
});

test('webhook attempts are bounded: a receiver that keeps failing ends in state failed', async () => {
  const { store, record } = await storeWithRelease();
  const rx = await receiver((_req, res) => res.writeHead(503).end());
  const sink = createActionSink({
    store,
    actions: [createWebhookAction({ url: rx.url, secret: SECRET })],
    retry: { attempts: 3 },
    sleep: async () => undefined,
  });
  await sink.onVerdict(verdict(3, 'rollback'), undefined, record);
  assert.equal(rx.received.length, 3);
  const [action] = await store.listActions({ releaseId: spec.release.id });
  assert.deepEqual([action.state, action.attempts], ['failed', 3]);
  assert.match(action.lastError ?? '', /HTTP 503/);
  // a failed action is run again when the verdict is replayed (only success is final)
  await sink.onVerdict(verdict(3, 'rollback'), undefined, record);
  assert.equal(rx.received.length, 6);
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
