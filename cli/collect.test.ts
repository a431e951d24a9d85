import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COLLECTOR_METRIC_NAMES,
  createKafkaBus,
  createMemoryBus,
  parseExposition,
  redactSecrets,
  redactUrl,
  type SampleBatch,
} from '../collector/index.ts';
import { brokersOrSkip, uniquePrefix } from '../collector/bus/testing/kafkaBroker.ts';
import { startMetricsServer, type MetricsServer } from '../collector/scrape/testing/server.ts';
import { parseCollectConfig, runCollector } from './collect.ts';
import { main } from './main.ts';
import { EXIT } from './command.ts';
import { parseSampleLine } from '../collector/ndjson/samples.ts';

let traefik: MetricsServer, broken: MetricsServer;
const dir = mkdtempSync(join(tmpdir(), 'rh-collect-'));

before(async () => {
  [traefik, broken] = await Promise.all([startMetricsServer(), startMetricsServer()]);
  // Traefik v3 exposition (pkg/observability/metrics/prometheus.go); request n: canary 10·n
  // requests, stable 100·n, plus the per-service gauge v3 has (v3 dropped traefik_service_open_connections)
  traefik.state.onRequest = (n) => {
    traefik.state.body = [
      '# HELP traefik_service_requests_total How many HTTP requests processed on a service, partitioned by status code, protocol, and method.',
      '# TYPE traefik_service_requests_total counter',
      `traefik_service_requests_total{code="200",method="GET",protocol="http",service="odoo-canary@file"} ${10 * n}`,
      `traefik_service_requests_total{code="200",method="GET",protocol="http",service="odoo-stable@file"} ${100 * n}`,
      '# HELP traefik_service_server_up service server is up, described by gauge value of 0 or 1.',
      '# TYPE traefik_service_server_up gauge',
      'traefik_service_server_up{service="odoo-canary@file",url="http://10.42.0.17:8069"} 0',
      'traefik_service_server_up{service="odoo-stable@file",url="http://10.42.0.12:8069"} 1',
      '',
    ].join('\n');
  };
  broken.state.status = 500;
  // the first fetch of a process loads undici and can take longer than a scrape timeout
  await (await fetch(broken.url)).text();
});
after(() => Promise.all([traefik.close(), broken.close()]));

const cohorts = { by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] };
const traefikTarget = (url: string): Record<string, unknown> => ({
  name: 'traefik',
  url,
  intervalMs: 300, // generous: a loaded CI machine must not turn these into timeouts
  timeoutMs: 250,
  metrics: [
    { name: 'traefik_service_requests_total', as: 'http_requests_total', kind: 'counter', cohorts },
    { name: 'traefik_service_server_up', as: 'servers_up', kind: 'gauge', cohorts },
  ],
});

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

test('collect --once prints NDJSON samples that analyze --samples accepts', async () => {
  const config = writeConfig(
    'once.json',
    JSON.stringify({
      release: { id: 'checkout-2026-11-27' },
      targets: [traefikTarget(traefik.url)],
      metrics: { port: 0 },
    }),
  );
  const { code, out, err } = await run(['collect', '--once', '--config', config]);
  assert.equal(code, 0, err.join('\n'));
  const lines = out.join('\n').split('\n').filter(Boolean);
  const samples = lines.map((line, i) => parseSampleLine(line, 'stdout', i + 1));
  const requests = samples.filter((s) => s.metric === 'http_requests_total');
  assert.deepEqual(requests.map((s) => [s.cohort, s.value]).sort(), [
    ['baseline', 100],
    ['canary', 10],
  ]);
  const gauges = samples.filter((s) => s.metric === 'servers_up');
  assert.ok(gauges.some((s) => s.cohort === 'canary' && s.value === 0));
  assert.ok(gauges.some((s) => s.cohort === 'baseline' && s.value === 1));
});

test('collect --once: a failing target is logged as one JSON line without credentials, exit 1', async () => {
  const secretUrl = broken.url.replace('http://', 'http://scraper:hunter2@');
  const config = writeConfig(
    'fail.json',
    JSON.stringify({ release: { id: 'r1' }, targets: [{ ...traefikTarget(secretUrl), name: 'broken' }] }),
  );
  const { code, err } = await run(['collect', '--once', '--config', config]);
  assert.equal(code, EXIT.failure);
  const line = JSON.parse(err.find((l) => l.includes('scrape_error')) ?? '{}') as Record<string, unknown>;
  assert.equal(line.target, 'broken');
  // fetch refuses URLs with credentials (a network error); either way the secret must not be logged
  assert.equal(typeof line.kind, 'string');
  assert.doesNotMatch(err.join('\n'), /hunter2/);
  const plain = writeConfig(
    'fail500.json',
    JSON.stringify({ release: { id: 'r1' }, targets: [{ ...traefikTarget(broken.url), name: 'broken' }] }),
  );
  const second = await run(['collect', '--once', '--config', plain]);
  assert.equal(second.code, EXIT.failure);
  const line500 = JSON.parse(second.err.find((l) => l.includes('scrape_error')) ?? '{}') as Record<string, unknown>;
  assert.deepEqual([line500.target, line500.kind, line500.status], ['broken', 'http-status', 500]);
});

test('config errors name the file and the line; unknown keys are rejected', async () => {
  const yaml = [
    'release:',
    '  id: r1',
    'targets:',
    '  - name: traefik',
    `    url: ${traefik.url}`,
    '    intervalMS: 1000',
    '    metrics: []',
    '',
  ].join('\n');
  const config = writeConfig('typo.yaml', yaml);
  const { code, err } = await run(['collect', '--once', '--config', config]);
  assert.equal(code, EXIT.input);
  assert.match(err.join('\n'), new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:5: .*intervalMS`));
  assert.throws(
    () => parseCollectConfig('release: { id: r1 }\ntargets: []\nextra: 1\n', 'x.yaml'),
    /x\.yaml:3:1: .*extra/,
  );
  assert.throws(() => parseCollectConfig('release: [\n', 'bad.yaml'), /bad\.yaml:\d+:\d+: not valid JSON\/YAML/);
});

test('the kafka bus: brokers or brokersEnv, exactly one', () => {
  const text = (bus: string) =>
    ['release: { id: r1 }', 'bus:', bus, 'targets:', `  - ${JSON.stringify(traefikTarget(traefik.url))}`, ''].join(
      '\n',
    );
  assert.throws(
    () => parseCollectConfig(text('  kind: kafka'), 'k.yaml'),
    /k\.yaml:\d+:\d+: .*exactly one of brokers and brokersEnv/,
  );
  assert.throws(() => parseCollectConfig(text('  { kind: kafka, brokers: ["no-port"] }'), 'k.yaml'), /host:port/);
  const parsed = parseCollectConfig(
    text('  { kind: kafka, brokers: ["127.0.0.1:59092"], topicPrefix: "rh." }'),
    'k.yaml',
  );
  assert.equal(parsed.bus.kind, 'kafka');
});

test('collect publishes to a real Kafka broker: the batches are consumed from the topic', async (t) => {
  const found = await brokersOrSkip('kafka');
  if (found.skip) return t.skip(found.skip);
  const prefix = uniquePrefix('collect');
  const config = parseCollectConfig(
    JSON.stringify({
      release: { id: 'kafka-collect-1' },
      bus: { kind: 'kafka', brokers: found.brokers, topicPrefix: prefix, partitions: 2 },
      metrics: { port: 0 },
      targets: [{ ...traefikTarget(traefik.url), intervalMs: 100, timeoutMs: 100 }],
    }),
    'kafka.yaml',
  );
  const consumerBus = await createKafkaBus({ brokers: found.brokers ?? [], topicPrefix: prefix, partitions: 2 });
  const received: SampleBatch[] = [];
  const sub = await consumerBus.subscribeSamples('check', async (batch, ack) => {
    received.push(batch);
    await ack();
  });
  const controller = new AbortController();
  const running = runCollector(config, { signal: controller.signal, out: () => {}, err: () => {} });
  for (let i = 0; i < 300 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  controller.abort();
  const summary = await running;
  await sub.close();
  await consumerBus.close();
  assert.ok(received.length >= 2, `batches consumed from Kafka: ${received.length}`);
  assert.ok(received.every((b) => b.releaseId === 'kafka-collect-1' && b.producer === 'scrape:traefik'));
  assert.ok(summary.batches >= received.length);
});

test('long-running: batches reach the bus, /metrics shows the counters, a 500 target does not stop the other', async () => {
  const config = parseCollectConfig(
    JSON.stringify({
      release: { id: 'checkout-2026-11-27' },
      targets: [traefikTarget(traefik.url), { ...traefikTarget(broken.url), name: 'broken' }],
      metrics: { host: '127.0.0.1', port: 0 },
    }),
    'inline.json',
  );
  const bus = createMemoryBus();
  const batches: SampleBatch[] = [];
  let enough!: () => void;
  const gotTwo = new Promise<void>((resolve) => (enough = resolve));
  const subscription = await bus.subscribeSamples('test', async (batch, ack) => {
    batches.push(batch);
    await ack();
    if (batches.length >= 2) enough();
  });
  const controller = new AbortController();
  const errors: string[] = [];
  let metricsUrl: string | undefined;
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const running = runCollector(config, {
    signal: controller.signal,
    bus,
    out: () => {},
    err: (t) => errors.push(t),
    onReady: (info) => {
      metricsUrl = info.metricsUrl;
      onReady();
    },
  });
  const timeout = setTimeout(() => controller.abort(), 5000);
  try {
    await Promise.race([ready, running]);
    await Promise.race([gotTwo, running]);
    assert.ok(batches.length >= 2, `got ${batches.length} batches`);
    for (const b of batches) {
      assert.equal(b.producer, 'scrape:traefik');
      assert.equal(b.releaseId, 'checkout-2026-11-27');
      assert.equal(b.sequence, b.samples[0].ts);
    }
    assert.ok(batches[1].sequence > batches[0].sequence);
    // wait until the broken target has been scraped at least once
    while (!errors.some((e) => e.includes('"broken"'))) await new Promise((r) => setTimeout(r, 10));
    assert.ok(metricsUrl);
    const body = await (await fetch(metricsUrl)).text();
    const { families } = parseExposition(body);
    const byName = new Map(families.map((f) => [f.name, f]));
    const value = (family: string, labels: Record<string, string>): number | undefined => {
      const f = byName.get(family) ?? byName.get(family.replace(/_total$/, ''));
      const entry = f?.samples?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      return entry?.value;
    };
    assert.ok((value(COLLECTOR_METRIC_NAMES.samples, { target: 'traefik' }) ?? 0) > 0, body);
    assert.ok((value(COLLECTOR_METRIC_NAMES.scrapeErrors, { target: 'broken', kind: 'http-status' }) ?? 0) >= 1, body);
    assert.ok((value(COLLECTOR_METRIC_NAMES.lastSuccess, { target: 'traefik' }) ?? 0) > 1e9, body);
    assert.match(body, new RegExp(`${COLLECTOR_METRIC_NAMES.scrapeDuration}_count\\{target="traefik"\\}`));
    assert.match(body, new RegExp(`${COLLECTOR_METRIC_NAMES.busPending}\\{topic="samples",group="test"\\}`));
  } finally {
    clearTimeout(timeout);
    controller.abort();
    await running;
    await subscription.close();
    await bus.close();
  }
  // the metrics server is gone after stop
  await assert.rejects(fetch(metricsUrl!));
});

test('redaction strips credentials and tokens', () => {
  assert.equal(redactUrl('http://u:p@h:1/metrics?token=abc&x=1'), 'http://h:1/metrics?token=REDACTED&x=1');
  assert.equal(redactSecrets('fetch https://a:b@x.example/m failed'), 'fetch https://x.example/m failed');
});

test('the shipped example config is valid', async () => {
  const { loadCollectConfig } = await import('./collect.ts');
  const config = await loadCollectConfig(new URL('../examples/collect/collect.yaml', import.meta.url).pathname);
  assert.deepEqual(
    config.targets.map((t) => t.name),
    ['traefik', 'postgres', 'redis'],
  );
  assert.deepEqual(config.bus, { kind: 'memory' });
});
