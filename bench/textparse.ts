import { createExpositionParser, parseExposition } from '../collector/index.ts';
import { bestOf, seeded } from './timing.ts';

/**
 * Text-format parsing throughput (Collector issue; target ≥ 2,000,000 samples/s on one core).
 * Builds a seeded 50,000-series Prometheus 0.0.4 exposition shaped like a real scrape set —
 * Traefik per-service counters and request-duration histograms (default buckets), PostgreSQL
 * and Redis exporter series, summaries with quantiles, kube-state-metrics-style series with
 * many labels — and its OpenMetrics twin, then parses the UTF-8 bytes (decoding included),
 * best of several runs after warming every case:
 * - `pull`: `next()` plus name, value and timestamp per sample (what a streaming consumer reads);
 * - `pull+labels`: the same plus a decoded labels object per sample;
 * - `parseExposition`: typed families with every cross-line check (duplicates included).
 */
export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const prom = buildExposition(50_000, 7, 'prometheus');
  const om = buildExposition(50_000, 7, 'openmetrics');
  const runs = quick ? 3 : 10;
  const figures: Record<string, unknown> = {
    series: prom.samples,
    bytes: prom.body.length,
    openmetricsBytes: om.body.length,
  };
  const cases: [string, Buffer, (body: Buffer) => number][] = [
    ['pull', prom.body, pull],
    ['pullLabels', prom.body, pullLabels],
    ['parseExposition', prom.body, countSamples],
    ['openmetricsPull', om.body, pull],
    ['openmetricsParseExposition', om.body, countSamples],
  ];
  // Warm every case first: the parsers share code, and a collector meets both formats.
  for (let i = 0; i < (quick ? 1 : 3); i++) for (const [, body, fn] of cases) fn(body);
  for (const [name, body, fn] of cases) {
    const { ms, result } = bestOf(runs, () => fn(body));
    if (result !== prom.samples) throw new Error(`${name}: parsed ${result} samples, built ${prom.samples}`);
    const samplesPerSecond = Math.round(result / (ms / 1000));
    const mbPerSecond = Number((body.length / 1e6 / (ms / 1000)).toFixed(1));
    console.log(
      `${name.padEnd(27)} ${result.toLocaleString('en-US')} samples, ${(body.length / 1e6).toFixed(2)} MB: ${ms.toFixed(1)} ms → ` +
        `${samplesPerSecond.toLocaleString('en-US')} samples/s, ${mbPerSecond} MB/s`,
    );
    figures[name] = { ms: Number(ms.toFixed(2)), samplesPerSecond, mbPerSecond };
  }
  return figures;
}

function pull(body: Buffer): number {
  const parser = createExpositionParser(body);
  let samples = 0;
  let checksum = 0;
  for (let entry = parser.next(); entry !== 'eof'; entry = parser.next()) {
    if (entry !== 'series') continue;
    samples++;
    checksum += parser.metricName().length + (parser.timestamp() ?? 0);
    const v = parser.value();
    if (v === v) checksum += v;
  }
  if (checksum === -1) console.log(checksum);
  return samples;
}

function pullLabels(body: Buffer): number {
  const parser = createExpositionParser(body);
  let samples = 0;
  let labelCount = 0;
  for (let entry = parser.next(); entry !== 'eof'; entry = parser.next()) {
    if (entry !== 'series') continue;
    samples++;
    const labels = parser.labels();
    for (const _ in labels) labelCount++;
    if (parser.value() === -1) labelCount--;
  }
  if (labelCount === -1) console.log(labelCount);
  return samples;
}

function countSamples(body: Buffer): number {
  let n = 0;
  for (const family of parseExposition(body).families) n += family.samples.length;
  return n;
}

const TRAEFIK_BUCKETS = ['0.1', '0.3', '1.2', '5', '+Inf'];
const CODES = [
  '200',
  '201',
  '204',
  '301',
  '302',
  '304',
  '400',
  '401',
  '403',
  '404',
  '409',
  '422',
  '429',
  '500',
  '502',
  '503',
  '504',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** A seeded exposition of exactly `target` samples (about 150 bytes per line), in either text format. */
export function buildExposition(
  target: number,
  seed: number,
  format: 'prometheus' | 'openmetrics',
): { body: Buffer; samples: number } {
  const random = seeded(seed);
  const om = format === 'openmetrics';
  const lines: string[] = [];
  let samples = 0;
  const family = (name: string, type: string, help: string): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: string, value: string): void => {
    lines.push(`${name}${labels} ${value}`);
    samples++;
  };
  const left = (): number => target - samples;
  const int = (max: number): string => String(Math.floor(random() * max));

  // Traefik v3 per-service metrics: 8 lines per (service, code, method).
  const services = Array.from(
    { length: 60 },
    (_, i) => `${['odoo', 'api', 'shop', 'auth', 'media'][i % 5]}-${i}@kubernetescrd`,
  );
  const combos: string[] = [];
  for (const service of services)
    for (const code of CODES)
      for (const method of METHODS)
        combos.push(`code="${code}",method="${method}",protocol="http",service="${service}"`);
  const traefikCombos = combos.slice(0, Math.floor((target * 0.6) / 8));
  const requests = om ? 'traefik_service_requests' : 'traefik_service_requests_total';
  family(
    requests,
    'counter',
    'How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
  );
  for (const labels of traefikCombos) sample('traefik_service_requests_total', `{${labels}}`, int(5e6));
  family(
    'traefik_service_request_duration_seconds',
    'histogram',
    'How long it took to process the request on a service, partitioned by status code, protocol, and method.',
  );
  for (const labels of traefikCombos) {
    let cumulative = Math.floor(random() * 1000);
    for (const le of TRAEFIK_BUCKETS) {
      sample('traefik_service_request_duration_seconds_bucket', `{${labels},le="${le}"}`, String(cumulative));
      cumulative += Math.floor(random() * 500);
    }
    sample('traefik_service_request_duration_seconds_sum', `{${labels}}`, (random() * 1e5).toFixed(6));
    sample('traefik_service_request_duration_seconds_count', `{${labels}}`, String(cumulative));
  }

  // postgres_exporter: per-database and per-table series.
  const pgMetrics = [
    'xact_commit',
    'xact_rollback',
    'blks_read',
    'blks_hit',
    'tup_returned',
    'tup_fetched',
    'tup_inserted',
    'tup_updated',
    'tup_deleted',
    'deadlocks',
  ];
  for (const metric of pgMetrics) {
    const name = `pg_stat_database_${metric}`;
    family(name, om ? 'unknown' : 'untyped', `Number of ${metric.replace('_', ' ')} in this database`);
    for (let d = 0; d < 40 && left() > 0; d++)
      sample(name, `{datid="${16384 + d}",datname="tenant_${d}",server="pg-0.db:5432"}`, int(1e9));
  }
  family('pg_stat_user_tables_n_live_tup', 'gauge', 'Estimated number of live rows');
  for (let t = 0; t < 2500 && left() > 0; t++)
    sample(
      'pg_stat_user_tables_n_live_tup',
      `{datname="tenant_${t % 40}",relname="${['sale_order', 'stock_move', 'account_move_line', 'res_partner', 'product_product'][t % 5]}_${t}",schemaname="public",server="pg-0.db:5432"}`,
      int(1e7),
    );

  // redis_exporter.
  family(
    om ? 'redis_commands_duration_seconds' : 'redis_commands_duration_seconds_total',
    'counter',
    'Total amount of time in seconds spent per command',
  );
  for (let c = 0; c < 200 && left() > 0; c++)
    sample(
      'redis_commands_duration_seconds_total',
      `{addr="redis-0:6379",alias="sessions",cmd="cmd${c}"}`,
      (random() * 1e4).toFixed(3),
    );

  // Summaries with quantiles (NaN where a quantile has no observations yet).
  family('odoo_http_request_duration_seconds', 'summary', 'Odoo request latency by controller.');
  for (let h = 0; h < 600 && left() >= 5; h++) {
    const labels = `controller="/web/dataset/call_kw/model_${h}",db="tenant_${h % 40}"`;
    for (const q of ['0.5', '0.9', '0.99'])
      sample(
        'odoo_http_request_duration_seconds',
        `{${labels},quantile="${q}"}`,
        h % 17 === 0 ? 'NaN' : (random() * 2).toFixed(4),
      );
    sample('odoo_http_request_duration_seconds_sum', `{${labels}}`, (random() * 1e5).toFixed(3));
    sample('odoo_http_request_duration_seconds_count', `{${labels}}`, int(1e6));
  }

  // kube-state-metrics style: many labels per series, fills up to the target.
  const restarts = om ? 'kube_pod_container_status_restarts' : 'kube_pod_container_status_restarts_total';
  family(restarts, 'counter', 'The number of container restarts per container.');
  for (let i = 0; left() > 0; i++) {
    const uid = Math.floor(random() * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
    sample(
      'kube_pod_container_status_restarts_total',
      `{container="worker-${i % 7}",instance="10.0.${i % 250}.${i % 199}:8080",job="kube-state-metrics",namespace="retail-${i % 12}",node="node-${i % 48}",pod="odoo-worker-${i}-${uid}",uid="${uid}-4b1e-9c2d-${i}"}`,
      int(20),
    );
  }
  if (om) lines.push('# EOF');
  return { body: Buffer.from(`${lines.join('\n')}\n`, 'utf8'), samples };
}
