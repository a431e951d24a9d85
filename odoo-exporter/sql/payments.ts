/**
 * Checkout/payment health and accounting flow.
 *
 * - `odoo_payment_transactions_total{company,state}`: transactions reaching `done`, `cancel` or
 *   `error`, each counted once (LifecycleTracker: `last_state_change` has no index);
 * - `odoo_payment_transactions{company,state}`: transactions now `pending` or `authorized`, by the
 *   `state` index (`draft` is left out: abandoned checkouts leave drafts forever);
 * - `odoo_account_moves_posted_total{company,move_type}`: moves reaching `posted`, counted once
 *   (there is no "posted at" column in account_move, 16.0–18.0).
 */
import type { SqlQuery } from '../schema/query.ts';
import { COUNTERS, GAUGES, emptyBatch } from '../signals.ts';
import type { SqlSource } from './source.ts';
import { LifecycleTracker } from './tracker.ts';

export const SQL_PAYMENTS_OPEN = `SELECT company_id, state, count(*)::int4 AS n FROM payment_transaction
  WHERE state IN ('pending', 'authorized') GROUP BY company_id, state`;

export interface TrackingOptions {
  openTtlMs: number;
  maxOpen: number;
  pageSize: number;
}

export function paymentSource(opts: TrackingOptions): SqlSource {
  const tracker = new LifecycleTracker({ table: 'payment_transaction', labelColumns: [], final: ['done', 'cancel', 'error'], counted: ['done', 'cancel', 'error'], ...opts });
  return {
    name: 'payment_transaction',
    tables: ['payment_transaction'],
    prime: (q: SqlQuery) => tracker.prime(q),
    async read(q, ctx) {
      const batch = emptyBatch();
      const { rows } = await q.query<{ company_id: number; state: string; n: number }>(SQL_PAYMENTS_OPEN);
      for (const r of rows) batch.gauges.push({ name: GAUGES.payments, labels: { company: ctx.company(r.company_id), state: r.state }, value: r.n });
      const counts = new Map<string, { company: string; state: string; n: number }>();
      for (const f of await tracker.poll(q, ctx.now)) {
        const company = ctx.company(f.companyId);
        const key = `${company}\u0000${f.state}`;
        const c = counts.get(key) ?? { company, state: f.state, n: 0 };
        c.n++;
        counts.set(key, c);
      }
      for (const c of counts.values()) batch.counters.push({ name: COUNTERS.payments, labels: { company: c.company, state: c.state }, value: c.n });
      return batch; // the tracker's poll is last: nothing after it can fail and lose its counts
    },
  };
}

export function accountMoveSource(opts: TrackingOptions): SqlSource {
  const tracker = new LifecycleTracker({ table: 'account_move', labelColumns: ['move_type'], final: ['posted', 'cancel'], counted: ['posted'], ...opts });
  return {
    name: 'account_move',
    tables: ['account_move'],
    prime: (q: SqlQuery) => tracker.prime(q),
    async read(q, ctx) {
      const batch = emptyBatch();
      const counts = new Map<string, { company: string; moveType: string; n: number }>();
      for (const f of await tracker.poll(q, ctx.now)) {
        const company = ctx.company(f.companyId);
        const moveType = f.labels.move_type;
        const key = `${company}\u0000${moveType}`;
        const c = counts.get(key) ?? { company, moveType, n: 0 };
        c.n++;
        counts.set(key, c);
      }
      for (const c of counts.values()) batch.counters.push({ name: COUNTERS.movesPosted, labels: { company: c.company, move_type: c.moveType }, value: c.n });
      return batch;
    },
  };
}
