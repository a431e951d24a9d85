/**
 * Store write throughput (Gate issue, Store part): `appendVerdict` of a realistic verdict (8 metrics,
 * so 1 verdict row + 8 metric_results rows + the release's latest decision per call) on PGlite
 * (in memory) and on PostgreSQL when `RH_PG_URL` answers (a scratch schema, dropped afterwards):
 * - `sequential`: one append at a time, as one release's engine emits them;
 * - `concurrent8`: 8 appends in flight (8 releases' engines sharing the store);
 * - `replay`: re-appending stored verdicts, the no-op a worker does after a crash.
 * Standalone: `node --import tsx bench/store.ts [--quick]` prints the figures and one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createPgliteStore, createPostgresStore, type Store } from '../store/index.ts';
import { makeMetric, makeRecord, makeVerdict } from '../store/testing/fixtures.ts';
import { serviceEnv } from '../test/integration/helpers.ts';

const METRICS = [
  'orders_per_min',
  'checkout_success',
  'stock_reservation_p95',
  'job_queue_depth',
  'pg_tx_latency',
  'redis_latency',
  'traefik_5xx',
  'integration_backlog',
];

async function timeIt(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await op(next++);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function measure(label: string, store: Store, n: number): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {};
  const ids = Array.from({ length: 8 }, (_, k) => `bench-${k}-${randomBytes(3).toString('hex')}`);
  for (const id of ids)
    await store.createRelease(makeRecord(id), { at: 0, actor: 'bench', action: 'release.register' });
  const verdict = (id: string, at: number) =>
    makeVerdict(id, at, { metrics: METRICS.map((metric, k) => makeMetric({ metric, evidence: 1 + k + at / 1e6 })) });
  // warm-up: plan caches, JIT
  for (let i = 0; i < 20; i++) await store.appendVerdict(verdict(ids[0], -1 - i));
  const cases: [string, number, (i: number) => Promise<unknown>][] = [
    ['sequential', 1, (i) => store.appendVerdict(verdict(ids[0], i))],
    ['concurrent8', 8, (i) => store.appendVerdict(verdict(ids[i % 8], 1e9 + i))],
    ['replay', 1, (i) => store.appendVerdict(verdict(ids[0], i))],
  ];
  for (const [name, concurrency, op] of cases) {
    const ms = await timeIt(n, concurrency, op);
    const perSecond = Math.round(n / (ms / 1000));
    console.log(
      `${label.padEnd(9)} ${name.padEnd(12)} ${n} appends: ${ms.toFixed(0)} ms → ${perSecond.toLocaleString('en-US')} verdicts/s, ${(ms / n).toFixed(2)} ms each`,
    );
    figures[name] = { appends: n, ms: Number(ms.toFixed(1)), verdictsPerSecond: perSecond };
  }
  const start = process.hrtime.bigint();
  const all = await store.listVerdicts(ids[0]);
  const readMs = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(9)} listVerdicts ${all.length} verdicts: ${readMs.toFixed(1)} ms`);
  figures.listVerdicts = { verdicts: all.length, ms: Number(readMs.toFixed(1)) };
  return figures;
}

async function postgres(n: number): Promise<Record<string, unknown> | string> {
  const url = serviceEnv('RH_PG_URL');
  if (!url) return 'skipped: RH_PG_URL not set (bash scripts/services/start.sh)';
  const { default: pg } = await import('pg');
  const schema = `rh_bench_${randomBytes(4).toString('hex')}`; // generated, safe as an identifier
  const admin = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3000 });
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } catch (err) {
    await admin.end();
    return `skipped: ${(err as Error).message}`;
  }
  const store = await createPostgresStore({ connectionString: url, options: `-c search_path=${schema}`, max: 8 });
  try {
    return await measure('postgres', store, n);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const n = quick ? 200 : 2000;
  const figures: Record<string, unknown> = { metricsPerVerdict: METRICS.length };
  const lite = await createPgliteStore();
  try {
    figures.pglite = await measure('pglite', lite, n);
  } finally {
    await lite.close();
  }
  figures.postgres = await postgres(n);
  if (typeof figures.postgres === 'string') console.log(`postgres  ${figures.postgres}`);
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { store: figures } }));
}
