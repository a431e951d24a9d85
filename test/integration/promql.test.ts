/**
 * collector/promql against the real Prometheus 2.42 started by `bash scripts/services/start.sh`
 * (scraping postgres_exporter and redis_exporter every second).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { PromqlError, createPromqlSource } from '../../collector/index.ts';
import { eventually, redisCli, requireService } from './helpers.ts';

const release = { service: 'redis', version: '7', baselineVersion: '6' };

test('promql: range query of `up` over the last minute has points for jobs postgres, redis, prometheus', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const source = createPromqlSource({ url, timeoutMs: 5000, stepMs: 5000 });
  const samples = await eventually('up points for postgres, redis and prometheus', async () => {
    const end = Date.now();
    const s = await source.queryRange(
      { name: 'up', query: 'up' },
      release,
      { baseline: {} },
      { start: end - 60_000, end },
    );
    const jobs = new Set(s.filter((x) => x.value === 1).map((x) => x.labels?.job));
    return ['postgres', 'redis', 'prometheus'].every((j) => jobs.has(j)) ? s : undefined;
  });
  for (const s of samples) {
    assert.equal(s.metric, 'up');
    assert.equal(s.cohort, 'baseline');
    assert.ok(Number.isInteger(s.ts) && s.ts % 5000 === samples[0].ts % 5000, `ts ${s.ts} not on the step grid`);
    assert.equal(s.labels?.__name__, 'up');
    assert.ok(s.labels?.instance);
  }
});

test('promql: $cohort placeholder gives samples for both cohorts (redis GET vs SET rates)', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  if (!(await requireService(t, 'redis'))) return;
  for (let i = 0; i < 5; i++) {
    await redisCli('SET', `rh:promql:${i}`, String(i));
    await redisCli('GET', `rh:promql:${i}`);
  }
  const source = createPromqlSource({ url, timeoutMs: 5000, stepMs: 1000 });
  const spec = { name: 'redis_cmd_rate', query: 'sum(rate(redis_commands_total{cmd="$cohort"}[30s]))' };
  const cohorts = { baseline: { cohort: 'get' }, canary: { cohort: 'set' } };
  const r = await eventually(
    'rates for both get and set',
    async () => {
      const end = Date.now();
      const res = await source.queryRangeResult(spec, release, cohorts, { start: end - 30_000, end });
      const both = ['baseline', 'canary'].every((c) => res.samples.some((s) => s.cohort === c && s.value > 0));
      if (both) return res;
      // keep commands flowing while the 1 s scrapes catch up
      await redisCli('SET', 'rh:promql:x', '1');
      await redisCli('GET', 'rh:promql:x');
      return undefined;
    },
    20_000,
    500,
  );
  assert.deepStrictEqual(
    r.cohorts.map((c) => [c.cohort, c.query, c.empty]),
    [
      ['baseline', 'sum(rate(redis_commands_total{cmd="get"}[30s]))', false],
      ['canary', 'sum(rate(redis_commands_total{cmd="set"}[30s]))', false],
    ],
  );
  for (const s of r.samples) {
    assert.equal(s.metric, 'redis_cmd_rate');
    assert.ok(Number.isFinite(s.value) && s.value >= 0);
    assert.equal(s.labels, undefined); // sum() drops every label
  }
  // the same through an instant query
  const now = await source.queryInstant(spec, release, cohorts);
  assert.deepStrictEqual(now.map((s) => s.cohort).sort(), ['baseline', 'canary']);
});

test('promql: an injected label value stays one value; a series that does not exist is empty, not zero', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const source = createPromqlSource({ url, timeoutMs: 5000, stepMs: 1000 });
  const end = Date.now();
  const r = await source.queryRangeResult(
    { name: 'up', query: 'up{job="$cohort"}' },
    release,
    { baseline: { cohort: 'redis"} or vector(1) #' }, canary: { cohort: 'redis' } },
    { start: end - 10_000, end },
  );
  assert.equal(r.cohorts[0].empty, true, 'the injection matched something');
  assert.equal(r.samples.filter((s) => s.cohort === 'baseline').length, 0);
  assert.equal(source.stats().empty.baseline, 1);
});

test('promql: a syntax error is a PromqlError (bad-query) naming the query', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  const source = createPromqlSource({ url, timeoutMs: 5000, stepMs: 1000 });
  const end = Date.now();
  await assert.rejects(
    source.queryRange(
      { name: 'bad', query: 'sum(rate(up[1m])' },
      release,
      { canary: {} },
      { start: end - 10_000, end },
    ),
    (e: unknown) => {
      assert.ok(e instanceof PromqlError);
      assert.equal(e.kind, 'bad-query');
      assert.equal(e.extra.status, 400);
      assert.equal(e.query, 'sum(rate(up[1m])');
      assert.match(e.message, /parse error/);
      return true;
    },
  );
});

test('promql: Prometheus on a closed port gives PromqlError (unreachable) quickly', async (t) => {
  if (!(await requireService(t, 'prometheus'))) return;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const source = createPromqlSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 5000, stepMs: 1000 });
  const t0 = Date.now();
  await assert.rejects(source.queryInstant({ name: 'up', query: 'up' }, release, { baseline: {} }), (e: unknown) => {
    assert.ok(e instanceof PromqlError);
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
});
