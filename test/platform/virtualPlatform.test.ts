/**
 * The virtual platform must look like the real one to the collector: same series names and label
 * names as the live Debian exporters and Traefik v3's recorded exposition, parseable by our
 * parser, and with the traffic split and latency distribution it was told to produce (checked
 * against the log-normal CDF, computed here independently of the simulator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { parseExposition, type MetricFamily } from '../../collector/index.ts';
import { createRng, VirtualPostgresExporter, VirtualRedisExporter, VirtualTraefik } from '../../simulator/index.ts';
import { REPO_ROOT, requireService, serviceEnv } from '../integration/helpers.ts';

const labelNames = (families: MetricFamily[], name: string): string[] => {
  const family = families.find((f) => f.name === name);
  assert.ok(family, `family ${name} missing`);
  return [...new Set(family.samples.flatMap((s) => Object.keys(s.labels)))].sort();
};

function traefik(weights: Record<string, number>) {
  return new VirtualTraefik({
    services: [
      { name: 'odoo-primary@file', medianSeconds: 0.2, sigma: 0.5, errorRatio: 0.01 },
      { name: 'odoo-canary@file', medianSeconds: 0.2, sigma: 0.5, errorRatio: 0.01 },
    ],
    weights,
    requestsPerSecond: () => 100,
    rng: createRng(11, 'traefik-test'),
    startAt: 0,
  });
}

test('virtual Traefik: same families and label names as recorded Traefik v3', () => {
  const recorded = parseExposition(
    readFileSync(join(REPO_ROOT, 'collector/textparse/testdata/traefik_v3.prom'), 'utf8'),
  ).families;
  const t = traefik({ 'odoo-primary@file': 90, 'odoo-canary@file': 10 });
  t.advance(60_000);
  const virtual = parseExposition(t.exposition()).families;
  for (const name of [
    'traefik_service_requests_total',
    'traefik_service_request_duration_seconds',
    'traefik_service_server_up',
  ]) {
    assert.deepEqual(labelNames(virtual, name), labelNames(recorded, name), name);
    assert.equal(virtual.find((f) => f.name === name)?.type, recorded.find((f) => f.name === name)?.type);
  }
});

test('virtual Traefik: the split follows the weights and durations follow the log-normal', () => {
  const t = traefik({ 'odoo-primary@file': 90, 'odoo-canary@file': 10 });
  for (let m = 1; m <= 10; m++) t.advance(m * 60_000);
  const families = parseExposition(t.exposition()).families;
  const requests = families.find((f) => f.name === 'traefik_service_requests_total')!;
  const total = (service: string) =>
    requests.samples.filter((s) => s.labels.service === service).reduce((a, s) => a + s.value, 0);
  // 100 rps × 600 s = 60,000 requests; Poisson sd √54000 ≈ 232 and √6000 ≈ 77: 5 sd bounds
  assert.ok(Math.abs(total('odoo-primary@file') - 54_000) < 5 * 232, `primary ${total('odoo-primary@file')}`);
  assert.ok(Math.abs(total('odoo-canary@file') - 6_000) < 5 * 77, `canary ${total('odoo-canary@file')}`);
  const hist = families.find((f) => f.name === 'traefik_service_request_duration_seconds')!;
  const bucket = (le: string) =>
    hist.samples
      .filter((s) => s.name.endsWith('_bucket') && s.labels.service === 'odoo-primary@file' && s.labels.le === le)
      .reduce((a, s) => a + s.value, 0);
  const n = bucket('+Inf');
  for (const le of ['0.1', '0.3', '1']) {
    const expected = normalCdf((Math.log(Number(le)) - Math.log(0.2)) / 0.5, 0, 1);
    const sd = Math.sqrt((expected * (1 - expected)) / n);
    assert.ok(Math.abs(bucket(le) / n - expected) < 5 * sd, `le=${le}: ${bucket(le) / n} vs ${expected}`);
  }
});

test('virtual Traefik: weights moved by the gate shift traffic at the next interval', () => {
  const t = traefik({ 'odoo-primary@file': 50, 'odoo-canary@file': 50 });
  t.advance(60_000);
  t.setWeights({ 'odoo-primary@file': 100, 'odoo-canary@file': 0 });
  const before = parseExposition(t.exposition())
    .families.find((f) => f.name === 'traefik_service_requests_total')!
    .samples.filter((s) => s.labels.service === 'odoo-canary@file')
    .reduce((a, s) => a + s.value, 0);
  t.advance(120_000);
  const after = parseExposition(t.exposition())
    .families.find((f) => f.name === 'traefik_service_requests_total')!
    .samples.filter((s) => s.labels.service === 'odoo-canary@file')
    .reduce((a, s) => a + s.value, 0);
  assert.ok(before > 0);
  assert.equal(after, before, 'no canary request once its weight is 0');
});

test('virtual postgres_exporter and redis_exporter: names and label names of the live exporters', async (t) => {
  if (!(await requireService(t, 'postgres_exporter')) || !(await requireService(t, 'redis_exporter'))) return;
  const live = async (env: string) => parseExposition(await (await fetch(serviceEnv(env)!)).text()).families;
  const pgLive = await live('RH_PG_EXPORTER_URL');
  const redisLive = await live('RH_REDIS_EXPORTER_URL');
  const load = () => 1;
  const pg = new VirtualPostgresExporter(
    [{ datname: 'shop_a', transactionsPerSecond: 20, connections: 10, lockFactor: 1 }],
    load,
    createRng(1, 'pg'),
    0,
  );
  const redis = new VirtualRedisExporter(
    { commandsPerSecond: { get: 100, set: 20 }, secondsPerCommand: 2e-6, clients: 12, memoryBytes: 1e8 },
    load,
    createRng(1, 'redis'),
    0,
  );
  pg.advance(60_000);
  redis.advance(60_000);
  const pgVirtual = parseExposition(pg.exposition()).families;
  const redisVirtual = parseExposition(redis.exposition()).families;
  for (const name of [
    'pg_stat_database_xact_commit',
    'pg_stat_database_xact_rollback',
    'pg_stat_activity_count',
    'pg_locks_count',
    'pg_up',
  ]) {
    assert.deepEqual(labelNames(pgVirtual, name), labelNames(pgLive, name), name);
  }
  for (const name of [
    'redis_commands_total',
    'redis_commands_duration_seconds_total',
    'redis_connected_clients',
    'redis_memory_used_bytes',
    'redis_evicted_keys_total',
  ]) {
    assert.deepEqual(labelNames(redisVirtual, name), labelNames(redisLive, name), name);
  }
});
