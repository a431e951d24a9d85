/**
 * The Odoo 17.0 cases that make naive signals wrong, one by one, on PGlite and on the real
 * PostgreSQL — written with the simulator's writer (the rows Odoo writes), read by the
 * production SQL reader, and checked against values worked out here by hand from the script:
 *
 * - moves that bypass reservation (vendor receipt, consumable, inventory adjustment, a chained
 *   move) stay out of the reservation histogram; a delivery created confirmed and one entered as
 *   a draft and confirmed later are measured from their confirmation;
 * - a POS order synced late by an offline till (old `date_order`) and a restaurant draft paid in
 *   place are each counted once, as paid;
 * - a mail scheduled for later is not backlog until it is due, and then ages from its due time;
 * - a vendor bill posted three days after entry and an invoice cancelled, reset to draft and
 *   posted are counted (long after `openTtl`); a payment in error confirmed later counts under
 *   both; a wire transfer pending for two days shows pending, then done; a card validation is
 *   not a checkout;
 * - rows committed a minute after they took their ids are counted with the lag (and missed by a
 *   reader without one); on PostgreSQL also by a real transaction held open across a scrape;
 * - a cron with a past trigger is overdue, one with `numbercall = 0` is not;
 * - the database clock: ages follow `now()` of the database.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import {
  createOdooSchema,
  createSqlReader,
  fromPg,
  fromPglite,
  pgTimestamp,
  startOdooExporter,
  type SqlQuery,
  type TenantReader,
} from '../../odoo-exporter/index.ts';
import { createScratchPool, sampleSum } from '../../odoo-exporter/testing/helpers.ts';
import { OdooWriter } from '../../simulator/index.ts';
import { requireService } from './helpers.ts';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const S = 1000;
const MIN = 60 * S;
const DAY = 1440 * MIN;

interface CaseDb {
  db: SqlQuery;
  /** a second session, for a transaction held open (PostgreSQL only) */
  session?: () => Promise<pg.Client>;
  dispose(): Promise<void>;
}

function runCases(name: string, make: (t: TestContext) => Promise<CaseDb | undefined>): void {
  test(`${name}: each Odoo 17.0 case gives the right signal`, { timeout: 300_000 }, async (t) => {
    const c = await make(t);
    if (!c) return;
    const { db } = c;
    let now = T0;
    const tracking = { openTtlMs: 3_600_000, recheckMs: 600_000, maxOpen: 10_000, pageSize: 100 };
    const reader = (label: string, lagMs: number): TenantReader =>
      createSqlReader({
        db: label,
        connect: () => ({ query: db.query, close: async () => {} }),
        lagMs,
        cronGraceSeconds: 300,
        tracking,
      });
    try {
      await createOdooSchema(db, { version: '17.0' });
      const w = new OdooWriter(db);
      const company = await w.company('Shop', now);
      const stock = await w.location('WH/Stock', 'internal', now);
      const customers = await w.location('Partners/Customers', 'customer', now);
      const vendors = await w.location('Partners/Vendors', 'supplier', now);
      const inventory = await w.location('Virtual Locations/Inventory adjustment', 'inventory', now);
      const storable = await w.product('Chair', true, now, false);
      const consumable = await w.product('Paper bag', false, now, false);
      const mailCron = await w.cron('Mail: Email Queue Manager', 1, now + 60 * MIN, now, false);
      const doneCron = await w.cron('One-shot import', 1, now - 60 * MIN, now, false);
      await db.query(`UPDATE ir_cron SET numbercall = 0 WHERE id = $1`, [doneCron]); // finished: never ready again

      // a delivery already waiting for stock when the exporter starts (created confirmed 10 min before)
      const backorder = await w.move(company, 'S0', storable, 1, stock, customers, 'confirmed', T0 - 10 * MIN);

      const exporter = await startOdooExporter(
        { intervalSeconds: 0 },
        { readers: [reader('shop', 90 * S), reader('nolag', 0)], serve: false, clock: () => now },
      );
      const scrape = async (at: number): Promise<string> => {
        now = at;
        await exporter.scrapeOnce();
        return exporter.collect();
      };
      try {
        await scrape(T0); // prime: counting starts here

        // --- stock
        const receipt = await w.move(company, 'WH/IN/1', storable, 5, vendors, stock, 'confirmed', T0 + 10 * S);
        await w.reserveMove(receipt, company, storable, 5, T0 + 10 * S, false);
        const bag = await w.move(company, 'S1', consumable, 1, stock, customers, 'confirmed', T0 + 10 * S);
        await w.reserveMove(bag, company, consumable, 1, T0 + 10 * S, false);
        const adjust = await w.move(
          company,
          'Quantity Updated',
          storable,
          2,
          inventory,
          stock,
          'confirmed',
          T0 + 10 * S,
        );
        await w.reserveMove(adjust, company, storable, 2, T0 + 10 * S, false);
        const pick = await w.move(company, 'S2/pick', storable, 1, stock, stock, 'confirmed', T0 + 10 * S);
        const chained = await w.move(company, 'S2/out', storable, 1, stock, customers, 'confirmed', T0 + 10 * S);
        await db.query(`INSERT INTO stock_move_move_rel (move_orig_id, move_dest_id) VALUES ($1, $2)`, [pick, chained]);
        const delivery = await w.move(company, 'S3', storable, 1, stock, customers, 'confirmed', T0 + 20 * S);
        await w.posPickingMove(company, 'POS/0', storable, 1, stock, customers, T0 + 20 * S, false); // a till's picking: never waited
        const manual = await w.move(company, 'WH/OUT/9', storable, 1, stock, customers, 'draft', T0 + 30 * S);

        // --- POS: a late sync from an offline till, a restaurant draft
        await w.posOrder(company, 'POS/1', 12, 'paid', T0 + 40 * S, { dateOrder: T0 - 30 * MIN });
        const table = await w.posOrder(company, 'POS/2', 0, 'draft', T0 + 40 * S);

        // --- mail: one due now, one scheduled two hours later
        await w.mail(1, 'a@example.com', T0 + 30 * S);
        await w.mail(2, 'b@example.com', T0 + 30 * S, T0 + 120 * MIN);

        // --- accounting and payments
        const bill = await w.invoice(company, 'BILL/1', 900, T0 + 50 * S, 'in_invoice');
        const invoice = await w.invoice(company, 'INV/1', 120, T0 + 50 * S);
        const card = await w.payment(company, 'S4-1', 60, T0 + 50 * S);
        const wire = await w.payment(company, 'S5-1', 250, T0 + 50 * S);
        await w.paymentState(wire, 'pending', T0 + 50 * S);
        const validation = await w.payment(company, 'VAL-1', 0, T0 + 50 * S, 'validation');
        await w.paymentState(validation, 'done', T0 + 55 * S);

        // --- a transaction that took its ids now and commits a minute later
        const lateOrder = await w.reserveId('pos_order');
        const latePay = await w.reserveId('payment_transaction');
        await w.posOrder(company, 'POS/3', 5, 'paid', T0 + 58 * S); // a later id, committed first

        let text = await scrape(T0 + 60 * S);
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }),
          2,
          'late-synced POS order and POS/3 counted by id',
        );
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'draft' }),
          0,
          'a draft is not a sale',
        );
        assert.equal(sampleSum(text, 'odoo_mail_queued', { db: 'shop' }), 1, 'only the due mail is backlog');
        assert.equal(sampleSum(text, 'odoo_mail_scheduled', { db: 'shop' }), 1);
        assert.ok(
          Math.abs(sampleSum(text, 'odoo_mail_oldest_queued_age_seconds', { db: 'shop' }) - 30) < 0.01,
          'the due mail waits since it was created',
        );
        assert.equal(
          sampleSum(text, 'odoo_payment_transactions', { db: 'shop', state: 'pending' }),
          1,
          'the wire transfer is pending',
        );
        assert.equal(
          sampleSum(text, 'odoo_payment_transactions_total', { db: 'shop', state: 'done' }),
          0,
          'a card validation is not a checkout',
        );
        assert.equal(
          sampleSum(text, 'odoo_stock_moves_waiting', { db: 'shop' }),
          2,
          'the confirmed deliveries wait; the draft and the chained move do not count',
        );

        // the late transaction commits: its rows are below ids already read
        await w.posOrder(company, 'POS/L', 7, 'paid', T0 + 70 * S, { id: lateOrder, createdAt: T0 + 57 * S });
        await w.latePayment(latePay, company, 'LATE-1', 7, 'done', T0 + 57 * S);
        await w.reserveMove(delivery, company, storable, 1, T0 + 140 * S, false); // reserved 120 s after confirmation
        await w.reserveMove(backorder, company, storable, 1, T0 + 5 * MIN, false); // 15 min after its confirmation
        await w.paymentState(card, 'error', T0 + 90 * S);
        text = await scrape(T0 + 120 * S);
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }),
          3,
          'the late-committed order is counted',
        );
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { db: 'nolag', state: 'paid' }),
          2,
          'without the lag it is lost (the row the issue is about)',
        );
        assert.equal(
          sampleSum(text, 'odoo_payment_transactions_total', { db: 'shop', state: 'done' }),
          1,
          'the late-committed payment is counted',
        );
        assert.equal(sampleSum(text, 'odoo_payment_transactions_total', { db: 'shop', state: 'error' }), 1);

        // the draft delivery: seen draft at every scrape until it is confirmed at 10:10:30, between two scrapes a minute apart
        for (let m = 3; m <= 10; m++) text = await scrape(T0 + m * MIN);
        await w.confirmMove(manual, T0 + 630 * S);
        await w.paymentState(card, 'done', T0 + 640 * S); // 17.0 _set_done accepts error
        text = await scrape(T0 + 11 * MIN);
        await w.reserveMove(manual, company, storable, 1, T0 + 900 * S, false);
        await w.payPosDraft(table, 48, T0 + 20 * MIN);
        await w.moveState(invoice, 'cancel', T0 + 20 * MIN);
        text = await scrape(T0 + 21 * MIN);
        const latency = { db: 'shop', company: 'Shop' };
        assert.equal(
          sampleSum(text, 'odoo_stock_reservation_latency_seconds_count', latency),
          3,
          'three deliveries reserved; receipt, consumable, adjustment, chained move and POS picking left out',
        );
        assert.ok(
          Math.abs(sampleSum(text, 'odoo_stock_reservation_latency_seconds_sum', latency) - (120 + 270 + 900)) < 0.01,
          '120 s from creation-confirmation, 270 s from the hand confirmation (10:10:30 → 10:15:00), 900 s for the one waiting at start',
        );
        assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_bucket', { ...latency, le: '60' }), 0);
        assert.equal(
          sampleSum(text, 'odoo_payment_transactions_total', { db: 'shop', state: 'done' }),
          2,
          'error → done counts as done too',
        );
        assert.equal(
          sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }),
          4,
          'the restaurant order, once it is paid',
        );

        // days later: the bill, the cancelled invoice reset and posted, the wire transfer, the scheduled mail
        await w.moveState(invoice, 'draft', T0 + DAY);
        await w.postMove(invoice, T0 + DAY + 10 * MIN);
        text = await scrape(T0 + DAY + 30 * MIN);
        assert.equal(
          sampleSum(text, 'odoo_account_moves_posted_total', { db: 'shop', move_type: 'out_invoice' }),
          1,
          'cancelled → draft → posted',
        );
        assert.equal(sampleSum(text, 'odoo_mail_scheduled', { db: 'shop' }), 0);
        assert.equal(sampleSum(text, 'odoo_mail_queued', { db: 'shop' }), 2, 'the scheduled mail is due now');
        assert.ok(
          Math.abs(
            sampleSum(text, 'odoo_mail_oldest_queued_age_seconds', { db: 'shop' }) - (DAY + 30 * MIN - 30 * S) / S,
          ) < 0.01,
        );
        await w.paymentState(wire, 'done', T0 + 2 * DAY + 5 * MIN);
        await w.postMove(bill, T0 + 3 * DAY);
        text = await scrape(T0 + 3 * DAY + 15 * MIN);
        assert.equal(
          sampleSum(text, 'odoo_account_moves_posted_total', { db: 'shop', move_type: 'in_invoice' }),
          1,
          'the vendor bill posted after three days',
        );
        assert.equal(
          sampleSum(text, 'odoo_payment_transactions_total', { db: 'shop', state: 'done' }),
          3,
          'the wire transfer, two days later',
        );
        assert.equal(sampleSum(text, 'odoo_payment_transactions', { db: 'shop', state: 'pending' }), 0);

        // crons: the mail cron's nextcall is an hour off, but a trigger asked for a run 10 minutes ago
        await db.query(`UPDATE ir_cron SET nextcall = $2::timestamp WHERE id = $1`, [
          mailCron,
          pgTimestamp(now + 60 * MIN),
        ]);
        await db.query(`INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES ($1, $2::timestamp)`, [
          mailCron,
          pgTimestamp(now - 10 * MIN),
        ]);
        text = await scrape(now + 1000);
        assert.equal(
          sampleSum(text, 'odoo_cron_overdue', { db: 'shop' }),
          1,
          'the triggered cron; not the finished one (numbercall 0)',
        );
        assert.ok(
          Math.abs(
            sampleSum(text, 'odoo_cron_overdue_seconds', { db: 'shop', cron: 'Mail: Email Queue Manager' }) - 601,
          ) < 0.01,
        );

        // PostgreSQL: a real transaction holds its row across a scrape and commits after a later one
        if (c.session) {
          const other = await c.session();
          try {
            await other.query('BEGIN');
            await other.query(
              `INSERT INTO pos_order (name, company_id, session_id, state, date_order, amount_total, create_date) VALUES ('POS/TX', $1, 1, 'paid', $2::timestamp, 9, $2::timestamp)`,
              [company, pgTimestamp(now)],
            );
            await w.posOrder(company, 'POS/AFTER', 3, 'paid', now + 5 * S); // committed first, a higher id
            text = await scrape(now + 10 * S);
            assert.equal(
              sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }),
              5,
              'the open transaction is not visible yet',
            );
            await other.query('COMMIT');
          } finally {
            await other.end();
          }
          text = await scrape(now + 40 * S);
          assert.equal(
            sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }),
            6,
            'counted once it commits, 40 s later',
          );
          text = await scrape(now + 200 * S);
          assert.equal(sampleSum(text, 'odoo_pos_orders_total', { db: 'shop', state: 'paid' }), 6, 'and never twice');
        }
        assert.equal(sampleSum(text, 'odoo_exporter_up', { db: 'shop' }), 1);
      } finally {
        await exporter.close();
      }

      // the database clock: a configured tenant's ages follow now() of the database
      const dbClock = createSqlReader({
        db: 'clock',
        clock: 'database',
        connect: () => ({ query: db.query, close: async () => {} }),
        lagMs: 0,
        cronGraceSeconds: 300,
        tracking,
      });
      await db.query(`DELETE FROM mail_mail`);
      await db.query(
        `INSERT INTO mail_mail (mail_message_id, state, create_date) VALUES (9, 'outgoing', (now() AT TIME ZONE 'UTC') - interval '10 minutes')`,
      );
      const out = await dbClock.scrape(Date.UTC(2000, 0, 1)); // a wrong host clock is not used
      const mail = out
        .find((o) => o.source === 'mail_mail')!
        .batch!.gauges.find((g) => g.name === 'odoo_mail_oldest_queued_age_seconds')!;
      assert.ok(Math.abs(mail.value - 600) < 5, `age from the database clock: ${mail.value}`);
    } finally {
      await c.dispose();
    }
  });
}

runCases('postgresql', async (t) => {
  const admin = await requireService(t, 'postgres');
  if (!admin) return undefined;
  const scratch = await createScratchPool(admin);
  return {
    db: fromPg(scratch.pool),
    session: async () => {
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      return client;
    },
    dispose: scratch.dispose,
  };
});

runCases('pglite', async () => {
  const pglite = new PGlite();
  return { db: fromPglite(pglite), dispose: () => pglite.close() };
});
