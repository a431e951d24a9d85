/**
 * Checkout/payment health and accounting flow.
 *
 * - `odoo_payment_transactions_total{company,state}`: checkout transactions reaching `done`,
 *   `cancel` or `error`, each state counted once per transaction. 17.0's `_set_done` accepts
 *   `('draft', 'pending', 'authorized', 'error')` (addons/payment/models/payment_transaction.py,
 *   17.0), so `error` is not final: a transaction seen in error and later confirmed counts once
 *   under each. Wire transfers and manual captures sit in `pending`/`authorized` for days and are
 *   followed (see LifecycleTracker). `operation` `validation` (a card check when saving a token)
 *   and `refund` are not checkouts and are left out; the field's own comment says it "should not
 *   be trusted if the state is draft or pending" — a stated limit;
 * - `odoo_payment_transactions{company,state}`: checkout transactions now `pending` or
 *   `authorized`, by the `state` index (`draft` is left out: abandoned checkouts stay draft);
 * - `odoo_account_moves_posted_total{company,move_type}`: entries reaching `posted`, once per
 *   entry (account/models/account_move.py, 17.0: no "posted at" column; `state` is not indexed).
 *   Drafts and cancelled entries are followed: `button_draft` resets a cancelled entry to draft
 *   and it may be posted later; vendor bills wait in draft for days; `auto_post` entries are
 *   posted by a cron on their date. An entry reset to draft after posting and posted again is
 *   not counted again.
 */
import type { SqlQuery } from '../db/query.ts';
import { COUNTERS, GAUGES, emptyBatch } from '../signals.ts';
import type { SourceContext, SqlSource } from './source.ts';
import { LifecycleTracker } from './tracker.ts';

/** A checkout: not a payment-method validation, not a refund (payment_transaction.py `operation`). */
export const CHECKOUT = `operation IS NULL OR operation NOT IN ('validation', 'refund')`;

export const SQL_PAYMENTS_OPEN = `SELECT company_id, state, count(*)::int4 AS n FROM payment_transaction
  WHERE state IN ('pending', 'authorized') AND (${CHECKOUT}) GROUP BY company_id, state`;

export interface TrackingOptions {
  /** a row not yet final is re-read at every scrape for this long… */
  openTtlMs: number;
  /** …then every `recheckMs` (default 10 min) until `maxAgeMs` (default 90 days) */
  recheckMs?: number;
  maxAgeMs?: number;
  maxOpen: number;
  pageSize: number;
}

function tally<K extends string>(
  events: { companyId: number | null; state: string; labels: Record<string, string> }[],
  ctx: SourceContext,
  key: (e: { company: string; state: string; labels: Record<string, string> }) => Record<K, string>,
) {
  const counts = new Map<string, { labels: Record<K, string>; n: number }>();
  for (const e of events) {
    const labels = key({ company: ctx.company(e.companyId), state: e.state, labels: e.labels });
    const k = JSON.stringify(labels);
    const c = counts.get(k) ?? { labels, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()];
}

export function paymentSource(opts: TrackingOptions): SqlSource {
  let tracker: LifecycleTracker | undefined;
  return {
    name: 'payment_transaction',
    tables: ['payment_transaction'],
    async prime(q: SqlQuery, ctx) {
      tracker = new LifecycleTracker({
        table: 'payment_transaction',
        labelColumns: [],
        where: CHECKOUT,
        open: ['draft', 'pending', 'authorized', 'error'],
        final: ['done', 'cancel'],
        counted: ['done', 'cancel', 'error'],
        ...opts,
        lagMs: ctx.lagMs,
      });
      await tracker.prime(q, ctx.now);
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const { rows } = await q.query<{ company_id: number; state: string; n: number }>(SQL_PAYMENTS_OPEN);
      for (const r of rows)
        batch.gauges.push({
          name: GAUGES.payments,
          labels: { company: ctx.company(r.company_id), state: r.state },
          value: r.n,
        });
      for (const c of tally(await tracker!.poll(q, ctx.now), ctx, (e) => ({ company: e.company, state: e.state }))) {
        batch.counters.push({ name: COUNTERS.payments, labels: c.labels, value: c.n });
      }
      return batch; // the tracker's poll is last: nothing after it can fail and lose its counts
    },
  };
}

export function accountMoveSource(opts: TrackingOptions): SqlSource {
  let tracker: LifecycleTracker | undefined;
  return {
    name: 'account_move',
    tables: ['account_move'],
    async prime(q: SqlQuery, ctx) {
      tracker = new LifecycleTracker({
        table: 'account_move',
        labelColumns: ['move_type'],
        open: ['draft', 'cancel'],
        final: ['posted'],
        counted: ['posted'],
        ...opts,
        lagMs: ctx.lagMs,
      });
      await tracker.prime(q, ctx.now);
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      for (const c of tally(await tracker!.poll(q, ctx.now), ctx, (e) => ({
        company: e.company,
        move_type: e.labels.move_type,
      }))) {
        batch.counters.push({ name: COUNTERS.movesPosted, labels: c.labels, value: c.n });
      }
      return batch;
    },
  };
}
