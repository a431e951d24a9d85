/**
 * PromqlCollector against the real Prometheus started by `bash scripts/services/start.sh` (it
 * scrapes postgres_exporter as job "postgres" and redis_exporter as job "redis" every second), and
 * against a closed port for the fault case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReleaseEngine, type MetricSpec, type Release } from '../../analyzer/index.ts';
import type { SampleBatch } from '../bus/index.ts';
import { PromqlCollector } from './promqlCollector.ts';
import { ConcurrencyLimit } from './promqlCollectorCohorts.ts';
import { closedPort, requireService } from '../../test/integration/helpers.ts';

const SECOND = 1000;

function releaseAt(startedAt: number, extra: Partial<Release> = {}): Release {
  return {
    id: `promql-${startedAt}`,
    service: 'odoo',
    version: '17.0.2',
    baselineVersion: '17.0.1',
    environment: 'staging',
    strategy: 'canary',
    class: 'standard',
    startedAt,
    ...extra,
  };
}

const gauge = (name: string, query: string): MetricSpec => ({
  name,
  group: 'database',
  kind: 'gauge',
  harm: 'increase',
  tolerance: 0.5,
  query,
});

/** An instant query straight through the HTTP API, independent of the collector and its library. */
async function instant(
  url: string,
  query: string,
  ts: number,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query, time: String(ts / 1000) })}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, 'success');
  return body.data.result;
}

test('promql collector: canary job="postgres" vs baseline job="redis", one batch per window, values equal an independent instant query', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const now = Math.floor(Date.now() / SECOND) * SECOND;
  const release = releaseAt(now - 30 * SECOND);
  const registeredAt = now - 20 * SECOND; // windows from 20 s ago: Prometheus has the data already
  const batches: SampleBatch[] = [];
  const errors: Error[] = [];
  const collector = new PromqlCollector({
    url,
    stepMs: SECOND,
    intervalMs: 5 * SECOND,
    cohorts: { baseline: { cohort: 'redis' }, canary: { cohort: 'postgres' } },
    clock: () => registeredAt,
    publish: async (b) => void batches.push(b),
    onError: (e) => void errors.push(e),
  });
  const problems = collector.addRelease(release, {
    metrics: [
      gauge('scrape_seconds', 'scrape_duration_seconds{job="$cohort"}'),
      gauge('target_up', 'up{job="$cohort"}'),
      { name: 'plain', group: 'x', kind: 'gauge', harm: 'either', tolerance: 1 },
    ],
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(collector.metricsOf(release.id), ['scrape_seconds', 'target_up'], 'only specs with a query');
  let published = await collector.tick(now - 600);
  assert.equal(batches.length, 3, 'the window ending at now is not due 600 ms before its end');
  // its last point is at now - 1 s: with the default delay (step / 2) it is due 500 ms before its end,
  // so its batch reaches the engine before any scraped sample past the boundary closes the look
  published += await collector.tick(now - 500);
  assert.deepEqual(errors, []);
  // windows [now-20s, now-15s) … [now-5s, now): the one containing the registration, then every one ended
  assert.deepEqual(
    batches.map((b) => b.sequence),
    [-15, -10, -5, 0].map((d) => now + d * SECOND),
  );
  assert.equal(
    published,
    batches.reduce((n, b) => n + b.samples.length, 0),
  );
  for (const b of batches) {
    assert.equal(b.producer, 'promql');
    assert.equal(b.releaseId, release.id);
    const start = b.sequence - 5 * SECOND;
    for (const s of b.samples) {
      assert.ok(s.ts >= start && s.ts < b.sequence, `sample at ${s.ts} outside [${start}, ${b.sequence})`);
      assert.equal((s.ts - release.startedAt) % SECOND, 0, 'on the step grid');
      assert.equal(s.labels?.job, s.cohort === 'canary' ? 'postgres' : 'redis');
    }
    assert.deepEqual(
      b.samples.map((s) => s.ts),
      b.samples.map((s) => s.ts).sort((x, y) => x - y),
      'time-ordered',
    );
    // every step of the window has both cohorts of both metrics (Prometheus scrapes every second)
    for (const metric of ['scrape_seconds', 'target_up']) {
      for (const cohort of ['baseline', 'canary'])
        assert.equal(
          b.samples.filter((s) => s.metric === metric && s.cohort === cohort).length,
          5,
          `${metric} ${cohort} in window ${b.sequence}`,
        );
    }
    assert.ok(b.samples.filter((s) => s.metric === 'target_up').every((s) => s.value === 1));
  }
  // the values are Prometheus's own: compare a sample of them with independent instant queries
  const all = batches.flatMap((b) => b.samples).filter((s) => s.metric === 'scrape_seconds');
  for (const s of [all[0], all[7], all[all.length - 1]]) {
    const [series] = await instant(url, `scrape_duration_seconds{job="${s.labels?.job}"}`, s.ts);
    assert.equal(s.value, Number(series.value[1]), `value at ${s.ts} (${s.cohort})`);
    assert.ok(s.value > 0 && s.value < 5);
  }
  // nothing more until the next window ends; no window is queried twice
  assert.equal(await collector.tick(now + 4 * SECOND), 0);
  assert.equal(batches.length, 4);
  assert.deepEqual(
    { ...collector.stats(), errorsByKind: undefined },
    {
      windows: 4,
      batches: 4,
      samples: published,
      errors: 0,
      errorsByKind: undefined,
      emptyQueries: 0,
      skippedWindows: 0,
    },
  );
  collector.removeRelease(release.id);
  assert.equal(await collector.tick(now + 60 * SECOND), 0);
});

test('promql collector: injected cohort values stay one label value (matching nothing); empty results are nodata, not zeros', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const now = Math.floor(Date.now() / SECOND) * SECOND;
  const batches: SampleBatch[] = [];
  const errors: Error[] = [];
  const collector = new PromqlCollector({
    url,
    stepMs: SECOND,
    intervalMs: 5 * SECOND,
    // a release field with PromQL in it, through the same {{release.x}} templating as scrape targets
    cohorts: { baseline: { cohort: '{{release.service}}' }, canary: { cohort: 'postgres' } },
    clock: () => now - 10 * SECOND,
    publish: async (b) => void batches.push(b),
    onError: (e) => void errors.push(e),
  });
  const release = releaseAt(now - 10 * SECOND, { service: 'redis"} or vector(1) #' });
  collector.addRelease(release, {
    metrics: [
      gauge('target_up', 'up{job="$cohort"}'),
      gauge('by_regex', 'up{job=~"$cohort|nothing"}'),
      gauge('missing', 'no_such_metric_rh{job="$cohort"}'),
    ],
  });
  // a regex value is quoted too: "postgres|redis" matches only that literal text
  const regex = releaseAt(now - 10 * SECOND, { id: 'regex' });
  collector.addRelease(
    regex,
    { metrics: [gauge('by_regex', 'up{job=~"$cohort"}')] },
    { baseline: { cohort: 'redis|postgres' }, canary: { cohort: '.*' } },
  );
  await collector.tick(now);
  assert.deepEqual(errors, []);
  const samples = batches.filter((b) => b.releaseId === release.id).flatMap((b) => b.samples);
  assert.ok(samples.length > 0);
  assert.ok(
    samples.every((s) => s.cohort === 'canary'),
    'the injected baseline value matched nothing',
  );
  assert.ok(samples.every((s) => s.labels?.job === 'postgres'));
  assert.ok(!samples.some((s) => s.metric === 'missing'), 'a query matching nothing gives no sample, never a zero');
  assert.ok(
    samples.some((s) => s.metric === 'by_regex'),
    '"postgres" still matches the regex "postgres|nothing" (only the value is quoted)',
  );
  assert.equal(
    batches.filter((b) => b.releaseId === 'regex').length,
    0,
    'quoted regex values match nothing: no batch at all',
  );
  // per window: baseline of target_up, by_regex, missing + canary of missing, for the first release; both cohorts of the second
  assert.equal(collector.stats().emptyQueries, 2 * (4 + 2));
});

test('promql collector: Prometheus unreachable → errors counted with the query named, no samples, no crash; the verdict ends inconclusive, never promote', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const startedAt = 1_795_000_000_000;
  const batches: SampleBatch[] = [];
  const errors: { error: Error; metric?: string; query?: string }[] = [];
  const collector = new PromqlCollector({
    url,
    timeoutMs: 2000,
    stepMs: 15 * SECOND,
    intervalMs: 60 * SECOND,
    cohorts: { baseline: { cohort: 'redis' }, canary: { cohort: 'postgres' } },
    clock: () => startedAt,
    publish: async (b) => void batches.push(b),
    onError: (error, c) => void errors.push({ error, ...c }),
  });
  const spec = {
    release: releaseAt(startedAt),
    metrics: [gauge('target_up', 'up{job="$cohort"}')],
    policy: { observeMs: 5 * 60 * SECOND, minObserveMs: 60 * SECOND },
  };
  assert.deepEqual(collector.addRelease(spec.release, spec), []);
  const engine = new ReleaseEngine(spec, { intervalMs: 60 * SECOND, mode: 'sequential' });
  for (let minute = 1; minute <= 5; minute++) {
    await collector.tick(startedAt + minute * 60 * SECOND);
    engine.advanceTo(startedAt + minute * 60 * SECOND);
  }
  assert.equal(batches.length, 0, 'no samples');
  assert.equal(errors.length, 5, 'one error per window (the metric; both cohorts fail together)');
  for (const e of errors) {
    assert.equal(e.metric, 'target_up');
    assert.match(e.query ?? '', /^up\{job="(redis|postgres)"\}$/);
    assert.match(e.error.message, /unreachable/);
  }
  assert.deepEqual(collector.stats().errorsByKind, { unreachable: 5 });
  assert.equal(engine.current?.decision, 'inconclusive');
  assert.equal(engine.current?.metrics[0].classification, 'nodata');
});

test('promql collector: registration refuses what cannot work, once, and keeps the rest', async () => {
  const errors: string[] = [];
  const collector = new PromqlCollector({
    url: 'http://127.0.0.1:9',
    cohorts: { baseline: { version: '{{release.baselineVersion}}' }, canary: { version: '{{release.version}}' } },
    publish: async () => {},
    onError: (e) => void errors.push(e.message),
  });
  const ok = gauge('ok', 'rate(http_requests_total{version="$version"}[1m])');
  const problems = collector.addRelease(releaseAt(0), {
    metrics: [
      ok,
      { ...gauge('r', 'x'), kind: 'ratio', numerator: 'a', denominator: 'b' },
      gauge('typo', 'x{v="$verison"}'),
      gauge('bare', 'x{v=$version}'),
      { ...gauge('h', 'x'), kind: 'latency', histogram: true },
      // no placeholder that differs between the cohorts: both would get the same series
      gauge('same', 'traefik_service_request_duration_seconds_bucket'),
      gauge('same2', 'up{service="$service"}'),
    ],
  });
  assert.equal(problems.length, 6);
  assert.match(errors.join('\n'), /the query is the same for baseline and canary \(up\{service="odoo"\}\)/);
  assert.deepEqual(collector.metricsOf('promql-0'), ['ok']);
  assert.match(errors.join('\n'), /unknown placeholder \$verison/);
  assert.match(errors.join('\n'), /outside a quoted string/);
  // a release without the field a cohort template names: reported, nothing collected
  assert.equal(
    collector.addRelease(releaseAt(0, { id: 'nobase', baselineVersion: undefined }), { metrics: [ok] }).length,
    1,
  );
  assert.deepEqual(collector.metricsOf('nobase'), []);
  assert.throws(
    () =>
      new PromqlCollector({
        url: 'http://x',
        cohorts: { canary: { cohort: '{{release.nope}}' } },
        publish: async () => {},
      }),
    /unknown placeholder release\.nope/,
  );
  assert.throws(
    () => new PromqlCollector({ url: 'http://x', stepMs: 60_000, intervalMs: 15_000, publish: async () => {} }),
    /at least stepMs/,
  );
  assert.equal(collector.stats().errors, 7);
  // a before/after release queries the canary only: one query, nothing to tell apart
  const plain = new PromqlCollector({ url: 'http://127.0.0.1:9', publish: async () => {}, onError: () => {} });
  assert.deepEqual(
    plain.addRelease(releaseAt(0, { id: 'ba', strategy: 'before-after' }), { metrics: [gauge('same', 'up')] }),
    [],
  );
  assert.deepEqual(plain.metricsOf('ba'), ['same']);
});

test('promql collector: a failing query (bad PromQL) is reported with its query; the other metric and the other release go on', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const now = Math.floor(Date.now() / SECOND) * SECOND;
  const batches: SampleBatch[] = [];
  const errors: { error: Error; releaseId?: string; metric?: string; query?: string }[] = [];
  const collector = new PromqlCollector({
    url,
    stepMs: SECOND,
    intervalMs: 5 * SECOND,
    cohorts: { baseline: { cohort: 'redis' }, canary: { cohort: 'postgres' } },
    clock: () => now - 10 * SECOND,
    publish: async (b) => void batches.push(b),
    onError: (error, c) => void errors.push({ error, ...c }),
  });
  const a = releaseAt(now - 10 * SECOND, { id: 'a' });
  const b = releaseAt(now - 10 * SECOND, { id: 'b' });
  collector.addRelease(a, {
    metrics: [gauge('broken', 'sum(up{job="$cohort"}'), gauge('target_up', 'up{job="$cohort"}')],
  });
  collector.addRelease(b, { metrics: [gauge('target_up', 'up{job="$cohort"}')] });
  await collector.tick(now);
  assert.deepEqual(batches.map((x) => x.releaseId).sort(), ['a', 'a', 'b', 'b']);
  assert.ok(batches.every((x) => x.samples.every((s) => s.metric === 'target_up')));
  assert.equal(errors.length, 2, 'one per window');
  for (const e of errors) {
    assert.deepEqual([e.releaseId, e.metric], ['a', 'broken']);
    assert.match(e.query ?? '', /^sum\(up\{job="(redis|postgres)"\}$/);
    assert.match(e.error.message, /bad-query/);
  }
  assert.deepEqual(collector.stats().errorsByKind, { 'bad-query': 2 });
});

test('promql collector: the query limit never has more than its bound in flight, and runs everything', async () => {
  const limit = new ConcurrencyLimit(3);
  let inFlight = 0;
  let peak = 0;
  const done = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit
        .run(async () => {
          peak = Math.max(peak, ++inFlight);
          await new Promise((r) => setTimeout(r, 1 + (i % 4)));
          inFlight--;
          if (i === 7) throw new Error('one fails');
          return i;
        })
        .catch(() => -1),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(done.filter((x) => x >= 0).length, 19);
});
