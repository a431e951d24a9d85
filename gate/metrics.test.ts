/** `/metrics` over HTTP: the gauges Argo's and Flagger's Prometheus providers gate on. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateMetrics } from './metrics.ts';
import { engineVerdict, release, SPEC, startHarness, T0, TOKENS, type Harness } from './testing/harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const scrape = async (): Promise<string> => {
  const res = await h.call('GET', '/metrics', { token: TOKENS.reader });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
};
/** value of the one series whose line contains every `parts` (label order is the serializer's) */
const value = (text: string, name: string, parts: string[]): string | undefined => {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && parts.every((p) => l.includes(p)));
  assert.ok(lines.length <= 1, `ambiguous: ${lines.join(' | ')}`);
  return lines[0]?.split(' ').at(-1);
};

test('every active release has verdict (0/1 for all five decisions) and score series from registration on', async () => {
  await h.call('POST', '/api/v1/releases', { token: TOKENS.operator, body: { release: release('m-1'), spec: SPEC } });
  const text = await scrape();
  assert.match(text, /# TYPE release_health_verdict gauge/);
  const id = 'release_id="m-1"';
  // warming up: continue, never inconclusive (which a gate would read as a pause) for being new
  assert.equal(value(text, 'release_health_verdict', [id, 'decision="continue"']), '1');
  for (const d of ['inconclusive', 'promote', 'reduce-traffic', 'rollback'])
    assert.equal(value(text, 'release_health_verdict', [id, `decision="${d}"`]), '0');
  assert.equal(value(text, 'release_health_score', [id]), '0');
  // the tenant labels are on every series (the dashboards' tenant_tier variable filters them)
  assert.match(text, /release_health_score\{[^}]*tenant="m-1"/);
  assert.match(text, /release_health_score\{[^}]*tenant_tier=""/);
  const registeredAt = (await h.store.getRelease('m-1'))!.registeredAt;
  assert.equal(Number(value(text, 'release_health_registered_timestamp_seconds', [id])), registeredAt / 1000);
  assert.match(text, /service="odoo"/);
  assert.match(text, /environment="production"/);
});

test('after a verdict: decision, score, per-metric effect bounds and evidence; closed releases disappear', async () => {
  await h.store.appendVerdict(engineVerdict('m-1', 'rollback', T0 + 60_000, 40));
  const text = await scrape();
  const id = 'release_id="m-1"';
  assert.equal(value(text, 'release_health_verdict', [id, 'decision="rollback"']), '1');
  assert.equal(value(text, 'release_health_verdict', [id, 'decision="inconclusive"']), '0');
  assert.equal(value(text, 'release_health_score', [id]), '40');
  const lat = 'metric="checkout_latency"';
  assert.equal(value(text, 'release_health_metric_effect', [id, lat, 'bound="relative"']), '0.02');
  assert.equal(value(text, 'release_health_metric_effect', [id, lat, 'bound="low"']), '-0.01');
  assert.equal(value(text, 'release_health_metric_effect', [id, lat, 'bound="high"']), '0.05');
  assert.equal(value(text, 'release_health_metric_evidence', [id, lat]), '3.5');
  // a metric without data: NaN for the effect and its bounds and for the evidence, never a number
  // a query would read as "no change"
  for (const bound of ['relative', 'low', 'high'])
    assert.equal(value(text, 'release_health_metric_effect', [id, 'metric="orders"', `bound="${bound}"`]), 'NaN');
  assert.equal(value(text, 'release_health_metric_evidence', [id, 'metric="orders"']), 'NaN');

  await h.call('POST', '/api/v1/releases/m-1/complete', { token: TOKENS.operator });
  const after = await scrape();
  assert.equal(value(after, 'release_health_verdict', [id, 'decision="rollback"']), undefined);
  assert.match(after, /release_health_gate_requests_total\{/);
});

test('governance shows in the gauges too: a schema change without backup reports inconclusive', async () => {
  await h.call('POST', '/api/v1/releases', {
    token: TOKENS.operator,
    body: { release: release('m-schema', { class: 'schema-change' }), spec: SPEC },
  });
  await h.store.appendVerdict(engineVerdict('m-schema', 'promote', T0 + 60_000, 100));
  const text = await scrape();
  assert.equal(value(text, 'release_health_verdict', ['release_id="m-schema"', 'decision="inconclusive"']), '1');
  assert.equal(value(text, 'release_health_verdict', ['release_id="m-schema"', 'decision="promote"']), '0');
});

test('written in slices with turns of the event loop between them, the page is the same text as in one slice', async () => {
  for (const id of ['m-slice-1', 'm-slice-2', 'm-slice-3']) {
    await h.call('POST', '/api/v1/releases', {
      token: TOKENS.operator,
      body: { release: release(id, { tenant: id }), spec: SPEC },
    });
    await h.store.appendVerdict(engineVerdict(id, 'continue', T0 + 60_000, 70));
  }
  const options = { store: h.store, governance: h.governance, clock: () => T0 + 120_000 };
  const whole = createGateMetrics({ ...options, pointsPerSlice: 1_000_000 });
  const sliced = createGateMetrics({ ...options, pointsPerSlice: 4 });
  try {
    for (const m of [whole, sliced]) m.recordRequest('GET', '/healthz', 200);
    const text = await sliced.collect();
    assert.equal(text, await whole.collect());
    // more than one slice per family, each family's header once
    assert.ok(text.split('\n').filter((l) => l.startsWith('release_health_metric_effect{')).length > 12);
    for (const name of ['release_health_metric_effect', 'release_health_verdict', 'release_health_gate_requests_total'])
      assert.equal(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)).length, 1, name);
    assert.throws(() => createGateMetrics({ ...options, pointsPerSlice: 0 }), /pointsPerSlice/);
  } finally {
    await whole.close();
    await sliced.close();
  }
});
