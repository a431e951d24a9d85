import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Release } from '../../analyzer/types.ts';
import type { SampleBatch } from '../bus/index.ts';
import { parseExposition } from '../textparse/index.ts';
import type { ScrapeResult } from '../scrape/index.ts';
import { startMetricsServer } from '../scrape/testing/server.ts';
import { ReleaseCollector, TemplateError } from './index.ts';

const release = (over: Partial<Release>): Release => ({
  id: 'r1',
  service: 'odoo',
  version: '17.0.6',
  baselineVersion: '17.0.5',
  environment: 'production',
  strategy: 'canary',
  class: 'standard',
  startedAt: 0,
  ...over,
});

const TRAEFIK_TEMPLATE = {
  name: 'traefik',
  url: 'http://127.0.0.1:1/metrics',
  metrics: [
    {
      name: 'traefik_service_requests_total',
      as: 'requests_total',
      kind: 'counter',
      cohorts: {
        by: 'label',
        label: 'service',
        baseline: ['{{release.service}}-primary@file'],
        canary: ['{{release.service}}-canary@file'],
      },
    },
  ],
};

function scrape(target: string, ts: number, text: string): ScrapeResult {
  return {
    target,
    ts,
    format: 'prometheus',
    families: parseExposition(text).families,
    bytes: text.length,
    durationMs: 1,
  };
}

function traefikText(counts: Record<string, number>): string {
  return (
    [
      '# TYPE traefik_service_requests_total counter',
      ...Object.entries(counts).map(
        ([service, n]) => `traefik_service_requests_total{service="${service}",code="200"} ${n}`,
      ),
    ].join('\n') + '\n'
  );
}

test('one scrape serves every release with its own cohorts; counters become per-interval increments', async () => {
  const batches: SampleBatch[] = [];
  const collector = new ReleaseCollector({ targets: [TRAEFIK_TEMPLATE], publish: async (b) => void batches.push(b) });
  collector.addRelease(release({ id: 'odoo-rel', service: 'odoo' }));
  collector.addRelease(release({ id: 'shop-rel', service: 'shop' }));
  await collector.ingest(
    scrape(
      'traefik',
      1000,
      traefikText({ 'odoo-primary@file': 100, 'odoo-canary@file': 10, 'shop-primary@file': 50, 'shop-canary@file': 5 }),
    ),
  );
  assert.equal(batches.length, 0, 'first scrape: no increment yet, so nothing (never zeros)');
  await collector.ingest(
    scrape(
      'traefik',
      16000,
      traefikText({ 'odoo-primary@file': 190, 'odoo-canary@file': 20, 'shop-primary@file': 80, 'shop-canary@file': 8 }),
    ),
  );
  assert.equal(batches.length, 2);
  const byRelease = Object.fromEntries(
    batches.map((b) => [b.releaseId, Object.fromEntries(b.samples.map((s) => [s.cohort, s.value]))]),
  );
  // increments: odoo 190-100=90 / 20-10=10; shop 80-50=30 / 8-5=3
  assert.deepEqual(byRelease['odoo-rel'], { baseline: 90, canary: 10 });
  assert.deepEqual(byRelease['shop-rel'], { baseline: 30, canary: 3 });
  for (const b of batches) {
    assert.equal(b.producer, 'scrape:traefik');
    assert.equal(b.sequence, 16000);
  }
});

test('match limits a target to the releases it serves; removeRelease stops publishing', async () => {
  const batches: SampleBatch[] = [];
  const collector = new ReleaseCollector({
    targets: [{ ...TRAEFIK_TEMPLATE, match: { service: ['odoo'] } }],
    publish: async (b) => void batches.push(b),
  });
  collector.addRelease(release({ id: 'odoo-rel', service: 'odoo' }));
  collector.addRelease(release({ id: 'shop-rel', service: 'shop' }));
  await collector.ingest(
    scrape(
      'traefik',
      1000,
      traefikText({ 'odoo-primary@file': 1, 'odoo-canary@file': 1, 'shop-primary@file': 1, 'shop-canary@file': 1 }),
    ),
  );
  await collector.ingest(
    scrape(
      'traefik',
      2000,
      traefikText({ 'odoo-primary@file': 2, 'odoo-canary@file': 2, 'shop-primary@file': 2, 'shop-canary@file': 2 }),
    ),
  );
  assert.deepEqual(
    batches.map((b) => b.releaseId),
    ['odoo-rel'],
  );
  collector.removeRelease('odoo-rel');
  await collector.ingest(scrape('traefik', 3000, traefikText({ 'odoo-primary@file': 3, 'odoo-canary@file': 3 })));
  assert.equal(batches.length, 1);
});

test('tenant waves: "{{release.tenant}}" expands a comma-separated list; the other tenants are the baseline', async () => {
  const batches: SampleBatch[] = [];
  const target = {
    name: 'odoo',
    url: 'http://127.0.0.1:1/metrics',
    metrics: [
      {
        name: 'odoo_sale_orders_confirmed_total',
        as: 'orders_confirmed_total',
        kind: 'counter',
        cohorts: { by: 'tenant', label: 'db', canary: ['{{release.tenant}}'] },
      },
    ],
  };
  const collector = new ReleaseCollector({ targets: [target], publish: async (b) => void batches.push(b) });
  collector.addRelease(release({ tenant: 'shop_a, shop_b' }));
  const text = (a: number, b: number, c: number) =>
    `# TYPE odoo_sale_orders_confirmed_total counter\nodoo_sale_orders_confirmed_total{db="shop_a"} ${a}\nodoo_sale_orders_confirmed_total{db="shop_b"} ${b}\nodoo_sale_orders_confirmed_total{db="shop_c"} ${c}\n`;
  await collector.ingest(scrape('odoo', 1000, text(10, 20, 30)));
  await collector.ingest(scrape('odoo', 2000, text(11, 23, 37)));
  const values = Object.fromEntries(batches[0].samples.map((s) => [s.cohort, s.value]));
  assert.deepEqual(values, { canary: 1 + 3, baseline: 7 });
});

test('template errors: unknown placeholder fails at load; a release lacking a field is reported, others go on', () => {
  const bad = structuredClone(TRAEFIK_TEMPLATE);
  bad.metrics[0].cohorts.canary = ['{{release.colour}}'];
  assert.throws(() => new ReleaseCollector({ targets: [bad], publish: async () => {} }), TemplateError);
  assert.throws(
    () => new ReleaseCollector({ targets: [TRAEFIK_TEMPLATE, TRAEFIK_TEMPLATE], publish: async () => {} }),
    /used twice/,
  );

  const versioned = structuredClone(TRAEFIK_TEMPLATE);
  versioned.metrics[0].cohorts = {
    by: 'label',
    label: 'version',
    baseline: ['{{release.baselineVersion}}'],
    canary: ['{{release.version}}'],
  };
  const errors: string[] = [];
  const collector = new ReleaseCollector({
    targets: [versioned],
    publish: async () => {},
    onError: (e) => errors.push(e.message),
  });
  const problems = collector.addRelease(release({ id: 'no-baseline', baselineVersion: undefined }));
  assert.equal(problems.length, 1);
  assert.match(errors[0], /release "no-baseline" has no baselineVersion/);
  assert.deepEqual(collector.releaseIds(), ['no-baseline']);
});

test('time cohorts take the release start from the release', async () => {
  const batches: SampleBatch[] = [];
  const target = {
    name: 'pg',
    url: 'http://127.0.0.1:1/metrics',
    metrics: [
      {
        name: 'pg_stat_database_xact_commit',
        as: 'commits_total',
        kind: 'counter',
        cohorts: { by: 'time', releaseStartedAt: '{{release.startedAt}}' },
      },
    ],
  };
  const collector = new ReleaseCollector({ targets: [target], publish: async (b) => void batches.push(b) });
  collector.addRelease(release({ strategy: 'before-after', startedAt: 2500 }));
  const text = (n: number) =>
    `# TYPE pg_stat_database_xact_commit counter\npg_stat_database_xact_commit{datname="odoo"} ${n}\n`;
  await collector.ingest(scrape('pg', 1000, text(1)));
  await collector.ingest(scrape('pg', 2000, text(3)));
  await collector.ingest(scrape('pg', 3000, text(6)));
  assert.deepEqual(
    batches.map((b) => b.samples.map((s) => [s.cohort, s.value])),
    [[['baseline', 2]], [['canary', 3]]],
  );
});

test(
  'real HTTP: the loop scrapes on its interval, a failing target is reported and retried',
  { timeout: 60_000 },
  async () => {
    const server = await startMetricsServer(traefikText({ 'odoo-primary@file': 1, 'odoo-canary@file': 1 }));
    const batches: SampleBatch[] = [];
    const errors: string[] = [];
    // every third answer is a 500 (not only the second: on a starved machine one answer may come
    // after the scrape's timeout, and the test must not depend on which one)
    server.state.onRequest = (count) => {
      server.state.status = count % 3 === 2 ? 500 : 200;
      server.state.body = traefikText({ 'odoo-primary@file': count * 10, 'odoo-canary@file': count });
    };
    const collector = new ReleaseCollector({
      targets: [{ ...TRAEFIK_TEMPLATE, url: server.url, intervalMs: 200, timeoutMs: 200 }],
      publish: async (b) => void batches.push(b),
      onError: (e) => errors.push(e.message),
    });
    collector.addRelease(release({}));
    collector.start();
    // until a 500 was reported and two batches came after it
    let batchesAtFirst500 = -1;
    while (batchesAtFirst500 < 0 || batches.length < batchesAtFirst500 + 2) {
      if (batchesAtFirst500 < 0 && errors.some((m) => /HTTP 500/.test(m))) batchesAtFirst500 = batches.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    await collector.stop();
    await server.close();
    assert.ok(
      errors.every((m) => /HTTP 500|timeoutMs/.test(m)),
      `only the 500s (and a timeout on a starved machine) are reported: ${errors.join(' | ')}`,
    );
    for (const b of batches) assert.ok(b.samples.every((s) => s.value > 0));
  },
);

test('select: one Traefik counter feeds both requests and 5xx errors, each with its own increments', async () => {
  const batches: SampleBatch[] = [];
  const target = {
    ...TRAEFIK_TEMPLATE,
    metrics: [
      TRAEFIK_TEMPLATE.metrics[0],
      { ...TRAEFIK_TEMPLATE.metrics[0], as: 'errors_total', select: { code: [{ regex: '5..' }] } },
    ],
  };
  const collector = new ReleaseCollector({ targets: [target], publish: async (b) => void batches.push(b) });
  collector.addRelease(release({}));
  const text = (ok: number, bad: number) =>
    `# TYPE traefik_service_requests_total counter\ntraefik_service_requests_total{service="odoo-canary@file",code="200"} ${ok}\ntraefik_service_requests_total{service="odoo-canary@file",code="502"} ${bad}\ntraefik_service_requests_total{service="odoo-canary@file",code="404"} 7\n`;
  await collector.ingest(scrape('traefik', 1000, text(100, 5)));
  await collector.ingest(scrape('traefik', 2000, text(130, 9)));
  const values = Object.fromEntries(batches[0].samples.map((s) => [s.metric, s.value]));
  // requests: (130-100) + (9-5) + (7-7) = 34; errors: 9-5 = 4 (the 404 is not a 5xx)
  assert.deepEqual(values, { requests_total: 34, errors_total: 4 });
});
