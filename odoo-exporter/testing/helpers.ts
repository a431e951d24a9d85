/**
 * Test support (no other room imported): reading a Prometheus text exposition — the sum of the
 * samples of a name whose labels include the given ones (not a parser: collector/ has that) —
 * and dedicated scratch databases on a shared PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startOdooExporter } from '../exporter.ts';
import type { TenantReader } from '../signals.ts';

/** Sum of the samples `name{labels ⊇ want}` in a Prometheus text exposition (0 when none). */
export function sampleSum(text: string, name: string, want: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export function hasSeries(text: string, name: string): boolean {
  return text.split('\n').some((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

export interface ScratchDatabase {
  name: string;
  /** URL of the new database (same server, user and options as the admin URL) */
  url: string;
  /** drops it, terminating its sessions (PostgreSQL 13+ `WITH (FORCE)`) */
  drop(): Promise<void>;
}

/**
 * Creates a dedicated database `<prefix>_<random>` on the server of `adminUrl`, so parallel
 * test runs of other engineers never share tables with ours.
 */
export async function createScratchDatabase(adminUrl: string, prefix = 'rh_odoo_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new URL(adminUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * A scratch database (above) with the small pool the simulator writes through; `dispose` ends the
 * pool and drops the database.
 */
export async function createScratchPool(
  adminUrl: string,
): Promise<{ url: string; pool: pg.Pool; dispose(): Promise<void> }> {
  const scratch = await createScratchDatabase(adminUrl);
  const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
  // pool.end() resolves before its clients' sessions have closed, and the drop's FORCE then
  // terminates them: the pool re-emits that error, and with no listener it ended the test process
  // (an uncaught exception) in a CI run. Expected while disposing; reported otherwise.
  let disposing = false;
  pool.on('error', (err) => {
    if (!disposing) console.error(`scratch pool ${scratch.name}: an idle connection failed: ${err.message}`);
  });
  return {
    url: scratch.url,
    pool,
    async dispose() {
      disposing = true;
      await pool.end();
      await scratch.drop();
    },
  };
}

/**
 * An exporter over `reader` on the simulation's clock: one scrape at `start`, then one after each
 * of `minutes` simulated minutes, as Prometheus would scrape a live exporter. Returns the final
 * exposition and what the exporter logged (a failing source logs; a healthy run logs nothing).
 */
export async function scrapeEveryMinute(
  sim: { now(): number; runUntil(at: number): Promise<unknown> },
  reader: TenantReader,
  start: number,
  minutes: number,
): Promise<{ text: string; logs: string[] }> {
  const logs: string[] = [];
  const exporter = await startOdooExporter(
    { intervalSeconds: 0 },
    { readers: [reader], serve: false, clock: sim.now, log: (l) => logs.push(l) },
  );
  try {
    await exporter.scrapeOnce();
    for (let m = 1; m <= minutes; m += 1) {
      await sim.runUntil(start + m * 60_000);
      await exporter.scrapeOnce();
    }
    return { text: await exporter.collect(), logs };
  } finally {
    await exporter.close();
  }
}
