/**
 * Order throughput: sale orders created and confirmed, POS orders — windows on indexed columns.
 *
 * - created: `sale_order.create_date` (`index=True` in 16.0–18.0, sale/models/sale_order.py);
 * - confirmed: `date_order` becomes the confirmation time in `action_confirm`
 *   (`_prepare_confirmation_values`), so confirmations in a window are rows with
 *   `state IN ('sale','done')` and `date_order` in it; the range uses `sale_order_date_order_id_idx`
 *   (17.0+) / `sale_order__date_order_index` (16.0). `done` exists only in 16.0 (locked orders);
 * - POS (addons/point_of_sale/models/pos_order.py, 17.0): `date_order` comes from the till
 *   (`_order_fields`: `ui_order['date_order']`), so an order synced late — an offline till —
 *   carries an old date and a window on it would miss it. Orders are read by id instead
 *   (LifecycleTracker) and counted once, when first seen out of `draft`, labelled with that state
 *   (`paid`, or `invoiced`/`done`/`cancel` when it got there before the exporter saw it).
 *   Restaurant orders are saved as `draft` (`_process_order(order, draft=True, ...)`) and later
 *   overwritten in place by the paid order: a draft is followed until it leaves draft, never
 *   counted as one. 18.0 has no `invoiced`.
 * Label: `company` = res_company.name.
 */
import { pgTimestamp, type SqlQuery } from '../db/query.ts';
import { COUNTERS, emptyBatch, type SignalBatch } from '../signals.ts';
import type { TrackingOptions } from './payments.ts';
import { Window, type SourceContext, type SqlSource } from './source.ts';
import { LifecycleTracker } from './tracker.ts';

interface CountRow {
  company_id: number;
  state?: string;
  n: number;
}

// addons/sale/models/sale_order.py (17.0): create_date index=True (sale_order__create_date_index)
export const SQL_SALE_CREATED = `SELECT company_id, count(*)::int4 AS n FROM sale_order
  WHERE create_date > $1::timestamp AND create_date <= $2::timestamp GROUP BY company_id`;
// addons/sale/models/sale_order.py (17.0): action_confirm → _prepare_confirmation_values writes
// state 'sale' and date_order = now; init() indexes (date_order desc, id desc). 'done' is 16.0's.
export const SQL_SALE_CONFIRMED = `SELECT company_id, count(*)::int4 AS n FROM sale_order
  WHERE date_order > $1::timestamp AND date_order <= $2::timestamp AND state IN ('sale', 'done') GROUP BY company_id`;

export function saleOrderSource(): SqlSource {
  const created = new Window();
  const confirmed = new Window();
  const companies = new Set<number>();
  return {
    name: 'sale_order',
    tables: ['sale_order'],
    async prime(_q, ctx) {
      created.prime(ctx.upper);
      confirmed.prime(ctx.upper);
    },
    async read(q: SqlQuery, ctx: SourceContext): Promise<SignalBatch> {
      const batch = emptyBatch();
      const read = async (w: Window, sql: string): Promise<CountRow[]> => {
        const range = w.next(ctx.upper);
        return range ? (await q.query<CountRow>(sql, [pgTimestamp(range.from), pgTimestamp(range.to)])).rows : [];
      };
      const a = await read(created, SQL_SALE_CREATED);
      const b = await read(confirmed, SQL_SALE_CONFIRMED);
      created.commit(ctx.upper); // both windows move only when both reads succeeded
      confirmed.commit(ctx.upper);
      for (const r of [...a, ...b]) companies.add(r.company_id);
      // every company seen gets a zero increment, so its series exist from the first order on
      for (const id of companies) {
        const company = ctx.company(id);
        batch.counters.push({
          name: COUNTERS.saleCreated,
          labels: { company },
          value: a.find((r) => r.company_id === id)?.n ?? 0,
        });
        batch.counters.push({
          name: COUNTERS.saleConfirmed,
          labels: { company },
          value: b.find((r) => r.company_id === id)?.n ?? 0,
        });
      }
      return batch;
    },
  };
}

export function posOrderSource(opts: TrackingOptions): SqlSource {
  let tracker: LifecycleTracker | undefined;
  return {
    name: 'pos_order',
    tables: ['pos_order'],
    async prime(q, ctx) {
      tracker = new LifecycleTracker({
        table: 'pos_order',
        labelColumns: [],
        open: ['draft'],
        final: ['paid', 'done', 'invoiced', 'cancel'],
        counted: ['paid', 'done', 'invoiced', 'cancel'],
        firstOnly: true,
        ...opts,
        lagMs: ctx.lagMs,
      });
      await tracker.prime(q, ctx.now);
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const counts = new Map<string, { company: string; state: string; n: number }>();
      for (const f of await tracker!.poll(q, ctx.now)) {
        const company = ctx.company(f.companyId);
        const key = `${company}\u0000${f.state}`;
        const c = counts.get(key) ?? { company, state: f.state, n: 0 };
        c.n++;
        counts.set(key, c);
      }
      for (const c of counts.values())
        batch.counters.push({ name: COUNTERS.posOrders, labels: { company: c.company, state: c.state }, value: c.n });
      return batch;
    },
  };
}
