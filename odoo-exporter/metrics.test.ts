import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOdooMetrics } from './metrics.ts';
import { COUNTERS, GAUGES, HISTOGRAMS, RESERVATION_BUCKETS, emptyBatch } from './signals.ts';
import { OdooConfigError, parseOdooExporterConfig } from './config.ts';
import { hasSeries, sampleSum } from './testing/helpers.ts';

test('metrics: counters accumulate, gauges of a failed source vanish instead of going stale, served on /metrics', async () => {
  const m = await createOdooMetrics({ port: 0 });
  try {
    const batch = emptyBatch();
    batch.counters.push({ name: COUNTERS.saleCreated, labels: { company: 'A' }, value: 3 });
    batch.gauges.push({ name: GAUGES.queueJobs, labels: { channel: 'root', state: 'pending' }, value: 7 });
    batch.histograms.push({ name: HISTOGRAMS.reservationLatency, labels: { company: 'A' }, values: [2, 40, 4000] });
    m.record(
      'shop',
      [
        { source: 'connection', seconds: 0.001 },
        { source: 'sale_order', batch, seconds: 0.002 },
      ],
      0.003,
      1_000_000,
    );
    m.record(
      'shop',
      [
        { source: 'connection', seconds: 0.001 },
        { source: 'sale_order', batch, seconds: 0.002 },
      ],
      0.003,
      1_060_000,
    );
    let text = await (await fetch(m.url!)).text();
    assert.equal(sampleSum(text, 'odoo_sale_orders_created_total', { db: 'shop', company: 'A' }), 6);
    assert.equal(sampleSum(text, 'odoo_queue_jobs', { db: 'shop', channel: 'root', state: 'pending' }), 7);
    assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { le: '60' }), 4);
    assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_count'), 6);
    assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop' }), 1);
    assert.equal(sampleSum(text, 'odoo_exporter_last_scrape_timestamp_seconds', { db: 'shop' }), 1060);

    m.record(
      'shop',
      [
        { source: 'connection', seconds: 0.001 },
        { source: 'sale_order', error: new Error('canceling statement due to statement timeout'), seconds: 0.5 },
      ],
      0.5,
      1_120_000,
    );
    text = await m.collect();
    assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop' }), 0);
    assert.equal(sampleSum(text, 'odoo_exporter_scrape_errors_total', { db: 'shop', source: 'sale_order' }), 1);
    assert.ok(!hasSeries(text, 'odoo_queue_jobs'), "the failed source's gauges are dropped");
    assert.equal(sampleSum(text, 'odoo_sale_orders_created_total', { company: 'A' }), 6, 'counters keep their value');
    assert.equal((await fetch(m.url!.replace('/metrics', '/nope'))).status, 404);
  } finally {
    await m.close();
  }
});

test('metrics: configured reservation buckets replace the defaults (finer edges for canary analysis); bad ones are refused', async () => {
  const config = parseOdooExporterConfig({ reservationBuckets: [10, 11, 12.1, 13.31] });
  const m = await createOdooMetrics({ serve: false, reservationBuckets: config.reservationBuckets });
  try {
    const batch = emptyBatch();
    batch.histograms.push({
      name: HISTOGRAMS.reservationLatency,
      labels: { company: 'A' },
      values: [10.5, 11.5, 12, 20],
    });
    m.record('shop', [{ source: 'stock', batch, seconds: 0.001 }], 0.001, 1_000_000);
    const text = await m.collect();
    assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { le: '11' }), 1);
    assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { le: '12.1' }), 3);
    assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { le: '+Inf' }), 4);
    assert.doesNotMatch(
      text,
      /odoo_stock_reservation_latency_seconds_bucket\{[^}]*le="60"/,
      'the default edges are gone',
    );
  } finally {
    await m.close();
  }
  assert.equal(parseOdooExporterConfig({}).reservationBuckets.length, RESERVATION_BUCKETS.length);
  assert.throws(() => parseOdooExporterConfig({ reservationBuckets: [5, 5, 6] }), /strictly increasing/);
  assert.throws(() => parseOdooExporterConfig({ reservationBuckets: [-1, 2] }), OdooConfigError);
});
