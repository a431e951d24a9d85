/**
 * Stock reservation latency and moves waiting for availability.
 *
 * Odoo records no "reserved at" (stock_move.reservation_date is a Date meaning "date to
 * reserve"); reserving creates `stock_move_line` rows (`_action_assign` → `_update_reserved_quantity`),
 * so a move's reservation time is its first move line's `create_date`. The start is the move's
 * `create_date`: moves of a sale order are created and confirmed in the same transaction
 * (`sale_order_line._action_launch_stock_rule` → procurement → `_action_confirm`), and Odoo keeps
 * no separate confirmation timestamp. A move reserved, unreserved (lines deleted) and reserved
 * again is observed again — that is a second reservation.
 *
 * New lines are read by primary key (`id > last`); "first line of its move" uses
 * `stock_move_line__move_id_index`. Waiting moves use `stock_move__state_index`.
 */
import { pgTimestamp, type SqlQuery } from '../schema/query.ts';
import { GAUGES, HISTOGRAMS, emptyBatch } from '../signals.ts';
import type { SqlSource } from './source.ts';

export const SQL_NEW_MOVE_LINES = `SELECT l.id, m.company_id,
    GREATEST(EXTRACT(EPOCH FROM (l.create_date - m.create_date)), 0)::float8 AS latency,
    NOT EXISTS (SELECT 1 FROM stock_move_line p WHERE p.move_id = l.move_id AND p.id < l.id) AS first
  FROM stock_move_line l JOIN stock_move m ON m.id = l.move_id
  WHERE l.id > $1 ORDER BY l.id LIMIT $2`;

/** Age classes of waiting moves (label `age`), upper bounds in seconds. */
export const WAITING_AGE_CLASSES: readonly { label: string; upTo: number }[] = [
  { label: '0-15m', upTo: 900 },
  { label: '15m-1h', upTo: 3600 },
  { label: '1h-4h', upTo: 14_400 },
  { label: '4h-24h', upTo: 86_400 },
  { label: '24h+', upTo: Infinity },
];

const ageColumns = WAITING_AGE_CLASSES.map((c, i) => {
  const lower = i === 0 ? null : WAITING_AGE_CLASSES[i - 1].upTo;
  const conds = [
    lower === null ? null : `create_date <= $1::timestamp - interval '${lower} seconds'`,
    Number.isFinite(c.upTo) ? `create_date > $1::timestamp - interval '${c.upTo} seconds'` : null,
  ].filter(Boolean);
  return `count(*) FILTER (WHERE ${conds.join(' AND ')})::int4 AS a${i}`;
}).join(',\n    ');

export const SQL_WAITING_MOVES = `SELECT company_id,
    ${ageColumns},
    GREATEST(EXTRACT(EPOCH FROM ($1::timestamp - min(create_date))), 0)::float8 AS oldest
  FROM stock_move WHERE state IN ('confirmed', 'partially_available') GROUP BY company_id`;

interface LineRow {
  id: number;
  company_id: number;
  latency: number;
  first: boolean;
}

export function stockSource(opts: { pageSize: number }): SqlSource {
  let lastLine = 0;
  const companies = new Set<number>();
  return {
    name: 'stock',
    tables: ['stock_move', 'stock_move_line'],
    async prime(q: SqlQuery) {
      const { rows } = await q.query<{ max: number }>(`SELECT COALESCE(max(id), 0)::int4 AS max FROM stock_move_line`);
      lastLine = rows[0]?.max ?? 0;
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const byCompany = new Map<number, number[]>();
      let last = lastLine;
      for (;;) {
        const { rows } = await q.query<LineRow>(SQL_NEW_MOVE_LINES, [last, opts.pageSize]);
        for (const r of rows) {
          if (!r.first) continue;
          const list = byCompany.get(r.company_id) ?? [];
          list.push(r.latency);
          byCompany.set(r.company_id, list);
        }
        if (rows.length > 0) last = rows[rows.length - 1].id;
        if (rows.length < opts.pageSize) break;
      }
      const { rows: waiting } = await q.query<Record<string, number>>(SQL_WAITING_MOVES, [pgTimestamp(ctx.now)]);
      lastLine = last; // only once every query of this source succeeded
      for (const [id, values] of byCompany) {
        companies.add(id);
        batch.histograms.push({ name: HISTOGRAMS.reservationLatency, labels: { company: ctx.company(id) }, values });
      }
      const seen = new Set<number>();
      for (const r of waiting) {
        seen.add(r.company_id);
        companies.add(r.company_id);
        const company = ctx.company(r.company_id);
        WAITING_AGE_CLASSES.forEach((c, i) => batch.gauges.push({ name: GAUGES.movesWaiting, labels: { company, age: c.label }, value: r[`a${i}`] }));
        batch.gauges.push({ name: GAUGES.oldestWaitingMove, labels: { company }, value: r.oldest });
      }
      // companies with nothing waiting report zeros rather than vanishing
      for (const id of companies) {
        if (seen.has(id)) continue;
        const company = ctx.company(id);
        for (const c of WAITING_AGE_CLASSES) batch.gauges.push({ name: GAUGES.movesWaiting, labels: { company, age: c.label }, value: 0 });
        batch.gauges.push({ name: GAUGES.oldestWaitingMove, labels: { company }, value: 0 });
      }
      return batch;
    },
  };
}
