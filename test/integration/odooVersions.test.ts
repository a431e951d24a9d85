/**
 * The columns that differ between Odoo versions (16.0: `mail_mail.scheduled_date` is a Char,
 * move lines have `reserved_uom_qty`; 17.0: `product_template.type = 'product'`, `ir_cron.numbercall`;
 * 18.0: `is_storable`, no `numbercall`) are read by the same SQL reader without an error, and
 * its reservation histogram still counts only the deliveries of storable products.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { createSqlReader, fromPglite, type OdooVersion } from '../../odoo-exporter/index.ts';
import { sampleSum, scrapeEveryMinute } from '../../odoo-exporter/testing/helpers.ts';
import { createOdooSimulation } from '../../simulator/index.ts';

for (const version of ['16.0', '17.0', '18.0'] as OdooVersion[]) {
  test(
    `Odoo ${version} schema: every source reads, reservations of storable deliveries only`,
    { timeout: 120_000 },
    async () => {
      const pglite = new PGlite();
      const db = fromPglite(pglite);
      const start = Date.UTC(2026, 10, 27, 19, 0, 0);
      try {
        const sim = await createOdooSimulation({
          seed: 9,
          start,
          ordersPerMinute: 4,
          tenants: [{ name: 'shop', db, version }],
        });
        const reader = createSqlReader({
          db: 'shop',
          connect: () => ({ query: db.query, close: async () => {} }),
          lagMs: 60_000,
          cronGraceSeconds: 300,
          tracking: { openTtlMs: 3_600_000, maxOpen: 10_000, pageSize: 500 },
        });
        const { text, logs } = await scrapeEveryMinute(sim, reader, start, 15);
        assert.deepEqual(logs, [], 'no source failed');
        assert.equal(sampleSum(text, 'odoo_exporter_up'), 1);
        const storable = version === '18.0' ? 'pt.is_storable' : `pt.type = 'product'`;
        const { rows } = await db.query<{
          n: number;
        }>(`SELECT count(DISTINCT m.id)::int AS n FROM stock_move m JOIN stock_move_line l ON l.move_id = m.id
          JOIN stock_location s ON s.id = m.location_id JOIN stock_location d ON d.id = m.location_dest_id
          JOIN product_product pp ON pp.id = m.product_id JOIN product_template pt ON pt.id = pp.product_tmpl_id
          WHERE s.usage = 'internal' AND d.usage = 'customer' AND ${storable} AND m.origin NOT LIKE 'POS/%'`); // POS pickings never wait
        assert.ok(rows[0].n > 0, 'deliveries were reserved');
        assert.equal(sampleSum(text, 'odoo_stock_reservation_latency_seconds_count'), rows[0].n);
      } finally {
        await pglite.close();
      }
    },
  );
}
