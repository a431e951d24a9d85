/**
 * The exporter's contract suite (STYLE 2): the same tests run on every database implementation
 * — real PostgreSQL and PGlite — so the embedded default and the real service are proven
 * equivalent. The simulator writes a retail hour with a release and regressions; every exported
 * series is compared with counts computed from the rows by independent SQL written here, not
 * with the exporter's own queries.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createOdooSimulation, type OdooRegressions } from '../../simulator/index.ts';
import {
  createSqlReader,
  WAITING_AGE_CLASSES,
  type OdooModule,
  type SqlConnection,
  type SqlQuery,
} from '../../odoo-exporter/index.ts';
import { createScratchPool, hasSeries, sampleSum, scrapeEveryMinute } from '../../odoo-exporter/testing/helpers.ts';
import { fromPg, fromPglite, pgConnection } from '../../odoo-exporter/index.ts';
import { PGlite } from '@electric-sql/pglite';
import { requireService } from './helpers.ts';

interface ContractDb {
  /** the simulator's writer connection */
  db: SqlQuery;
  /** the exporter's own connection to the same database */
  connect: () => SqlConnection;
  dispose(): Promise<void>;
}

interface ContractOptions {
  name: string;
  /** a fresh, empty database; undefined = skip (service not available) */
  make: (t: TestContext) => Promise<ContractDb | undefined>;
}

const START = Date.UTC(2026, 10, 27, 18, 0, 0); // a Friday evening peak
const MIN = 60_000;
const CONTRACT_REGRESSIONS: OdooRegressions = {
  reservationSlowdown: 6,
  confirmFailureRate: 0.3,
  failingChannel: { channel: 'root.marketplace', failureRate: 0.6 },
  stalledCron: 'Mail: Email Queue Manager',
};

const LAG_MS = 120_000;

async function runHour(
  c: ContractDb,
  modules?: OdooModule[],
  minutes = 40,
): Promise<{ text: string; end: number; logs: string[]; confirmations: ReadonlyMap<number, number> }> {
  const sim = await createOdooSimulation({
    seed: 11,
    start: START,
    ordersPerMinute: 3,
    posOrdersPerMinute: 2,
    tenants: [{ name: 'shop', db: c.db, companies: ['Shop EU', 'Shop US'], modules }],
    release: { at: START + (minutes / 2) * MIN, regressions: CONTRACT_REGRESSIONS },
  });
  const reader = createSqlReader({
    db: 'shop',
    connect: c.connect,
    lagMs: LAG_MS,
    cronGraceSeconds: 300,
    tracking: { openTtlMs: 86_400_000, maxOpen: 100_000, pageSize: 50 },
  });
  const { text, logs } = await scrapeEveryMinute(sim, reader, START, minutes);
  return { text, end: sim.now(), logs, confirmations: sim.confirmations('shop') };
}

type Row = Record<string, string | number>;
const rows = async (db: SqlQuery, sql: string, params: unknown[] = []): Promise<Row[]> =>
  (await db.query<Row>(sql, params)).rows;

function runOdooExporterContract(opts: ContractOptions): void {
  test(`${opts.name}: every exported series equals counts computed from the rows`, { timeout: 600_000 }, async (t) => {
    const c = await opts.make(t);
    if (!c) return;
    try {
      const { text, end, logs, confirmations } = await runHour(c);
      assert.deepEqual(logs, [], 'no tenant errors');
      assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop' }), 1);
      const q = c.db;
      const ts = new Date(end).toISOString().replace('T', ' ').replace('Z', '');
      const upper = new Date(end - LAG_MS).toISOString().replace('T', ' ').replace('Z', ''); // time windows end `lag` back

      for (const r of await rows(
        q,
        `SELECT c.name, count(*) FILTER (WHERE s.create_date <= $1::timestamp)::int AS created, count(*) FILTER (WHERE s.state = 'sale' AND s.date_order <= $1::timestamp)::int AS confirmed FROM sale_order s JOIN res_company c ON c.id = s.company_id GROUP BY c.name`,
        [upper],
      )) {
        assert.equal(
          sampleSum(text, 'odoo_sale_orders_created_total', { db: 'shop', company: String(r.name) }),
          r.created,
          `created ${r.name}`,
        );
        assert.equal(
          sampleSum(text, 'odoo_sale_orders_confirmed_total', { company: String(r.name) }),
          r.confirmed,
          `confirmed ${r.name}`,
        );
        assert.ok(Number(r.confirmed) < Number(r.created), 'the confirm-failure regression leaves quotations');
      }
      // every order out of draft once, by id — late syncs (old date_order) and paid restaurant drafts included
      const pos = await rows(
        q,
        `SELECT c.name, p.state, count(*)::int AS n FROM pos_order p JOIN res_company c ON c.id = p.company_id WHERE p.state <> 'draft' GROUP BY 1, 2`,
      );
      for (const r of pos)
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { company: String(r.name), state: String(r.state) }),
          r.n,
          `pos ${r.name} ${r.state}`,
        );
      const oldDated = await rows(
        q,
        `SELECT count(*)::int AS n FROM pos_order WHERE date_order < create_date - interval '5 minutes'`,
      );
      assert.ok(Number(oldDated[0].n) > 0, 'the hour has orders synced late by an offline till');
      // checkouts only (no card validations); error → done counts under both, so errors are at least those still in error
      const checkout = `(p.operation IS NULL OR p.operation NOT IN ('validation', 'refund'))`;
      for (const r of await rows(
        q,
        `SELECT c.name, p.state, count(*)::int AS n FROM payment_transaction p JOIN res_company c ON c.id = p.company_id WHERE p.state IN ('done', 'cancel', 'error') AND ${checkout} GROUP BY 1, 2`,
      )) {
        const exported = sampleSum(text, 'odoo_payment_transactions_total', {
          company: String(r.name),
          state: String(r.state),
        });
        if (r.state === 'error') assert.ok(exported >= Number(r.n), `payments ${r.name} error: ${exported} >= ${r.n}`);
        else assert.equal(exported, r.n, `payments ${r.name} ${r.state}`);
      }
      for (const r of await rows(
        q,
        `SELECT c.name, m.move_type, count(*)::int AS n FROM account_move m JOIN res_company c ON c.id = m.company_id WHERE m.state = 'posted' GROUP BY 1, 2`,
      )) {
        assert.equal(
          sampleSum(text, 'odoo_account_moves_posted_total', {
            company: String(r.name),
            move_type: String(r.move_type),
          }),
          r.n,
          `posted ${r.name}`,
        );
      }
      // reservation: outgoing storable moves from an internal location only (17.0 _should_bypass_reservation),
      // first line's create_date minus the confirmation the simulator recorded (the database keeps none)
      const eligible = `FROM stock_move m JOIN stock_location s ON s.id = m.location_id JOIN stock_location d ON d.id = m.location_dest_id
        JOIN product_product pp ON pp.id = m.product_id JOIN product_template pt ON pt.id = pp.product_tmpl_id JOIN res_company c ON c.id = m.company_id
        WHERE s.usage = 'internal' AND d.usage = 'customer' AND pt.detailed_type = 'product' AND m.origin NOT LIKE 'POS/%'`; // POS pickings never wait
      const firstLines = await rows(
        q,
        `SELECT c.name, m.id, EXTRACT(EPOCH FROM min(l.create_date))::float8 * 1000 AS reserved ${eligible.replace('WHERE', 'JOIN stock_move_line l ON l.move_id = m.id WHERE')} GROUP BY c.name, m.id`,
      );
      const bypassed = await rows(
        q,
        `SELECT count(DISTINCT m.id)::int AS n FROM stock_move m JOIN stock_move_line l ON l.move_id = m.id WHERE l.create_date = m.create_date`,
      );
      assert.ok(
        Number(bypassed[0].n) > 0,
        'the hour has moves reserved at confirmation (receipts, consumables, adjustments)',
      );
      const posMoves = await rows(
        q,
        `SELECT count(*)::int AS n FROM stock_move WHERE origin LIKE 'POS/%' AND state = 'done'`,
      );
      assert.ok(Number(posMoves[0].n) > 0, 'the hour has POS pickings (storable, stock → customers, done at once)');
      const byCompany = new Map<string, { n: number; total: number; le60: number; drafts: number }>();
      for (const r of firstLines) {
        const confirmed = confirmations.get(Number(r.id));
        assert.ok(confirmed !== undefined, `move ${r.id}: the simulator recorded its confirmation`);
        const s = Math.max(0, (Number(r.reserved) - confirmed) / 1000);
        const agg = byCompany.get(String(r.name)) ?? { n: 0, total: 0, le60: 0, drafts: 0 };
        agg.n++;
        agg.total += s;
        if (s <= 60) agg.le60++;
        byCompany.set(String(r.name), agg);
      }
      const draftMoves = (
        await rows(q, `SELECT c.name, count(*)::int AS n ${eligible} AND m.name LIKE 'WH/OUT/%' GROUP BY c.name`)
      ).reduce((a, r) => a.set(String(r.name), Number(r.n)), new Map<string, number>());
      assert.ok(byCompany.size > 0);
      for (const [name, agg] of byCompany) {
        const labels = { company: name };
        // a draft delivery's confirmation is known to the exporter within half a scrape interval (30 s here)
        const drafts = draftMoves.get(name) ?? 0;
        assert.equal(
          sampleSum(text, 'odoo_stock_reservation_latency_seconds_count', labels),
          agg.n,
          `reservations ${name}`,
        );
        assert.ok(
          Math.abs(sampleSum(text, 'odoo_stock_reservation_latency_seconds_sum', labels) - agg.total) <=
            0.01 * agg.n + 30 * drafts,
          `latency sum ${name}`,
        );
        assert.ok(
          Math.abs(
            sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { ...labels, le: '60' }) - agg.le60,
          ) <= drafts,
          `le 60 ${name}`,
        );
      }
      for (const r of await rows(
        q,
        `SELECT c.name, EXTRACT(EPOCH FROM ($1::timestamp - m.create_date))::float8 AS age ${eligible} AND m.state IN ('confirmed', 'partially_available')`,
        [ts],
      )) {
        const cls = WAITING_AGE_CLASSES.find((k) => Number(r.age) < k.upTo)!;
        assert.ok(
          sampleSum(text, 'odoo_stock_moves_waiting', { company: String(r.name), age: cls.label }) >= 1,
          `waiting move ${r.name} ${cls.label}`,
        );
      }
      const waiting = await rows(
        q,
        `SELECT count(*)::int AS n ${eligible} AND m.state IN ('confirmed', 'partially_available')`,
      );
      assert.equal(sampleSum(text, 'odoo_stock_moves_waiting'), waiting[0].n, 'moves waiting');

      for (const r of await rows(
        q,
        `SELECT channel, state, count(*)::int AS n FROM queue_job WHERE state NOT IN ('done', 'cancelled') GROUP BY 1, 2`,
      )) {
        assert.equal(
          sampleSum(text, 'odoo_queue_jobs', { channel: String(r.channel), state: String(r.state) }),
          r.n,
          `jobs ${r.channel} ${r.state}`,
        );
      }
      const failed = await rows(
        q,
        `SELECT channel, count(*)::int AS n FROM queue_job WHERE state = 'failed' GROUP BY 1`,
      );
      for (const r of failed)
        assert.equal(
          sampleSum(text, 'odoo_queue_job_failures_total', { channel: String(r.channel) }),
          r.n,
          `failures ${r.channel}`,
        );
      assert.ok(
        sampleSum(text, 'odoo_queue_job_failures_total', { channel: 'root.marketplace' }) > 0,
        'the failing channel shows',
      );

      const overdue = await rows(
        q,
        `SELECT count(*)::int AS n FROM ir_cron WHERE active AND numbercall != 0 AND nextcall < $1::timestamp - interval '300 seconds'`,
        [ts],
      );
      assert.equal(sampleSum(text, 'odoo_cron_overdue'), overdue[0].n);
      assert.equal(overdue[0].n, 1, 'the stalled cron is overdue');
      assert.ok(
        sampleSum(text, 'odoo_cron_overdue_seconds', { cron: 'Mail: Email Queue Manager' }) > 300,
        'stalled cron lateness',
      );

      // due (scheduled_date empty or past: what process_email_queue sends) apart from scheduled for later
      const mail = await rows(
        q,
        `SELECT count(*) FILTER (WHERE state = 'outgoing' AND (scheduled_date IS NULL OR scheduled_date <= $1::timestamp))::int AS queued,
        count(*) FILTER (WHERE state = 'outgoing' AND scheduled_date > $1::timestamp)::int AS scheduled, count(*) FILTER (WHERE state = 'exception')::int AS exception FROM mail_mail`,
        [ts],
      );
      assert.equal(sampleSum(text, 'odoo_mail_queued'), mail[0].queued);
      assert.equal(sampleSum(text, 'odoo_mail_scheduled'), mail[0].scheduled);
      assert.ok(Number(mail[0].scheduled) > 0, 'mails scheduled for later exist');
      assert.equal(sampleSum(text, 'odoo_mail_exception'), mail[0].exception);
      const open = await rows(
        q,
        `SELECT count(*)::int AS n FROM payment_transaction p WHERE state IN ('pending', 'authorized') AND ${checkout}`,
      );
      assert.equal(sampleSum(text, 'odoo_payment_transactions'), open[0].n);
    } finally {
      await c.dispose();
    }
  });

  test(
    `${opts.name}: a database without queue_job and point_of_sale: those signals are absent, not errors`,
    { timeout: 600_000 },
    async (t) => {
      const c = await opts.make(t);
      if (!c) return;
      try {
        const { text, logs } = await runHour(c, ['sale', 'payment', 'stock', 'mail', 'account'], 10);
        assert.deepEqual(logs, []);
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop' }), 1);
        assert.equal(sampleSum(text, 'odoo_exporter_scrape_errors_total'), 0);
        for (const name of [
          'odoo_queue_jobs',
          'odoo_queue_job_oldest_pending_age_seconds',
          'odoo_queue_job_failures_total',
          'odoo_pos_orders_total',
        ])
          assert.ok(!hasSeries(text, name), `${name} absent`);
        assert.ok(sampleSum(text, 'odoo_sale_orders_created_total') > 0, 'the other signals are there');
        assert.ok(hasSeries(text, 'odoo_cron_overdue'), 'cron signal present');
      } finally {
        await c.dispose();
      }
    },
  );
}

// Real PostgreSQL 15 (scripts/services/start.sh): a dedicated database per test; the simulator
// writes through its own pool, the exporter reads through the production connection (read-only
// session, statement_timeout).
runOdooExporterContract({
  name: 'postgresql',
  async make(t) {
    const admin = await requireService(t, 'postgres');
    if (!admin) return undefined;
    const scratch = await createScratchPool(admin);
    return {
      db: fromPg(scratch.pool),
      connect: () => pgConnection({ url: scratch.url, statementTimeoutMs: 10_000, connectTimeoutMs: 5_000 }),
      dispose: scratch.dispose,
    };
  },
});

// PGlite (the embedded default): one in-memory instance shared by the simulator and the exporter.
runOdooExporterContract({
  name: 'pglite',
  async make() {
    const db = new PGlite();
    const q = fromPglite(db);
    return { db: q, connect: () => ({ query: q.query, close: async () => {} }), dispose: () => db.close() };
  },
});
