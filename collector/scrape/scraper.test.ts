import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../../analyzer/types.ts';
import { ScrapeError, Scraper } from './index.ts';
import { startMetricsServer, type MetricsServer } from './testing/server.ts';

let good: MetricsServer, failing: MetricsServer, hanging: MetricsServer;
before(async () => {
  [good, failing, hanging] = await Promise.all([startMetricsServer(), startMetricsServer(), startMetricsServer()]);
  // request n serves canary 10·n and stable 100·n: every scrape after the first adds 10 and 100
  good.state.onRequest = (n) => {
    good.state.body = `# TYPE x_total counter\nx_total{service="odoo-canary@file"} ${10 * n}\nx_total{service="odoo-stable@file"} ${100 * n}\n`;
  };
  failing.state.status = 500;
  hanging.state.mode = 'hang';
  // the first fetch of a process loads undici and can take longer than a test timeout
  await (await fetch(failing.url)).text();
});
after(() => Promise.all([good.close(), failing.close(), hanging.close()]));

const metrics = [
  {
    name: 'x_total',
    as: 'requests',
    kind: 'counter',
    cohorts: { by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] },
  },
];
const targetFor = (name: string, server: MetricsServer): Record<string, unknown> => ({
  name,
  url: server.url,
  intervalMs: 100,
  timeoutMs: 80,
  metrics,
});

test('targets run on their own chains: a 500 and a hanging target do not stop the good one', async () => {
  const batches: Sample[][] = [];
  const errors: { target: string; error: Error }[] = [];
  let resolveEnough: () => void;
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
  const scraper = new Scraper({
    targets: [targetFor('good', good), targetFor('failing', failing), targetFor('hanging', hanging)],
    onSamples(samples, target) {
      if (target.name !== 'good') return;
      batches.push(samples);
      if (batches.length === 4) resolveEnough();
    },
    onError: (error, target) => errors.push({ target: target.name, error }),
  });
  scraper.start();
  await enough;
  await scraper.stop();

  assert.deepStrictEqual(batches[0], []); // first scrape: no increments yet
  for (const batch of batches.slice(1)) {
    // canary 10·(n+1) − 10·n = 10; stable 100·(n+1) − 100·n = 100
    assert.deepStrictEqual(batch.map((s) => [s.cohort, s.value]).sort(), [
      ['baseline', 100],
      ['canary', 10],
    ]);
  }
  const stats = scraper.stats();
  assert.ok(
    stats.good.scrapes >= 4 && stats.good.failures === 0,
    JSON.stringify([stats.good, errors.map((e) => e.target + e.error.message)]),
  );
  assert.ok(Number.isFinite(stats.good.lastDurationMs));
  assert.ok(
    stats.failing.failures >= 1 && stats.failing.failures === stats.failing.scrapes,
    JSON.stringify(stats.failing),
  );
  assert.match(stats.failing.lastError ?? '', /HTTP 500/);
  assert.ok(stats.hanging.failures >= 1, JSON.stringify(stats.hanging));
  const kinds = new Set(errors.map((e) => `${e.target}:${(e.error as ScrapeError).kind}`));
  assert.ok(kinds.has('failing:http-status') && kinds.has('hanging:timeout'), [...kinds].join(','));
  assert.ok(!errors.some((e) => e.target === 'good'));
});

test('an onSamples that throws is reported and the chain goes on; stop() ends everything', async () => {
  const errors: string[] = [];
  let calls = 0;
  let resolveEnough: () => void;
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
  const scraper = new Scraper({
    targets: [targetFor('good', good)],
    onSamples() {
      calls++;
      if (calls === 3) resolveEnough();
      throw new Error('sink down');
    },
    onError: (error) => errors.push(error.message),
  });
  scraper.start();
  await enough;
  await scraper.stop();
  const after = calls;
  await new Promise((resolve) => setTimeout(resolve, 250)); // over two intervals: nothing more may run
  assert.equal(calls, after);
  assert.ok(errors.length >= 3 && errors.every((m) => m === 'sink down'));
});

test('jitter delays the first scrape by jitter × random × interval', async () => {
  const seen: number[] = [];
  const t0 = Date.now();
  const scraper = new Scraper({
    targets: [{ ...targetFor('good', good), intervalMs: 400, timeoutMs: 100 }],
    onSamples: () => void seen.push(Date.now() - t0),
    jitter: 0.5,
    random: () => 0.5, // 0.5 × 0.5 × 400 = 100 ms
  });
  scraper.start();
  await new Promise((resolve) => setTimeout(resolve, 250));
  await scraper.stop();
  assert.equal(seen.length, 1);
  assert.ok(seen[0] >= 95 && seen[0] < 250, String(seen[0]));
});

test('options: unknown keys, bad jitter and bad targets are rejected up front', () => {
  const onSamples = (): void => undefined;
  assert.throws(() => new Scraper({ targets: [], onSamples, jiter: 0.1 } as never), /unknown Scraper option "jiter"/);
  assert.throws(() => new Scraper({ targets: [], onSamples, jitter: 2 }), /jitter must be between 0 and 1/);
  assert.throws(
    () => new Scraper({ targets: [{ ...targetFor('a', good), intervalMs: 20 }], onSamples }),
    /\[0\]\.timeoutMs: must not exceed intervalMs \(20\)/,
  );
  assert.throws(
    () => new Scraper({ targets: [targetFor('a', good), targetFor('a', good)], onSamples }),
    /\[1\]\.name: target "a" is defined twice/,
  );
});
