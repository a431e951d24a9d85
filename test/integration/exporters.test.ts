/**
 * The text parser against the real /metrics of the services started by
 * `bash scripts/services/start.sh`, and Prometheus scraping them.
 *
 * What the Debian 12 packages really expose (seen 2026-11-27; names matter for the dashboards):
 * - prometheus-postgres-exporter 0.11.1 (Prometheus text 0.0.4, ~500 series):
 *   `pg_up` gauge (no labels); `pg_stat_database_<col>` counters/gauges labelled
 *   `{datid, datname, server}` (server = "127.0.0.1:55432"), e.g. `pg_stat_database_xact_commit`,
 *   `_xact_rollback`, `_tup_{fetched,inserted,updated,deleted,returned}`, `_blks_{read,hit}`,
 *   `_deadlocks`, `_numbackends`, `_conflicts_confl_*`, `_sessions*`, `_temp_*`; plus a row with
 *   `datid="0", datname=""` (shared objects). `pg_database_size_bytes{datname,server}`,
 *   `pg_locks_count{datname,mode,server}`, `pg_settings_*` gauges (one per setting, `{server}`),
 *   `pg_stat_bgwriter_*`, `pg_exporter_last_scrape_error`, `pg_exporter_scrapes_total`, `go_*`,
 *   `process_*`, `promhttp_*`.
 * - prometheus-redis-exporter 1.45.0 (text 0.0.4): `redis_up`, `redis_connected_clients`,
 *   `redis_commands_total{cmd}` counter (cmd lower-case, subcommands as "config|get"),
 *   `redis_commands_duration_seconds_total{cmd}`, `redis_db_keys{db="db0"}` (db0..db15),
 *   `redis_db_keys_expiring{db}`, `redis_memory_used_bytes`, `redis_uptime_in_seconds`.
 * - prometheus 2.42.0 (Debian): `prometheus_http_requests_total{code,handler}` counter,
 *   `prometheus_http_request_duration_seconds{handler}` histogram (le 0.1 … 120, +Inf),
 *   `prometheus_http_response_size_bytes{handler}` histogram; `up{instance,job}` via the API.
 * - None of the three negotiates OpenMetrics: asked with
 *   `Accept: application/openmetrics-text; version=1.0.0` they all answer
 *   `text/plain; version=0.0.4; charset=utf-8` (promhttp without EnableOpenMetrics). The test
 *   accepts either answer and checks the parser picks the format the Content-Type names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramBuckets, parseExposition, type MetricFamily, type ParsedExposition } from '../../collector/index.ts';
import { eventually, httpGet, psql, redisCli, requireService } from './helpers.ts';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0';

interface Scrape {
  contentType: string;
  body: string;
  parsed: ParsedExposition;
}

/** Fetches a /metrics endpoint and parses it strictly (duplicates are errors). */
async function scrape(url: string, accept?: string): Promise<Scrape> {
  const res = await httpGet(url, accept ? { Accept: accept } : {});
  const contentType = res.headers.get('content-type') ?? '';
  const body = await res.text();
  const parsed = parseExposition(body, { contentType, duplicates: 'error' });
  assert.deepEqual(parsed.duplicates, [], `${url}: duplicate series`);
  assert.ok(parsed.families.length > 0, `${url}: no families`);
  return { contentType, body, parsed };
}

function family(s: Scrape, name: string): MetricFamily {
  const f = s.parsed.families.find((x) => x.name === name);
  assert.ok(
    f,
    `family ${name} missing; have ${s.parsed.families
      .slice(0, 30)
      .map((x) => x.name)
      .join(', ')}…`,
  );
  return f;
}

/** The value of the single sample named `name` whose labels include `labels`. */
function value(s: Scrape, familyName: string, labels: Record<string, string> = {}, sampleName = familyName): number {
  const f = family(s, familyName);
  const hits = f.samples.filter(
    (x) => x.name === sampleName && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );
  assert.equal(hits.length, 1, `${sampleName}${JSON.stringify(labels)}: ${hits.length} samples`);
  return hits[0].value;
}

test('postgres_exporter: real /metrics parse; pg_up = 1; xact_commit{datname="odoo"} grows with transactions', async (t) => {
  const url = await requireService(t, 'postgres_exporter');
  if (!url) return;
  if (!(await requireService(t, 'postgres'))) return;
  const first = await scrape(url);
  assert.equal(first.parsed.format, 'prometheus');
  assert.match(first.contentType, /^text\/plain;\s*version=0\.0\.4/);
  assert.equal(value(first, 'pg_up'), 1);
  assert.equal(family(first, 'pg_stat_database_xact_commit').type, 'counter');
  const before = value(first, 'pg_stat_database_xact_commit', { datname: 'odoo' });
  assert.ok(before > 0, `xact_commit{datname="odoo"} = ${before}`);

  const n = 20;
  await psql(
    Array.from(
      { length: n },
      (_, i) => `BEGIN; INSERT INTO sale_order (name, amount) VALUES ('it-${i}', ${i}); COMMIT;`,
    ).join(' '),
  );
  // Backends flush their statistics at most once a second: poll.
  const after = await eventually('pg_stat_database_xact_commit{datname="odoo"} to grow', async () => {
    const s = await scrape(url);
    const v = value(s, 'pg_stat_database_xact_commit', { datname: 'odoo' });
    return v >= before + n ? v : undefined;
  });
  assert.ok(after >= before + n, `${before} → ${after}`);
});

test('redis_exporter: real /metrics parse; redis_up = 1; redis_commands_total{cmd="set"} grows with SETs', async (t) => {
  const url = await requireService(t, 'redis_exporter');
  if (!url) return;
  if (!(await requireService(t, 'redis'))) return;
  const first = await scrape(url);
  assert.equal(first.parsed.format, 'prometheus');
  assert.equal(value(first, 'redis_up'), 1);
  assert.ok(value(first, 'redis_connected_clients') >= 1);
  assert.equal(family(first, 'redis_commands_total').type, 'counter');
  const before = value(first, 'redis_commands_total', { cmd: 'set' });

  const n = 7;
  for (let i = 0; i < n; i++) assert.equal((await redisCli('SET', `rh:it:${i}`, String(i))).trim(), 'OK');
  const after = value(await scrape(url), 'redis_commands_total', { cmd: 'set' });
  assert.ok(after >= before + n, `redis_commands_total{cmd="set"}: ${before} → ${after}`);
});

test('prometheus: own /metrics (text 0.0.4) parse; http requests counter and a cumulative histogram', async (t) => {
  const base = await requireService(t, 'prometheus');
  if (!base) return;
  const s = await scrape(`${base}/metrics`);
  assert.equal(s.parsed.format, 'prometheus');
  const requests = family(s, 'prometheus_http_requests_total');
  assert.equal(requests.type, 'counter');
  assert.ok(requests.samples.some((x) => x.labels.handler === '/metrics' && x.labels.code === '200' && x.value > 0));

  const hist = family(s, 'prometheus_http_request_duration_seconds');
  assert.equal(hist.type, 'histogram');
  const series = histogramBuckets(hist);
  assert.ok(series.length > 0);
  for (const h of series) {
    assert.equal(h.le.at(-1), Infinity, `${JSON.stringify(h.labels)}: last bucket is not +Inf`);
    for (let i = 1; i < h.le.length; i++) {
      assert.ok(h.le[i] > h.le[i - 1]);
      assert.ok(h.cumulative[i] >= h.cumulative[i - 1], `${JSON.stringify(h.labels)}: buckets not cumulative`);
    }
    assert.equal(h.count, h.cumulative.at(-1));
    assert.ok(h.sum !== undefined && h.sum >= 0);
  }
  assert.ok(series.some((h) => h.labels.handler === '/metrics'));
});

test('prometheus: asked for OpenMetrics, the answer parses in the format its Content-Type names', async (t) => {
  const base = await requireService(t, 'prometheus');
  if (!base) return;
  const s = await scrape(`${base}/metrics`, OPENMETRICS_ACCEPT);
  if (/^application\/openmetrics-text/.test(s.contentType)) {
    assert.equal(s.parsed.format, 'openmetrics');
    assert.match(s.body, /# EOF\n?$/);
    assert.equal(family(s, 'prometheus_http_requests').type, 'counter');
  } else {
    // Prometheus 2.42 (Debian 12) does not negotiate OpenMetrics on its own /metrics.
    assert.match(s.contentType, /^text\/plain;\s*version=0\.0\.4/);
    assert.equal(s.parsed.format, 'prometheus');
    t.diagnostic(`Prometheus answered ${s.contentType} to Accept: ${OPENMETRICS_ACCEPT}`);
  }
  histogramBuckets(family(s, 'prometheus_http_request_duration_seconds'));
});

test('prometheus: scrapes both exporters (API query up == 1)', async (t) => {
  const base = await requireService(t, 'prometheus');
  if (!base) return;
  interface QueryResponse {
    status: string;
    data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  }
  const jobs = await eventually('up == 1 for jobs postgres, redis and prometheus', async () => {
    const res = await httpGet(`${base}/api/v1/query?query=${encodeURIComponent('up')}`);
    const body = (await res.json()) as QueryResponse;
    assert.equal(body.status, 'success');
    assert.equal(body.data.resultType, 'vector');
    const up = new Map(body.data.result.map((r) => [r.metric.job, Number(r.value[1])]));
    if (up.get('postgres') === 1 && up.get('redis') === 1 && up.get('prometheus') === 1) return up;
    throw new Error(`up by job: ${JSON.stringify(Object.fromEntries(up))}`);
  });
  assert.equal(jobs.get('postgres'), 1);
  assert.equal(jobs.get('redis'), 1);
});
