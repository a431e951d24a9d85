/**
 * `release-health serve` with a `prometheus:` section, end to end over real HTTP: a release
 * registered through the gate whose metric specs carry PromQL queries, evaluated per cohort by the
 * service's own timer against the real Prometheus started by scripts/services/start.sh (scraping
 * postgres_exporter as job "postgres" and redis_exporter as job "redis" every second), through the
 * bus into the pipeline, and read back as a verdict. Then the same with Prometheus unreachable:
 * errors logged and counted, no samples, and the verdict ends inconclusive — never promote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRegistrationLook, type Verdict } from '../../analyzer/index.ts';
import { parseServeConfig } from '../../service/config.ts';
import { startService } from '../../service/service.ts';
import { closedPort, eventually, requireService } from '../integration/helpers.ts';

const SECOND = 1000;
const OPERATOR = 'op-token-0123456789abcdef';
const READER = 'reader-token-0123456789abcdef';
const env = { RH_TOKENS: `ci:operator:${OPERATOR},argo:reader:${READER}` };

async function api(url: string, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(url + path, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? READER}` },
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
}

const metrics = [
  {
    name: 'scrape_seconds',
    group: 'database',
    kind: 'gauge',
    harm: 'increase',
    tolerance: 0.5,
    query: 'scrape_duration_seconds{job="$cohort"}',
  },
  { name: 'target_up', group: 'database', kind: 'gauge', harm: 'decrease', tolerance: 0.1, query: 'up{job="$cohort"}' },
];

test('serve + prometheus: PromQL metrics per cohort from the real Prometheus reach the verdict', async (t) => {
  const promUrl = await requireService(t, 'prometheus');
  if (!promUrl) return;
  // the canary cohort is named through the release ({{release.service}}), the baseline literally
  const cfg = parseServeConfig(
    `
listen: { port: 0 }
store: { url: "pglite:memory" }
engine: { interval: 3s, grace: 0s }
collector: { metricsPort: 0 }
prometheus:
  url: ${promUrl}
  step: 1s
  timeout: 5s
  cohorts:
    baseline: { cohort: redis }
    canary: { cohort: "{{release.service}}" }
`,
    'test-serve-promql.yaml',
  );
  assert.equal(cfg.prometheus?.step, 1000);
  const logger = (await import('pino')).default({ level: process.env.RH_TEST_LOG ?? 'silent' });
  const service = await startService(cfg, { env, logger, tickEveryMs: 0 });
  try {
    assert.ok(service.promql, 'built from the prometheus section');
    const release = {
      id: 'promql-e2e-1',
      service: 'postgres',
      version: '2',
      baselineVersion: '1',
      environment: 'staging',
      strategy: 'canary',
      class: 'standard',
      startedAt: Date.now() - 2 * SECOND,
    };
    const created = await api(service.url, '/api/v1/releases', {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ release, spec: { metrics, policy: {} } }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(service.promql.metricsOf(release.id), ['scrape_seconds', 'target_up']);
    // the service's own PromQL timer queries each 3 s window as it ends
    await eventually(
      'two PromQL batches ingested by the pipeline',
      async () => (service.promql!.stats().batches >= 2 && service.pipeline.stats().samples > 0 ? true : undefined),
      20_000,
      200,
    );
    await service.pipeline.tick(Date.now());
    const verdict = (await api(service.url, `/api/v1/releases/${release.id}/verdict`)).body as unknown as Verdict;
    for (const name of ['scrape_seconds', 'target_up']) {
      const mv = verdict.metrics.find((m) => m.metric === name);
      assert.ok(
        mv && mv.n.baseline >= 3 && mv.n.canary >= 3,
        `${name} has both cohorts in the verdict: ${JSON.stringify(mv)}`,
      );
    }
    assert.notEqual(verdict.decision, 'rollback', 'both exporters are up');
    const stats = service.promql.stats();
    assert.equal(stats.errors, 0);
    assert.equal(stats.emptyQueries, 0);
    // the collector's own metrics count the PromQL windows
    assert.match(await service.collectorMetrics!.collect(), /target="promql"/);
    // a release that is stopped is no longer queried
    const aborted = await api(service.url, `/api/v1/releases/${release.id}/abort`, {
      method: 'POST',
      token: OPERATOR,
      body: JSON.stringify({ reason: 'test over' }),
    });
    assert.equal(aborted.status, 200, JSON.stringify(aborted.body));
    assert.deepEqual(service.promql.releaseIds(), []);
  } finally {
    await service.close();
  }
});

test('serve + prometheus beside a scrape target: scraped samples past a boundary never make the PromQL ones late', async (t) => {
  const promUrl = await requireService(t, 'prometheus');
  if (!promUrl) return;
  const exporterUrl = await requireService(t, 'redis_exporter');
  if (!exporterUrl) return;
  // the look closes at the first sample past its boundary: here, the redis scrape every 200 ms. A
  // window's PromQL batch is sent 500 ms after its last point (end - 2 s), 1.5 s before that boundary
  const cfg = parseServeConfig(
    `
listen: { port: 0 }
store: { url: "pglite:memory" }
engine: { interval: 4s, grace: 0s }
collector:
  targets:
    - name: redis
      url: ${exporterUrl}
      intervalMs: 200
      timeoutMs: 200
      metrics:
        - { name: redis_connected_clients, as: redis_clients, kind: gauge, cohorts: { by: time, releaseStartedAt: "{{release.startedAt}}" } }
prometheus: { url: "${promUrl}", step: 2s, delay: 500ms, cohorts: { baseline: { cohort: redis }, canary: { cohort: postgres } } }
`,
    'test-serve-promql-mixed.yaml',
  );
  const logger = (await import('pino')).default({ level: process.env.RH_TEST_LOG ?? 'silent' });
  const service = await startService(cfg, { env, logger, tickEveryMs: 0 });
  const seen: { producer: string; ts: number; metric: string; cohort: string }[] = [];
  const observer = await service.bus.subscribeSamples('test-observer', async (batch, ack) => {
    for (const x of batch.samples)
      seen.push({ producer: batch.producer, ts: x.ts, metric: x.metric, cohort: x.cohort });
    await ack();
  });
  try {
    const release = {
      id: 'promql-mixed-1',
      service: 'odoo',
      version: '2',
      baselineVersion: '1',
      environment: 'staging',
      strategy: 'canary',
      class: 'standard',
      startedAt: Date.now(),
    };
    const spec = {
      metrics: [metrics[0], { name: 'redis_clients', group: 'cache', kind: 'gauge', harm: 'increase', tolerance: 1 }],
      policy: {},
    };
    assert.equal(
      (
        await api(service.url, '/api/v1/releases', {
          method: 'POST',
          token: OPERATOR,
          body: JSON.stringify({ release, spec }),
        })
      ).status,
      201,
    );
    // the engine's look at registration closes no interval (nothing can have arrived yet): the
    // looks under test are the ones after it
    const verdicts = await eventually(
      'three looks closed by the scraped samples',
      async () => {
        const v = (await service.store.listVerdicts(release.id)).filter((x) => !isRegistrationLook(x));
        return v.length >= 3 ? v : undefined;
      },
      30_000,
      200,
    );
    assert.ok(
      seen.some((x) => x.producer === 'scrape:redis'),
      'the scrape target fed the same release',
    );
    for (const v of verdicts) {
      const promqlSent = seen.filter(
        (x) => x.producer === 'promql' && x.metric === 'scrape_seconds' && x.cohort === 'canary' && x.ts < v.at,
      ).length;
      const judged = v.metrics.find((m) => m.metric === 'scrape_seconds')?.n.canary;
      assert.equal(
        judged,
        promqlSent,
        `look at ${v.at}: every PromQL sample sent before it was judged in it (none late)`,
      );
    }
    assert.ok((verdicts.at(-1)?.metrics.find((m) => m.metric === 'scrape_seconds')?.n.canary ?? 0) >= 6);
  } finally {
    await observer.close();
    await service.close();
  }
});

test('serve + prometheus unreachable: errors counted and logged with the query, no samples, verdict ends inconclusive', async () => {
  const cfg = parseServeConfig(
    `
listen: { port: 0 }
store: { url: "pglite:memory" }
engine: { interval: 1m, grace: 0s }
prometheus: { url: "http://127.0.0.1:${await closedPort()}", timeout: 2s, cohorts: { baseline: { cohort: redis }, canary: { cohort: postgres } } }
`,
    'test-serve-promql-down.yaml',
  );
  const warnings: Record<string, unknown>[] = [];
  const logger = (await import('pino')).default(
    { level: 'warn' },
    { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const startedAt = 1_795_000_000_000;
  let now = startedAt;
  const service = await startService(cfg, { env, logger, clock: () => now, tickEveryMs: 0, scrape: false });
  try {
    const release = {
      id: 'promql-down-1',
      service: 'odoo',
      version: '2',
      baselineVersion: '1',
      environment: 'staging',
      strategy: 'canary',
      class: 'standard',
      startedAt,
    };
    const spec = { metrics, policy: { observeMs: 5 * 60 * SECOND, minObserveMs: 60 * SECOND } };
    assert.equal(
      (
        await api(service.url, '/api/v1/releases', {
          method: 'POST',
          token: OPERATOR,
          body: JSON.stringify({ release, spec }),
        })
      ).status,
      201,
    );
    const decisions: string[] = [];
    for (let minute = 1; minute <= 6; minute++) {
      now = startedAt + minute * 60 * SECOND;
      assert.equal(await service.promql!.tick(now), 0);
      await service.pipeline.tick(now);
      decisions.push(String((await api(service.url, `/api/v1/releases/${release.id}/verdict`)).body.decision));
    }
    assert.ok(!decisions.includes('promote'), decisions.join(','));
    assert.equal(decisions.at(-1), 'inconclusive');
    assert.equal(service.pipeline.stats().samples, 0);
    const stats = service.promql!.stats();
    assert.equal(stats.batches, 0);
    assert.ok(stats.errors >= 2 * 5, `errors counted: ${JSON.stringify(stats)}`);
    assert.ok(
      warnings.some(
        (w) =>
          w.target === 'promql' && w.metric === 'target_up' && /^up\{job="(redis|postgres)"\}$/.test(String(w.query)),
      ),
      'logged with the query',
    );
  } finally {
    await service.close();
  }
});

test('serve config: the prometheus section is strict and its templates are checked at load', () => {
  const bad = (text: string, pattern: RegExp) => assert.throws(() => parseServeConfig(text, 'x.yaml'), pattern);
  bad('prometheus: { url: "http://p:9090", stpe: 15s }', /stpe/);
  bad('prometheus: { url: "ftp://p" }', /url/);
  bad('prometheus: { url: "http://p:9090", cohorts: { canary: { cohort: "{{release.nope}}" } } }', /release\.nope/);
  bad('prometheus: { url: "http://p:9090", cohorts: { canary: { colour: x } } }', /colour/);
  bad('engine: { interval: 10s }\nprometheus: { url: "http://p:9090", step: 15s }', /at least stepMs/);
  bad('prometheus: { url: "http://p:9090", step: 15s, delay: 15s }', /below stepMs/);
  const ok = parseServeConfig('engine: { interval: 30s }\nprometheus: { url: "http://p:9090" }', 'x.yaml');
  assert.deepEqual(ok.prometheus, { url: 'http://p:9090', timeout: 10_000, step: 15_000 });
});
