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
// The good target's timeout is generous: on a loaded machine (two cores, a test run beside other
// work) a local answer can take longer than 80 ms, and that would be the machine, not the scraper.
// The failing and hanging targets keep short ones, so their failures come quickly.
const targetFor = (name: string, server: MetricsServer, intervalMs = 100, timeoutMs = 80): Record<string, unknown> => ({
  name,
  url: server.url,
  intervalMs,
  timeoutMs,
  metrics,
});

test(
  'targets run on their own chains: a 500 and a hanging target do not stop the good one',
  { timeout: 30_000 },
  async () => {
    const batches: Sample[][] = [];
    const errors: { target: string; error: Error }[] = [];
    const kinds = new Set<string>();
    let resolveEnough: () => void;
    const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
    // enough: four batches of the good target, and both bad targets have failed their own way
    const check = (): void => {
      if (batches.length >= 4 && kinds.has('failing:http-status') && kinds.has('hanging:timeout')) resolveEnough();
    };
    const scraper = new Scraper({
      targets: [targetFor('good', good, 400, 400), targetFor('failing', failing), targetFor('hanging', hanging)],
      onSamples(samples, target) {
        if (target.name !== 'good') return;
        batches.push(samples);
        check();
      },
      onError: (error, target) => {
        errors.push({ target: target.name, error });
        kinds.add(`${target.name}:${(error as ScrapeError).kind}`);
        check();
      },
    });
    scraper.start();
    await enough;
    await scraper.stop();

    assert.deepStrictEqual(batches[0], []); // first scrape: no increments yet
    const stats = scraper.stats();
    // a good scrape may still time out on a starved machine: the server counted the request, so the
    // next batch spans two requests. Then every batch is k requests' worth (canary 10·k, stable
    // 100·k), k > 1 only after a recorded timeout of the good target, and most scrapes succeed.
    const goodTimeouts = errors.filter((e) => e.target === 'good');
    assert.ok(
      goodTimeouts.every((e) => (e.error as ScrapeError).kind === 'timeout'),
      goodTimeouts.map((e) => e.error.message).join(' | '),
    );
    for (const batch of batches.slice(1)) {
      const values = Object.fromEntries(batch.map((s) => [s.cohort, s.value]));
      const k = values.canary / 10;
      assert.ok(Number.isInteger(k) && k >= 1 && values.baseline === 100 * k, JSON.stringify(batch));
      assert.ok(k === 1 || goodTimeouts.length > 0, `a batch of ${k} requests without a timeout before it`);
    }
    assert.ok(
      stats.good.scrapes >= 4 &&
        stats.good.failures === goodTimeouts.length &&
        stats.good.failures < stats.good.scrapes / 2,
      JSON.stringify([stats.good, errors.map((e) => e.target + e.error.message)]),
    );
    assert.ok(Number.isFinite(stats.good.lastDurationMs));
    assert.ok(
      stats.failing.failures >= 1 && stats.failing.failures === stats.failing.scrapes,
      JSON.stringify(stats.failing),
    );
    // the 500 is reported as such; on a starved machine a later scrape of it may time out instead
    // (lastError is then the timeout), which is the only other failure it may have
    const failingErrors = errors.filter((e) => e.target === 'failing').map((e) => e.error as ScrapeError);
    assert.ok(
      failingErrors.some((e) => e.kind === 'http-status' && /HTTP 500/.test(e.message)),
      failingErrors.map((e) => e.message).join(' | '),
    );
    assert.ok(
      failingErrors.every((e) => e.kind === 'http-status' || e.kind === 'timeout'),
      failingErrors.map((e) => e.message).join(' | '),
    );
    assert.ok(stats.hanging.failures >= 1, JSON.stringify(stats.hanging));
  },
);

test('an onSamples that throws is reported and the chain goes on; stop() ends everything', async () => {
  const errors: string[] = [];
  let calls = 0;
  let resolveEnough: () => void;
  const enough = new Promise<void>((resolve) => (resolveEnough = resolve));
  const scraper = new Scraper({
    targets: [targetFor('good', good, 200, 200)],
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
  const requests = good.state.requests.length;
  await new Promise((resolve) => setTimeout(resolve, 450)); // over two intervals: nothing more may run
  assert.equal(calls, after);
  assert.equal(good.state.requests.length, requests, 'no scrape after stop()');
  // every call's throw is reported (a scrape that timed out on a starved machine adds its own error)
  assert.equal(errors.filter((m) => m === 'sink down').length, calls);
  assert.ok(
    errors.every((m) => m === 'sink down' || /timeoutMs/.test(m)),
    errors.join(' | '),
  );
});

test('jitter delays the first scrape by jitter × random × interval', async () => {
  // measured where the scrape starts, at the server: the answer's way back is the machine's load
  const requested: number[] = [];
  const before = good.state.onRequest;
  good.state.onRequest = (n) => {
    requested.push(Date.now() - t0);
    before?.(n);
  };
  let resolveScraped: () => void;
  const scraped = new Promise<void>((resolve) => (resolveScraped = resolve));
  const t0 = Date.now();
  const scraper = new Scraper({
    targets: [targetFor('good', good, 1000, 1000)],
    onSamples: () => resolveScraped(),
    jitter: 0.5,
    random: () => 0.5, // 0.5 × 0.5 × 1000 = 250 ms
  });
  scraper.start();
  await scraped;
  await scraper.stop();
  good.state.onRequest = before;
  assert.equal(requested.length, 1);
  // not before the jitter, and well before a scrape without it would have come again
  assert.ok(requested[0] >= 245 && requested[0] < 1000, String(requested[0]));
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
