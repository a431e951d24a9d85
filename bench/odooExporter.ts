/**
 * Odoo exporter at scale on real PostgreSQL: scrape time and database time per scrape with 1M and
 * 10M `sale_order` rows (quick: 100k and 1M), with the indexes Odoo 17.0 creates; the other
 * tables it reads hold 1M rows each (quick: 100k; payment_transaction, stock_move and lines,
 * queue_job, account_move — mostly finished rows, a tail of live ones). Rows come from
 * `generate_series` in SQL (a year of orders ending now; 85% confirmed, 10% quotations, 5%
 * cancelled; two companies); indexes are built after the load, the state Odoo's own tables reach.
 * Between scrapes ~30 s of new traffic is inserted (40 orders and 40 payments, as at a retail evening peak), so
 * each scrape reads what a live exporter reads: the new rows. Per scrape it reports wall time,
 * the database time of each source (client-measured, so it includes the round trip) and the
 * server's EXPLAIN ANALYZE execution time of the two sale_order window queries.
 *
 *   node --import tsx bench/odooExporter.ts [--quick]      (needs RH_PG_URL: scripts/services/start.sh)
 * Registered in bench/run.ts as `odoo-exporter`.
 */
import pg from 'pg';
import {
  createOdooSchema,
  createSqlReader,
  fromPg,
  pgConnection,
  pgTimestamp,
  SQL_SALE_CONFIRMED,
  SQL_SALE_CREATED,
  tableDdl,
  type SourceOutcome,
} from '../odoo-exporter/index.ts';
import { createScratchDatabase } from '../odoo-exporter/testing/helpers.ts';
import { serviceEnv } from '../test/integration/helpers.ts';

const SCRAPES = 15;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x: number): number => Math.round(x * 100) / 100;

async function loadOrders(q: pg.Pool, from: number, to: number): Promise<void> {
  // one order every ~3 s over the year before now, ids in time order as Odoo's sequence gives them
  await q.query(
    `INSERT INTO sale_order (name, company_id, partner_id, state, date_order, amount_total, create_date, write_date)
    SELECT 'S' || g, 1 + (g % 2), 1 + (g % 5000),
      CASE WHEN g % 20 = 0 THEN 'cancel' WHEN g % 10 = 1 THEN 'draft' ELSE 'sale' END,
      c + CASE WHEN g % 10 = 1 OR g % 20 = 0 THEN interval '0' ELSE interval '45 seconds' END,
      50 + (g % 200), c, c
    FROM (SELECT g, (now() AT TIME ZONE 'UTC') - interval '365 days' * (1 - g::float8 / $2) AS c FROM generate_series($1::int8, $2::int8) AS g) s`,
    [from, to],
  );
}

/**
 * The other tables the exporter reads, at `n` rows each (once, before the sale_order runs), with
 * the states a live database holds: nearly everything finished; live rows mostly recent (pending
 * jobs in the last 0.5% of the year, moves waiting in the last 1%) plus an old tail (failed jobs
 * every 500th row over the whole year, a waiting backorder every 5000th) — live rows scattered
 * uniformly over a year instead cost the queue_job query ~170 ms cold (6.7k heap pages read).
 */
async function loadOthers(q: pg.Pool, n: number): Promise<void> {
  const year = `(now() AT TIME ZONE 'UTC') - interval '365 days' * (1 - g::float8 / ${n})`;
  await q.query(
    `INSERT INTO stock_location (name, usage) VALUES ('WH/Stock', 'internal'), ('Partners/Customers', 'customer'), ('Partners/Vendors', 'supplier')`,
  );
  await q.query(
    `INSERT INTO product_template (name, detailed_type, type) SELECT jsonb_build_object('en_US', 'P' || g), CASE WHEN g % 10 = 0 THEN 'consu' ELSE 'product' END, CASE WHEN g % 10 = 0 THEN 'consu' ELSE 'product' END FROM generate_series(1, 500) g`,
  );
  await q.query(`INSERT INTO product_product (product_tmpl_id) SELECT g FROM generate_series(1, 500) g`);
  await q.query(`INSERT INTO payment_transaction (provider_id, company_id, reference, amount, currency_id, state, last_state_change, partner_id, create_date, write_date)
    SELECT 1, 1 + (g % 2), 'T' || g, 60, 1, CASE WHEN g % 50 = 0 THEN 'draft' WHEN g % 33 = 0 THEN 'cancel' ELSE 'done' END, ${year}, 1, ${year}, ${year} FROM generate_series(1, ${n}) g`);
  // deliveries from stock (a tenth receipts from vendors), as a live database holds them
  await q.query(`INSERT INTO stock_move (name, company_id, product_id, product_uom_qty, location_id, location_dest_id, state, date, create_date, write_date)
    SELECT 'S' || g, 1 + (g % 2), 1 + (g % 500), 1, CASE WHEN g % 10 = 3 THEN 3 ELSE 1 END, CASE WHEN g % 10 = 3 THEN 1 ELSE 2 END, CASE WHEN (g > ${n} * 0.99 AND g % 20 = 0) OR g % 5000 = 0 THEN 'confirmed' ELSE 'done' END, ${year}, ${year}, ${year} FROM generate_series(1, ${n}) g`);
  await q.query(`INSERT INTO stock_move_line (move_id, company_id, product_id, quantity, create_date, write_date)
    SELECT g, 1 + (g % 2), 1 + (g % 500), 1, ${year} + interval '20 seconds', ${year} FROM generate_series(1, ${n}) g WHERE NOT ((g > ${n} * 0.99 AND g % 20 = 0) OR g % 5000 = 0)`);
  await q.query(`INSERT INTO queue_job (uuid, company_id, name, state, date_created, date_done, channel, retry, max_retries)
    SELECT md5(g::text), 1, 'job', CASE WHEN g % 500 = 0 THEN 'failed' WHEN g > ${n} * 0.995 AND g % 3 = 0 THEN 'pending' ELSE 'done' END, ${year}, ${year},
      (ARRAY['root.marketplace', 'root.edi', 'root', 'root.mail'])[1 + g % 4], 0, 5 FROM generate_series(1, ${n}) g`);
  await q.query(`INSERT INTO account_move (name, company_id, journal_id, move_type, state, date, currency_id, create_date, write_date)
    SELECT 'INV' || g, 1 + (g % 2), 1, 'out_invoice', CASE WHEN g % 100 = 0 THEN 'draft' ELSE 'posted' END, (${year})::date, 1, ${year}, ${year} FROM generate_series(1, ${n}) g`);
  await q.query(
    `INSERT INTO mail_mail (mail_message_id, state, create_date, write_date) SELECT g, CASE WHEN g % 3 = 0 THEN 'exception' ELSE 'outgoing' END, ${year}, ${year} FROM generate_series(1, 2000) g`,
  );
  for (const t of [
    'stock_location',
    'product_template',
    'product_product',
    'payment_transaction',
    'stock_move',
    'stock_move_line',
    'queue_job',
    'account_move',
    'mail_mail',
  ])
    await q.query(`VACUUM ANALYZE ${t}`);
}

async function scrapeSeries(pool: pg.Pool, url: string): Promise<Record<string, unknown>> {
  const reader = createSqlReader({
    db: 'bench',
    lagMs: 90_000,
    cronGraceSeconds: 300, // the default lag: rows of the last 90 s are re-read every scrape
    tracking: { openTtlMs: 86_400_000, maxOpen: 200_000, pageSize: 10_000 },
    connect: () => pgConnection({ url, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 }),
  });
  const walls: number[] = [];
  const dbTimes: number[] = [];
  const bySource = new Map<string, number[]>();
  try {
    await reader.scrape(Date.now()); // prime (watermarks at now)
    for (let i = 0; i < SCRAPES; i++) {
      await pool.query(`INSERT INTO sale_order (name, company_id, partner_id, state, date_order, amount_total, create_date, write_date)
        SELECT 'N' || g, 1 + (g % 2), 1, CASE WHEN g % 5 = 0 THEN 'draft' ELSE 'sale' END, now() AT TIME ZONE 'UTC', 60, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM generate_series(1, 40) g`);
      await pool.query(
        `INSERT INTO payment_transaction (provider_id, company_id, reference, amount, currency_id, state, last_state_change, partner_id, create_date, write_date)
        SELECT 1, 1, 'N' || $1::text || '-' || g, 60, 1, 'done', now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM generate_series(1, 40) g`,
        [`${Date.now()}-${i}`],
      );
      await new Promise((r) => setTimeout(r, 5));
      const t0 = performance.now();
      const out: SourceOutcome[] = await reader.scrape(Date.now());
      walls.push(performance.now() - t0);
      const failed = out.filter((o) => o.error);
      if (failed.length)
        throw new Error(`scrape failed: ${failed.map((o) => `${o.source}: ${o.error!.message}`).join('; ')}`);
      dbTimes.push(out.reduce((s, o) => s + o.seconds * 1000, 0));
      for (const o of out) bySource.set(o.source, [...(bySource.get(o.source) ?? []), o.seconds * 1000]);
    }
  } finally {
    await reader.close();
  }
  const explain = async (sql: string): Promise<number> => {
    const from = pgTimestamp(Date.now() - 30_000),
      to = pgTimestamp(Date.now());
    const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, [from, to]);
    return (rows[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]['Execution Time'];
  };
  const plan = async (sql: string): Promise<string> => {
    const { rows } = await pool.query(`EXPLAIN ${sql}`, [pgTimestamp(Date.now() - 30_000), pgTimestamp(Date.now())]);
    return (
      rows
        .map((r) => r['QUERY PLAN'] as string)
        .find((l) => /Index|Seq Scan/.test(l))
        ?.trim() ?? ''
    );
  };
  return {
    scrapeMsMedian: ms(quantile(walls, 0.5)),
    scrapeMsP95: ms(quantile(walls, 0.95)),
    scrapeMsMax: ms(Math.max(...walls)),
    dbMsMedian: ms(quantile(dbTimes, 0.5)),
    saleOrderSourceMsMedian: ms(quantile(bySource.get('sale_order') ?? [0], 0.5)),
    sourceMsMedian: Object.fromEntries([...bySource].map(([k, v]) => [k, ms(quantile(v, 0.5))])),
    serverExecMsCreated: ms(await explain(SQL_SALE_CREATED)),
    serverExecMsConfirmed: ms(await explain(SQL_SALE_CONFIRMED)),
    planCreated: await plan(SQL_SALE_CREATED),
    planConfirmed: await plan(SQL_SALE_CONFIRMED),
  };
}

export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const admin = serviceEnv('RH_PG_URL');
  if (!admin) {
    console.log('odooExporter: RH_PG_URL not set (run scripts/services/start.sh); skipped');
    return { skipped: 'no RH_PG_URL' };
  }
  const sizes = quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
  const scratch = await createScratchDatabase(admin, 'rh_odoo_bench');
  const pool = new pg.Pool({ connectionString: scratch.url, max: 2 });
  const figures: Record<string, unknown> = {};
  try {
    const db = fromPg(pool);
    await createOdooSchema(db, {
      version: '17.0',
      modules: ['payment', 'stock', 'queue_job', 'mail', 'account', 'point_of_sale'],
    });
    const [createTable, ...indexes] = tableDdl('sale_order', '17.0')
      .split(/;\n/)
      .map((s) => s.replace(/;$/, ''));
    await pool.query(createTable);
    await pool.query(`INSERT INTO res_company (name, currency_id) VALUES ('Shop EU', 1), ('Shop US', 1)`);
    const others = quick ? 100_000 : 1_000_000;
    const tOthers = performance.now();
    await loadOthers(pool, others);
    console.log(
      `other tables: ${others} rows each in payment_transaction, stock_move, stock_move_line, queue_job, account_move (${((performance.now() - tOthers) / 1000).toFixed(1)} s)`,
    );
    figures.otherTablesRows = others;
    let loaded = 0;
    for (const size of sizes) {
      const t0 = performance.now();
      await pool.query(
        'DROP INDEX IF EXISTS sale_order__company_id_index, sale_order__partner_id_index, sale_order__state_index, sale_order__create_date_index, sale_order__user_id_index, sale_order_date_order_id_idx',
      );
      await loadOrders(pool, loaded + 1, size);
      for (const ix of indexes) await pool.query(ix);
      await pool.query('VACUUM ANALYZE sale_order');
      const loadSeconds = (performance.now() - t0) / 1000;
      loaded = size;
      const r = await scrapeSeries(pool, scratch.url);
      const label = size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`;
      console.log(
        `sale_order ${label} rows (load+index ${loadSeconds.toFixed(1)} s): scrape median ${r.scrapeMsMedian} ms, p95 ${r.scrapeMsP95} ms, max ${r.scrapeMsMax} ms; ` +
          `db time median ${r.dbMsMedian} ms (sale_order source ${r.saleOrderSourceMsMedian} ms); server exec created ${r.serverExecMsCreated} ms, confirmed ${r.serverExecMsConfirmed} ms`,
      );
      console.log(`  per-source median ms: ${JSON.stringify(r.sourceMsMedian)}`);
      console.log(`  plans: created → ${r.planCreated}; confirmed → ${r.planConfirmed}`);
      figures[label] = { ...r, loadSeconds: Math.round(loadSeconds * 10) / 10 };
    }
  } finally {
    await pool.end();
    await scratch.drop();
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify({ bench: { odooExporter: figures } }));
}
