/**
 * Reads one tenant database by SQL: probes which Odoo tables exist (`to_regclass`, every scrape,
 * so installing a module later is picked up), then runs each source whose tables exist.
 * Missing module tables → the source is `absent`; missing base tables → an error (not an Odoo
 * database); a failing source → its own error, the other sources still report.
 */
import { BASE_TABLES } from '../db/ddl.ts';
import type { SqlQuery } from '../db/query.ts';
import type { SourceOutcome, TenantReader } from '../signals.ts';
import type { SqlConnection } from './connect.ts';
import { cronSource, mailSource, queueJobSource } from './jobs.ts';
import { posOrderSource, saleOrderSource } from './orders.ts';
import { accountMoveSource, paymentSource, type TrackingOptions } from './payments.ts';
import type { SourceContext, SqlSource } from './source.ts';
import { stockSource } from './stock.ts';

export interface SqlReaderOptions {
  db: string;
  /** opens the connection (called once, lazily; a pool reconnects by itself) */
  connect: () => SqlConnection;
  /** rows committed up to this late are still counted (time windows end this far back; id reads re-read this long) */
  lagMs: number;
  /**
   * `database` (what a configured tenant uses, see exporter.ts `readerFor`): every scrape reads `now()` from the database (UTC) and every query's
   * "now" is that — ages and windows follow the clock Odoo stamps rows with, whatever the
   * exporter host's clock says. `caller`: the `now` passed to `scrape` (the simulator's virtual
   * clock in tests and replays; the default for readers built in code).
   */
  clock?: 'database' | 'caller';
  cronGraceSeconds: number;
  tracking: TrackingOptions;
}

export const SQL_PROBE = `SELECT t AS name, to_regclass(t) IS NOT NULL AS present FROM unnest($1::text[]) AS t`;

export const SQL_DB_NOW = `SELECT EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC'))::float8 * 1000 AS now`;

export function createSqlSources(opts: Pick<SqlReaderOptions, 'cronGraceSeconds' | 'tracking'>): SqlSource[] {
  return [
    saleOrderSource(),
    posOrderSource(opts.tracking),
    paymentSource(opts.tracking),
    stockSource({ pageSize: opts.tracking.pageSize, maxOpen: opts.tracking.maxOpen }),
    queueJobSource(),
    cronSource({ graceSeconds: opts.cronGraceSeconds }),
    mailSource(),
    accountMoveSource(opts.tracking),
  ];
}

export function createSqlReader(opts: SqlReaderOptions): TenantReader {
  const sources = createSqlSources(opts);
  const primed = new Set<string>();
  const tables = [...new Set([...BASE_TABLES, ...sources.flatMap((s) => s.tables)])];
  let conn: SqlConnection | undefined;

  const timed = async (
    source: string,
    run: () => Promise<Omit<SourceOutcome, 'source' | 'seconds'>>,
  ): Promise<SourceOutcome> => {
    const t0 = performance.now();
    try {
      return { source, ...(await run()), seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      return { source, error: err as Error, seconds: (performance.now() - t0) / 1000 };
    }
  };

  return {
    db: opts.db,
    async scrape(now) {
      let present = new Set<string>();
      let names = new Map<number, string>();
      const q: SqlQuery = {
        query<R extends object>(text: string, params?: unknown[]) {
          conn ??= opts.connect(); // inside the probe: a missing password variable is this tenant's error
          return conn.query<R>(text, params);
        },
      };
      const probe = await timed('connection', async () => {
        const { rows } = await q.query<{ name: string; present: boolean }>(SQL_PROBE, [tables]);
        present = new Set(rows.filter((r) => r.present).map((r) => r.name));
        const missing = BASE_TABLES.filter((t) => !present.has(t));
        if (missing.length > 0) throw new Error(`not an Odoo database: no ${missing.join(', ')}`);
        const { rows: companies } = await q.query<{ id: number; name: string }>('SELECT id, name FROM res_company');
        names = new Map(companies.map((c) => [c.id, c.name]));
        if (opts.clock === 'database') now = (await q.query<{ now: number }>(SQL_DB_NOW)).rows[0].now;
        return {};
      });
      if (probe.error) return [probe];
      const ctx: SourceContext = {
        now,
        lagMs: opts.lagMs,
        upper: now - opts.lagMs,
        company: (id) => (id === null || id === undefined ? '' : (names.get(id) ?? String(id))),
      };
      const out: SourceOutcome[] = [probe];
      for (const s of sources) {
        if (!s.tables.every((t) => present.has(t))) {
          primed.delete(s.name); // reinstalled later: count from then on
          out.push({ source: s.name, absent: true, seconds: 0 });
          continue;
        }
        out.push(
          await timed(s.name, async () => {
            if (!primed.has(s.name)) {
              await s.prime(q, ctx);
              primed.add(s.name);
            }
            return { batch: await s.read(q, ctx) };
          }),
        );
      }
      return out;
    },
    async close() {
      await conn?.close();
    },
  };
}
