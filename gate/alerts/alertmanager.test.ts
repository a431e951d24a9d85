/**
 * Alertmanager action: the action contract (through the one delivery path, against a local
 * receiver), the alert life cycle (fire, re-send, resolve on a change or when the release closes),
 * and the REAL Alertmanager (scripts/services/alertmanager.sh): post, then GET /api/v2/alerts
 * shows the alert and its labels, and the resolve ends it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPgliteStore, type ReleaseRecord, type Store } from '../../store/index.ts';
import { requireService } from '../../test/integration/helpers.ts';
import { createActionSink } from '../actions/runner.ts';
import { receiverTarget, runActionContract } from '../actions/testing/actionContract.ts';
import { scriptedReceiver } from '../actions/testing/scriptedReceiver.ts';
import { createAlertmanagerAction, type AlertmanagerAlert } from './alertmanager.ts';
import { releaseRecord, T0, verdict } from './testing/fixtures.ts';

const LINKS = { gateUrl: 'https://rh.example.com', grafanaUrl: 'https://grafana.example.com' };
const noSleep = async () => {};

runActionContract({
  name: 'alertmanager',
  delivers: ['reduce-traffic', 'rollback'],
  background: true,
  canHang: true,
  make: async ({ timeoutMs }) => {
    const am = await scriptedReceiver();
    return receiverTarget(am, createAlertmanagerAction({ url: am.url, ...LINKS, timeoutMs }), []);
  },
});

async function storeWith(...records: ReleaseRecord[]): Promise<Store> {
  const store = await createPgliteStore();
  for (const r of records)
    await store.createRelease(r, { at: T0, actor: 'test', action: 'release.register', releaseId: r.release.id });
  return store;
}

/** The routing labels of a rollback alert of the fixture's release (written out: the contract with routing trees). */
const rollbackLabels = (releaseId: string) => ({
  alertname: 'ReleaseHealthVerdict',
  release_id: releaseId,
  service: 'odoo-web',
  environment: 'production',
  tenant_tier: 'tier-1',
  release_class: 'standard',
  decision: 'rollback',
  severity: 'critical',
});

const alertsIn = (am: Awaited<ReturnType<typeof scriptedReceiver>>) =>
  am.received.map((r) => (JSON.parse(r.body.toString()) as AlertmanagerAlert[])[0]);

test('fires on rollback with routing labels and links, re-sends at most every resendMs, resolves on recovery', async () => {
  const am = await scriptedReceiver();
  const record = releaseRecord();
  const store = await storeWith(record);
  let now = T0;
  const sink = createActionSink({
    store,
    actions: [createAlertmanagerAction({ url: am.url, ...LINKS, resendMs: 60_000 })],
    background: true,
    clock: () => now,
    sleep: noSleep,
  });
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
    assert.ok(am.received.every((r) => r.url === '/api/v2/alerts' && r.headers['content-type'] === 'application/json'));
    const [first, again, resolved] = alertsIn(am);
    assert.deepEqual(first.labels, rollbackLabels('odoo-web-17.0.42'));
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
    const records = await store.listActions({ releaseId: record.release.id });
    assert.deepEqual(
      records.map((r) => [r.kind, r.state, (r.payload as { phase: string }).phase]),
      [
        ['alertmanager', 'succeeded', 'enter'],
        ['alertmanager', 'succeeded', 'repeat'],
        ['alertmanager', 'succeeded', 'leave'],
      ],
    );
    assert.equal(records[0].target, `${am.url}/api/v2/alerts`);
  } finally {
    await am.close();
    await store.close();
  }
});

test('a decision change is a new alert; a closed release resolves its alert, and so does releaseClosed', async () => {
  const am = await scriptedReceiver();
  const [a, b] = [releaseRecord('odoo-web-17.0.42'), releaseRecord('odoo-web-17.0.43')];
  const store = await storeWith(a, b);
  const sink = createActionSink({
    store,
    actions: [createAlertmanagerAction({ url: am.url, ...LINKS })],
    background: true,
    sleep: noSleep,
  });
  try {
    await sink.onVerdict(verdict('reduce-traffic', 1), undefined, a);
    await sink.onVerdict(verdict('rollback', 2), verdict('reduce-traffic', 1), a);
    await sink.onVerdict(verdict('rollback', 3), verdict('rollback', 2), { ...a, status: 'aborted' });
    await sink.drain();
    assert.deepEqual(
      alertsIn(am).map((x) => [x.labels.decision, x.labels.severity, x.endsAt ?? null]),
      [
        ['reduce-traffic', 'warning', null],
        ['reduce-traffic', 'warning', '2026-11-27T08:02:00.000Z'],
        ['rollback', 'critical', null],
        ['rollback', 'critical', '2026-11-27T08:03:00.000Z'],
      ],
    );
    sink.releaseClosed(a.release.id); // nothing fires any more: no post
    await sink.onVerdict(verdict('rollback', 1, b.release.id), undefined, b);
    await sink.drain();
    sink.releaseClosed(b.release.id, T0 + 5 * 60_000); // the gate closed it (superseded, hook): resolved
    await sink.drain();
    const posted = alertsIn(am);
    assert.equal(posted.length, 6);
    assert.deepEqual(
      posted.slice(4).map((x) => [x.labels.release_id, x.endsAt ?? null]),
      [
        ['odoo-web-17.0.43', null],
        ['odoo-web-17.0.43', '2026-11-27T08:05:00.000Z'],
      ],
    );
  } finally {
    await am.close();
    await store.close();
  }
});

test('a failed delivery is not counted as sent: the next verdict tries again, within resendMs', async () => {
  const am = await scriptedReceiver();
  const record = releaseRecord();
  const store = await storeWith(record);
  let now = T0;
  const sink = createActionSink({
    store,
    actions: [createAlertmanagerAction({ url: am.url, ...LINKS, resendMs: 600_000 })],
    retry: { attempts: 2 },
    background: true,
    clock: () => now,
    sleep: noSleep,
  });
  try {
    am.script(['fail', 'fail']);
    const v = verdict('rollback', 1);
    await sink.onVerdict(v, undefined, record);
    await sink.drain();
    now += 1_000;
    await sink.onVerdict(verdict('rollback', 2), v, record);
    await sink.drain();
    assert.deepEqual(
      (await store.listActions({ releaseId: record.release.id })).map((r) => [r.state, r.attempts]),
      [
        ['failed', 2],
        ['succeeded', 1],
      ],
    );
  } finally {
    await am.close();
    await store.close();
  }
});

test('real Alertmanager: the posted alert is listed with its labels, and resolving ends it', async (t) => {
  const url = await requireService(t, 'alertmanager');
  if (!url) return;
  const id = `it-${process.pid}-${Date.now()}`;
  const record = releaseRecord(id);
  const store = await storeWith(record);
  const sink = createActionSink({
    store,
    actions: [createAlertmanagerAction({ url, ...LINKS })],
    background: true,
  });
  try {
    const v = { ...verdict('rollback', 0, id), at: Date.now() };
    await sink.onVerdict(v, undefined, record);
    await sink.drain();
    const [fired] = await store.listActions({ releaseId: id });
    assert.equal(fired?.state, 'succeeded', fired?.lastError);

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
    assert.deepEqual(listed.labels, rollbackLabels(id));
    assert.equal(listed.status.state, 'active');
    assert.equal(listed.annotations.verdict_url, `https://rh.example.com/api/v1/releases/${id}/verdict`);

    sink.releaseClosed(id, Date.now());
    await sink.drain();
    const records = await store.listActions({ releaseId: id });
    assert.equal(records[1]?.state, 'succeeded', records[1]?.lastError);
    const after = await list();
    // Alertmanager stops listing an alert whose endsAt has passed (or lists it no longer active)
    assert.ok(
      after.every((a) => Date.parse(a.endsAt) <= Date.now() + 1_000),
      JSON.stringify(after),
    );
  } finally {
    await store.close();
  }
});
