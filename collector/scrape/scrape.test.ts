import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../analyzer/types.ts';
import {
  ScrapeConverter,
  ScrapeError,
  SCRAPE_ACCEPT,
  parseScrapeTarget,
  scrapeOnce,
  type ScrapeTarget,
} from './index.ts';
import { startMetricsServer, type MetricsServer } from './testing/server.ts';

// Every expected number below is worked out by hand from the exposition served in that step;
// the comment next to it shows the arithmetic.

let server: MetricsServer;
before(async () => (server = await startMetricsServer()));
after(() => server.close());

const traefikCohorts = {
  by: 'label',
  label: 'service',
  baseline: ['odoo-stable@file'],
  canary: ['odoo-canary@file'],
} as const;

// a timeout as long as the interval: a local answer on a loaded two-core machine can take longer
// than half a second, and the tests that are about timeouts set their own
function target(metrics: unknown[], extra: Record<string, unknown> = {}): ScrapeTarget {
  return parseScrapeTarget({ name: 'traefik', url: server.url, intervalMs: 5000, timeoutMs: 5000, metrics, ...extra });
}

function serve(body: string, status = 200): void {
  Object.assign(server.state, {
    body,
    status,
    mode: 'normal',
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  });
}

/** Scrapes once and converts; returns samples sorted by cohort and le for stable comparison. */
async function step(conv: ScrapeConverter): Promise<{ samples: Sample[]; ignored: Record<string, number> }> {
  const { samples, ignored, problems } = conv.convert(await scrapeOnce(conv.target));
  assert.deepStrictEqual(problems, []);
  return { samples, ignored };
}

function values(samples: Sample[]): Record<string, number> {
  return Object.fromEntries(
    samples.map((s) => [`${s.cohort}${s.labels?.le === undefined ? '' : ` le=${s.labels.le}`}`, s.value]),
  );
}

const requests = (
  stable200: number,
  stable500: number,
  canary200: number,
  canary500: number,
  grafana: number,
): string =>
  [
    '# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
    '# TYPE traefik_service_requests_total counter',
    `traefik_service_requests_total{code="200",method="GET",protocol="http",service="odoo-stable@file"} ${stable200}`,
    `traefik_service_requests_total{code="500",method="GET",protocol="http",service="odoo-stable@file"} ${stable500}`,
    `traefik_service_requests_total{code="200",method="GET",protocol="http",service="odoo-canary@file"} ${canary200}`,
    `traefik_service_requests_total{code="500",method="GET",protocol="http",service="odoo-canary@file"} ${canary500}`,
    `traefik_service_requests_total{code="200",method="GET",protocol="http",service="grafana@file"} ${grafana}`,
    '',
  ].join('\n');

test('counters: per-cohort increments summed over series, a reset handled like Prometheus, unmatched series counted', async () => {
  const conv = new ScrapeConverter(
    target([{ name: 'traefik_service_requests_total', as: 'requests', kind: 'counter', cohorts: traefikCohorts }]),
  );
  serve(requests(1000, 10, 100, 2, 50));
  const first = await step(conv);
  assert.deepStrictEqual(first.samples, []); // first sight of every series: no data, not zero
  assert.deepStrictEqual(first.ignored, { requests: 1 }); // grafana@file matches no cohort

  serve(requests(1300, 12, 130, 5, 60));
  const second = await step(conv);
  // baseline (1300−1000)+(12−10) = 302; canary (130−100)+(5−2) = 33
  assert.deepStrictEqual(values(second.samples), { baseline: 302, canary: 33 });
  assert.equal(second.samples[0].metric, 'requests');
  assert.equal(typeof second.samples[0].ts, 'number');

  // the canary pod restarted: 130 → 7 and 5 → 0 are resets; the new values are the increase
  serve(requests(1600, 12, 7, 0, 70));
  // baseline (1600−1300)+(12−12) = 300; canary 7 + 0 = 7
  assert.deepStrictEqual(values((await step(conv)).samples), { baseline: 300, canary: 7 });
});

const orders = (rows: [string, string, number][]): string =>
  [
    '# TYPE odoo_orders_confirmed_total counter',
    ...rows.map(([version, pod, v]) => `odoo_orders_confirmed_total{pod="${pod}",version="${version}"} ${v}`),
    '',
  ].join('\n');

test('counters across pods (version label): restart of one pod, a new pod, target labels on samples', async () => {
  const conv = new ScrapeConverter(
    target(
      [
        {
          name: 'odoo_orders_confirmed_total',
          as: 'orders',
          kind: 'counter',
          cohorts: { by: 'label', label: 'version', baseline: ['17.0.41'], canary: ['17.0.42'] },
        },
      ],
      {
        labels: { environment: 'prod' },
      },
    ),
  );
  serve(
    orders([
      ['17.0.41', 'a', 100],
      ['17.0.41', 'b', 200],
      ['17.0.42', 'c', 50],
    ]),
  );
  await step(conv);
  serve(
    orders([
      ['17.0.41', 'a', 110],
      ['17.0.41', 'b', 230],
      ['17.0.42', 'c', 58],
    ]),
  );
  const second = (await step(conv)).samples;
  assert.deepStrictEqual(values(second), { baseline: 40, canary: 8 }); // (10 + 30), 8
  assert.deepStrictEqual(second[0].labels, { environment: 'prod' });
  // pod b restarted (230 → 5); pod d is new (no increment yet)
  serve(
    orders([
      ['17.0.41', 'a', 115],
      ['17.0.41', 'b', 5],
      ['17.0.42', 'c', 60],
      ['17.0.42', 'd', 3],
    ]),
  );
  assert.deepStrictEqual(values((await step(conv)).samples), { baseline: 10, canary: 2 }); // 5 + 5; 2
  serve(
    orders([
      ['17.0.41', 'a', 120],
      ['17.0.41', 'b', 9],
      ['17.0.42', 'c', 61],
      ['17.0.42', 'd', 10],
    ]),
  );
  assert.deepStrictEqual(values((await step(conv)).samples), { baseline: 9, canary: 8 }); // 5 + 4; 1 + 7
});

const LE = ['0.1', '0.3', '1.2', '5', '+Inf'];
function histo(service: string, code: string, method: string, cumulative: number[], sum: number): string[] {
  const labels = `code="${code}",method="${method}",protocol="http",service="${service}"`;
  return [
    ...cumulative.map((c, i) => `traefik_service_request_duration_seconds_bucket{${labels},le="${LE[i]}"} ${c}`),
    `traefik_service_request_duration_seconds_sum{${labels}} ${sum}`,
    `traefik_service_request_duration_seconds_count{${labels}} ${cumulative[cumulative.length - 1]}`,
  ];
}
const durations = (...series: string[][]): string =>
  [
    '# HELP traefik_service_request_duration_seconds How long it took to process the request on a service, partitioned by status code, protocol, and method.',
    '# TYPE traefik_service_request_duration_seconds histogram',
    ...series.flat(),
    '',
  ].join('\n');

test('histograms (Traefik v3 default buckets): deltas, non-cumulative per le, summed per cohort, reset of one series', async () => {
  const conv = new ScrapeConverter(
    target([
      { name: 'traefik_service_request_duration_seconds', as: 'latency', kind: 'histogram', cohorts: traefikCohorts },
    ]),
  );
  serve(
    durations(
      histo('odoo-canary@file', '200', 'GET', [100, 150, 160, 161, 161], 30),
      histo('odoo-canary@file', '500', 'POST', [0, 1, 5, 7, 7], 9),
      histo('odoo-stable@file', '200', 'GET', [1000, 1300, 1400, 1405, 1406], 250),
    ),
  );
  assert.deepStrictEqual((await step(conv)).samples, []);

  serve(
    durations(
      histo('odoo-canary@file', '200', 'GET', [110, 170, 185, 187, 188], 36),
      histo('odoo-canary@file', '500', 'POST', [0, 1, 6, 9, 10], 15),
      histo('odoo-stable@file', '200', 'GET', [1090, 1400, 1510, 1516, 1518], 270),
    ),
  );
  const second = (await step(conv)).samples;
  // canary GET: deltas [10,20,25,26,27] → [10,10,5,1,1]; canary POST: deltas [0,0,1,2,3] → [0,0,1,1,1]; sum [10,10,6,2,2]
  // stable: deltas [90,100,110,111,112] → [90,10,10,1,1]
  assert.deepStrictEqual(values(second), {
    'canary le=0.1': 10,
    'canary le=0.3': 10,
    'canary le=1.2': 6,
    'canary le=5': 2,
    'canary le=+Inf': 2,
    'baseline le=0.1': 90,
    'baseline le=0.3': 10,
    'baseline le=1.2': 10,
    'baseline le=5': 1,
    'baseline le=+Inf': 1,
  });
  assert.deepStrictEqual(second.map((s) => s.labels?.le).slice(0, 5), LE); // one sample per bucket, ascending, Prometheus's spelling

  // the canary GET series restarted (count 188 → 6): its current counts [4,2,0,0,0] are the increase; POST unchanged
  serve(
    durations(
      histo('odoo-canary@file', '200', 'GET', [4, 6, 6, 6, 6], 1),
      histo('odoo-canary@file', '500', 'POST', [0, 1, 6, 9, 10], 15),
      histo('odoo-stable@file', '200', 'GET', [1100, 1410, 1520, 1526, 1528], 272),
    ),
  );
  // stable: deltas [10,10,10,10,10] → [10,0,0,0,0]
  assert.deepStrictEqual(values((await step(conv)).samples), {
    'canary le=0.1': 4,
    'canary le=0.3': 2,
    'canary le=1.2': 0,
    'canary le=5': 0,
    'canary le=+Inf': 0,
    'baseline le=0.1': 10,
    'baseline le=0.3': 0,
    'baseline le=1.2': 0,
    'baseline le=5': 0,
    'baseline le=+Inf': 0,
  });
});

test('gauges: one sample per series with its labels; NaN stays NaN; a series without the tenant label is ignored', async () => {
  const conv = new ScrapeConverter(
    target([
      {
        name: 'odoo_queue_job_pending',
        as: 'queue',
        kind: 'gauge',
        cohorts: { by: 'tenant', label: 'tenant', canary: ['acme', 'globex'] },
      },
    ]),
  );
  serve(
    [
      '# TYPE odoo_queue_job_pending gauge',
      'odoo_queue_job_pending{tenant="acme"} 12',
      'odoo_queue_job_pending{tenant="globex"} NaN',
      'odoo_queue_job_pending{tenant="initech"} 30',
      'odoo_queue_job_pending 42',
      '',
    ].join('\n'),
  );
  const { samples, ignored } = await step(conv);
  assert.deepStrictEqual(
    samples.map((s) => [s.cohort, s.labels?.tenant, s.value]),
    [
      ['canary', 'acme', 12],
      ['canary', 'globex', Number.NaN],
      ['baseline', 'initech', 30],
    ],
  );
  assert.deepStrictEqual(ignored, { queue: 1 });
});

test('OpenMetrics: Accept asks for it, Content-Type selects it, family `x` found for configured `x_total`', async () => {
  const conv = new ScrapeConverter(
    target([
      {
        name: 'traefik_service_requests_total',
        as: 'requests',
        kind: 'counter',
        cohorts: { by: 'time', releaseStartedAt: 0 },
      },
    ]),
  );
  const body = (v: number): string =>
    `# TYPE traefik_service_requests counter\ntraefik_service_requests_total{service="odoo@file"} ${v}\n# EOF\n`;
  serve(body(5));
  server.state.contentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
  const result = await scrapeOnce(conv.target);
  assert.equal(result.format, 'openmetrics');
  assert.equal(server.state.requests.at(-1)?.accept, SCRAPE_ACCEPT);
  conv.convert(result);
  serve(body(8));
  server.state.contentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
  assert.deepStrictEqual(values((await step(conv)).samples), { canary: 3 }); // 8 − 5, after the release start (time mapping)
});

async function scrapeError(t: ScrapeTarget): Promise<ScrapeError> {
  try {
    await scrapeOnce(t);
  } catch (error) {
    assert.ok(error instanceof ScrapeError, String(error));
    return error;
  }
  assert.fail('expected a ScrapeError');
}

const counterMetric = [{ name: 'x_total', as: 'x', kind: 'counter', cohorts: { by: 'time', releaseStartedAt: 0 } }];

test('a 500 answer is an error naming the target and the status', async () => {
  serve('oops', 500);
  const error = await scrapeError(target(counterMetric));
  assert.equal(error.kind, 'http-status');
  assert.equal(error.status, 500);
  assert.match(error.message, /target "traefik".*HTTP 500 Internal Server Error/);
});

test('a server that never answers times out after timeoutMs', async () => {
  server.state.mode = 'hang';
  const t0 = Date.now();
  const error = await scrapeError(target(counterMetric, { intervalMs: 10_000, timeoutMs: 150 }));
  assert.equal(error.kind, 'timeout');
  assert.match(error.message, /target "traefik".*timeoutMs \(150\)/);
  // the server never answers: only the timeout can end the scrape, long before the interval
  assert.ok(Date.now() - t0 < 5000, 'the timeout, not the server, ended the scrape');
});

test('body limit: Content-Length over the limit, and an endless stream cut while reading', async () => {
  serve(`# TYPE x_total counter\nx_total ${'1'.repeat(200)}\n`);
  const declared = await scrapeError(target(counterMetric, { maxBodyBytes: 100 }));
  assert.equal(declared.kind, 'body-too-large');
  assert.match(declared.message, /Content-Length 2\d\d is over maxBodyBytes \(100\)/);

  server.state.mode = 'endless'; // chunked, no Content-Length: only the streaming check can stop it
  const streamed = await scrapeError(target(counterMetric, { maxBodyBytes: 64 * 1024 }));
  assert.equal(streamed.kind, 'body-too-large');
  assert.match(streamed.message, /over maxBodyBytes \(65536\); stopped reading/);
});

test('malformed exposition: the error names the target and the line', async () => {
  serve('# TYPE x_total counter\nx_total 1\nx_total{a="1" 2\n');
  const error = await scrapeError(target(counterMetric));
  assert.equal(error.kind, 'parse');
  assert.equal(error.line, 3);
  assert.match(error.message, /target "traefik".*malformed exposition: line 3/);
});

test('a family of the wrong type is a per-metric problem; the other metrics still convert', async () => {
  const conv = new ScrapeConverter(
    target([
      { name: 'x_total', as: 'x', kind: 'histogram', cohorts: { by: 'time', releaseStartedAt: 0 } },
      { name: 'up', as: 'up', kind: 'gauge', cohorts: { by: 'time', releaseStartedAt: 0 } },
      { name: 'absent_total', as: 'absent', kind: 'counter', cohorts: { by: 'time', releaseStartedAt: 0 } },
    ]),
  );
  serve('# TYPE x_total counter\nx_total 1\n# TYPE up gauge\nup 1\n');
  const out = conv.convert(await scrapeOnce(conv.target));
  assert.match(out.problems[0].message, /target "traefik": family "x_total" is a counter, configured as histogram/);
  assert.deepStrictEqual(
    out.samples.map((s) => [s.metric, s.cohort, s.value]),
    [['up', 'canary', 1]],
  );
  assert.deepStrictEqual(out.missing, ['absent_total']);
});
