/**
 * Alertmanager sink: the alert life cycle against a local receiver, retries and a down
 * Alertmanager (recorded failure, verdict unaffected), and the REAL Alertmanager
 * (scripts/services/alertmanager.sh): post, then GET /api/v2/alerts shows the alert and labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionRecord } from '../../store/index.ts';
import { requireService } from '../../test/integration/helpers.ts';
import { AlertmanagerSink, type AlertmanagerAlert } from './alertmanager.ts';
import { closedPort, receiver, releaseRecord, T0, verdict } from './testing/fixtures.ts';

const LINKS = { gateUrl: 'https://rh.example.com', grafanaUrl: 'https://grafana.example.com' };
const noSleep = async () => {};

test('fires on rollback with routing labels and links, re-sends at most every resendMs, resolves on recovery', async () => {
  const am = await receiver();
  const records: ActionRecord[] = [];
  let now = T0;
  const sink = new AlertmanagerSink(
    { url: am.url, ...LINKS, resendMs: 60_000, clock: () => now, record: (a) => void records.push(a) },
    { sleep: noSleep },
  );
  const record = releaseRecord();
  try {
    await sink.onVerdict(verdict('continue', 1), undefined, record);
    await sink.onVerdict(verdict('rollback', 2), verdict('continue', 1), record);
    now += 30_000;
    await sink.onVerdict(verdict('rollback', 2.5), verdict('rollback', 2), record); // within resendMs: nothing
    now += 40_000;
    await sink.onVerdict(verdict('rollback', 3), verdict('rollback', 2.5), record); // re-send
    await sink.onVerdict(verdict('continue', 4), verdict('rollback', 3), record); // resolve
    await sink.drain();

    assert.equal(am.received.length, 3);
    assert.ok(
      am.received.every((r) => r.path === '/api/v2/alerts' && r.headers['content-type'] === 'application/json'),
    );
    const [first, again, resolved] = am.received.map((r) => (r.body as AlertmanagerAlert[])[0]);
    assert.deepEqual(first.labels, {
      alertname: 'ReleaseHealthVerdict',
      release_id: 'odoo-web-17.0.42',
      service: 'odoo-web',
      environment: 'production',
      tenant_tier: 'tier-1',
      release_class: 'standard',
      decision: 'rollback',
      severity: 'critical',
    });
    assert.equal(first.startsAt, '2026-11-27T08:02:00.000Z');
    assert.equal(first.endsAt, undefined);
    assert.equal(first.annotations.verdict_url, 'https://rh.example.com/api/v1/releases/odoo-web-17.0.42/verdict');
    assert.equal(
      first.annotations.dashboard_url,
      'https://grafana.example.com/d/rh-release-health?var-release_id=odoo-web-17.0.42',
    );
    assert.match(first.annotations.summary, /odoo-web 17.0.42 in production: rollback \(score 12\)/);
    assert.match(first.annotations.description, /checkout_latency_seconds/);
    assert.deepEqual(again, first, 'a re-send is the same alert (same startsAt)');
    assert.equal(resolved.endsAt, '2026-11-27T08:04:00.000Z');
    assert.deepEqual(resolved.labels, first.labels);
    assert.deepEqual(
      records.map((r) => [r.kind, r.state, r.decision]),
      [
        ['alertmanager', 'succeeded', 'rollback'],
        ['alertmanager', 'succeeded', 'rollback'],
        ['alertmanager', 'succeeded', 'rollback'],
      ],
    );
    assert.equal(records[0].target, `${am.url}/api/v2/alerts`);
  } finally {
    await am.close();
  }
});

test('a decision change is a new alert; completing the release resolves it', async () => {
  const am = await receiver();
  const sink = new AlertmanagerSink({ url: am.url, ...LINKS }, { sleep: noSleep });
  try {
    await sink.onVerdict(verdict('reduce-traffic', 1), undefined, releaseRecord());
    await sink.onVerdict(verdict('rollback', 2), verdict('reduce-traffic', 1), releaseRecord());
    await sink.onVerdict(
      verdict('rollback', 3),
      verdict('rollback', 2),
      releaseRecord('odoo-web-17.0.42', { status: 'aborted' }),
    );
    await sink.drain();
    const alerts = am.received.map((r) => (r.body as AlertmanagerAlert[])[0]);
    assert.deepEqual(
      alerts.map((a) => [a.labels.decision, a.labels.severity, a.endsAt ?? null]),
      [
        ['reduce-traffic', 'warning', null],
        ['reduce-traffic', 'warning', '2026-11-27T08:02:00.000Z'],
        ['rollback', 'critical', null],
        ['rollback', 'critical', '2026-11-27T08:03:00.000Z'],
      ],
    );
    sink.resolve('odoo-web-17.0.42'); // nothing fires any more: no post
    await sink.drain();
    assert.equal(am.received.length, 4);
  } finally {
    await am.close();
  }
});

test("5xx is retried with backoff (full jitter, the actions' policy), 4xx is not", async () => {
  const am = await receiver([503, 502, 400]);
  const records: ActionRecord[] = [];
  const sleeps: number[] = [];
  const sink = new AlertmanagerSink(
    {
      url: am.url,
      ...LINKS,
      resendMs: 0,
      retry: { attempts: 4, baseDelayMs: 100 },
      record: (a) => void records.push(a),
    },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
  );
  try {
    await sink.onVerdict(verdict('rollback', 1), undefined, releaseRecord()); // 503, 502, 400 → gives up at the 4xx
    await sink.onVerdict(verdict('rollback', 2), undefined, releaseRecord()); // 200
    await sink.drain();
    // full jitter: a uniform wait in [0, min(max, base·2^(k−1))) after the k-th failure; random 0.5 → half of 100, 200
    assert.deepEqual(sleeps, [50, 100]);
    assert.deepEqual(
      records.map((r) => [r.state, r.attempts]),
      [
        ['failed', 3],
        ['succeeded', 1],
      ],
    );
    assert.match(records[0].lastError ?? '', /HTTP 400/);
  } finally {
    await am.close();
  }
});

test('a down Alertmanager: failure recorded after every retry, onVerdict still resolves, the next verdict tries again', async () => {
  const port = await closedPort();
  const records: ActionRecord[] = [];
  let now = T0;
  const sink = new AlertmanagerSink(
    {
      url: `http://127.0.0.1:${port}`,
      ...LINKS,
      resendMs: 600_000,
      retry: { attempts: 3 },
      clock: () => now,
      record: (a) => void records.push(a),
    },
    { sleep: noSleep },
  );
  const v = verdict('rollback', 1);
  const before = structuredClone(v);
  await sink.onVerdict(v, undefined, releaseRecord());
  await sink.drain();
  assert.deepEqual(v, before, 'the verdict is untouched');
  assert.equal(records.length, 1);
  assert.equal(records[0].state, 'failed');
  assert.equal(records[0].attempts, 3);
  assert.match(records[0].lastError ?? '', /ECONNREFUSED|fetch failed/);
  now += 1_000; // well within resendMs, yet the failed alert is retried at the next verdict
  await sink.onVerdict(verdict('rollback', 2), v, releaseRecord());
  await sink.drain();
  assert.equal(records.length, 2);
});

test('a recorder that throws does not break delivery', async () => {
  const am = await receiver();
  const sink = new AlertmanagerSink(
    {
      url: am.url,
      ...LINKS,
      record: () => {
        throw new Error('store down');
      },
    },
    { sleep: noSleep },
  );
  try {
    await sink.onVerdict(verdict('rollback', 1), undefined, releaseRecord());
    await sink.drain();
    assert.equal(am.received.length, 1);
  } finally {
    await am.close();
  }
});

test('real Alertmanager: the posted alert is listed with its labels, and resolving ends it', async (t) => {
  const url = await requireService(t, 'alertmanager');
  if (!url) return;
  const id = `it-${process.pid}-${Date.now()}`;
  const records: ActionRecord[] = [];
  const sink = new AlertmanagerSink({ url, ...LINKS, record: (a) => void records.push(a) });
  const at = Date.now();
  const v = { ...verdict('rollback', 0, id), at };
  await sink.onVerdict(v, undefined, releaseRecord(id));
  await sink.drain();
  assert.equal(records[0]?.state, 'succeeded', records[0]?.lastError);

  type Listed = {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    status: { state: string };
    endsAt: string;
  };
  const list = async (): Promise<Listed[]> => {
    const res = await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(`release_id="${id}"`)}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Listed[];
  };
  const [listed] = await list();
  assert.ok(listed, 'the alert is listed');
  assert.deepEqual(listed.labels, {
    alertname: 'ReleaseHealthVerdict',
    release_id: id,
    service: 'odoo-web',
    environment: 'production',
    tenant_tier: 'tier-1',
    release_class: 'standard',
    decision: 'rollback',
    severity: 'critical',
  });
  assert.equal(listed.status.state, 'active');
  assert.equal(listed.annotations.verdict_url, `https://rh.example.com/api/v1/releases/${id}/verdict`);

  sink.resolve(id, Date.now());
  await sink.drain();
  assert.equal(records[1]?.state, 'succeeded');
  const after = await list();
  // Alertmanager stops listing an alert whose endsAt has passed (or lists it no longer active)
  assert.ok(
    after.every((a) => Date.parse(a.endsAt) <= Date.now() + 1_000),
    JSON.stringify(after),
  );
});
