/**
 * Stock reservation latency and moves waiting for availability — for the moves that really wait
 * for stock: outgoing moves of storable products from an internal location.
 *
 * Which moves (Odoo 17.0, addons/stock/models/stock_move.py and stock_location.py):
 * `_should_bypass_reservation()` is `location.should_bypass_reservation() or
 * self.product_id.type != 'product'`, and `should_bypass_reservation()` is `usage in ('supplier',
 * 'customer', 'inventory', 'production') or scrap_location or (transit without company)`.
 * `_action_confirm` calls `_action_assign` on such moves at once, and `_action_assign` gives
 * them their move lines without touching quants: receipts, returns, inventory adjustments,
 * manufacturing and every consumable would enter the histogram at exactly 0. So a move counts
 * when its source location is `internal`, its destination is `customer` (a delivery), its
 * product template's `type` is `product` (storable; 18.0: `is_storable`), and it is not chained
 * after another move (`stock_move_move_rel`: in 2/3-step delivery the last step waits for the
 * pick, not for stock — stated limit: the pick step is internal → internal and is not counted).
 *
 * From when (confirmation): Odoo stores no confirmation time — `write_date` moves on every
 * write, `stock.move` is not a mail.thread (no tracking values), `reservation_date` is a Date
 * ("date to reserve"), `date` is the scheduled date. The exporter reads new moves by id
 * (re-read for the lag, so long transactions are seen): a move first seen already confirmed was
 * created confirmed — procurement (`stock.rule._run_pull`: `create` then `_action_confirm` in one
 * transaction: sale confirmation, POS, orderpoints, MTO) — and its `create_date` (the
 * transaction's start) is its confirmation. A move first seen in `draft` (a delivery entered by
 * hand, confirmed later with "Mark as To Do") is followed by id until it leaves draft; its
 * confirmation is then the middle of the two scrapes that saw it draft and not draft (precision:
 * half a scrape interval, stated). A draft move confirmed before the exporter first reads it is
 * taken as confirmed at creation (error ≤ one scrape interval + lag, stated).
 *
 * Until (reservation): reserving creates `stock_move_line` rows (`_action_assign` →
 * `_update_reserved_quantity`); the first line's `create_date` is the reservation. A move is
 * observed once: unreserved and reserved again, it is not observed a second time.
 *
 * Never waited: point_of_sale's pickings (`_create_picking_from_pos_order_lines`: `create`,
 * `_action_confirm`, lines with the done quantities, `_action_done` — one transaction) are done
 * before anyone can read them, with lines as old as the move. A move first seen `done` whose
 * first line has the move's own `create_date` is such an immediate transfer and is left out; a
 * move reserved later and done before the exporter read it is still measured.
 *
 * At start, the deliveries already waiting with nothing reserved (`confirmed`) are followed
 * too, from their `create_date`.
 *
 * Waiting moves (gauge): the same moves in `confirmed`/`partially_available`, by age since
 * `create_date` (the confirmation of most; a hand-made draft's age includes its time in draft).
 */
import { pgTimestamp, type SqlQuery } from '../db/query.ts';
import { GAUGES, HISTOGRAMS, emptyBatch } from '../signals.ts';
import type { SqlSource } from './source.ts';
import { LateCommitWindow } from './tracker.ts';

/** `$storable` is replaced by the product condition of the version (see `storableCondition`). */
const ELIGIBLE = `FROM stock_move m
  JOIN stock_location src ON src.id = m.location_id
  JOIN stock_location dst ON dst.id = m.location_dest_id
  JOIN product_product pp ON pp.id = m.product_id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
  WHERE src.usage = 'internal' AND dst.usage = 'customer' AND $storable
    AND NOT EXISTS (SELECT 1 FROM stock_move_move_rel r WHERE r.move_dest_id = m.id)`;

const sqlNewMoves = (storable: string): string => `SELECT m.id, m.company_id, m.state,
    EXTRACT(EPOCH FROM m.create_date)::float8 * 1000 AS created_ms
  ${ELIGIBLE.replace('$storable', storable)} AND m.id > $1 ORDER BY m.id LIMIT $2`;

export const SQL_NEW_MOVES = sqlNewMoves(`pt.type = 'product'`);
const sqlWaitingNowFor = (storable: string): string => `SELECT m.id, m.company_id, m.state,
    EXTRACT(EPOCH FROM m.create_date)::float8 * 1000 AS created_ms
  ${ELIGIBLE.replace('$storable', storable)} AND m.state = 'confirmed' ORDER BY m.id DESC LIMIT $1`;
export const SQL_WAITING_NOW = sqlWaitingNowFor(`pt.type = 'product'`);
export const SQL_FOLLOWED_MOVES = `SELECT id, state FROM stock_move WHERE id = ANY($1::int4[])`;
export const SQL_NEW_MOVE_LINES = `SELECT id, move_id, EXTRACT(EPOCH FROM create_date)::float8 * 1000 AS created_ms
  FROM stock_move_line WHERE id > $1 ORDER BY id LIMIT $2`;

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
    lower === null ? null : `m.create_date <= $1::timestamp - interval '${lower} seconds'`,
    Number.isFinite(c.upTo) ? `m.create_date > $1::timestamp - interval '${c.upTo} seconds'` : null,
  ].filter(Boolean);
  return `count(*) FILTER (WHERE ${conds.join(' AND ')})::int4 AS a${i}`;
}).join(',\n    ');

const sqlWaitingMoves = (storable: string): string => `SELECT m.company_id,
    ${ageColumns},
    GREATEST(EXTRACT(EPOCH FROM ($1::timestamp - min(m.create_date))), 0)::float8 AS oldest
  ${ELIGIBLE.replace('$storable', storable)} AND m.state IN ('confirmed', 'partially_available') GROUP BY m.company_id`;

export const SQL_WAITING_MOVES = sqlWaitingMoves(`pt.type = 'product'`);

/** 16.0/17.0: `type = 'product'`; 18.0 dropped it for `is_storable`. */
async function storableCondition(q: SqlQuery): Promise<string> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int4 AS n FROM information_schema.columns WHERE table_name = 'product_template' AND column_name = 'is_storable' AND table_schema = ANY(current_schemas(false))`,
  );
  return (rows[0]?.n ?? 0) > 0 ? 'pt.is_storable' : `pt.type = 'product'`;
}

interface MoveRow {
  id: number;
  company_id: number;
  state: string;
  created_ms: number;
}

interface Followed {
  company: number;
  /** first seen done: an immediate transfer if its first line is from its own transaction */
  doneAtFirstSight?: boolean;
  /** epoch ms of confirmation, once known */
  confirmedAt?: number;
  /** draft moves: when last seen in draft */
  draftSeenAt?: number;
  seenAt: number;
}

const FINISHED = new Set(['done', 'cancel']);
/** moves followed longer than this are dropped (a backorder waiting a quarter is not a latency) */
const MAX_FOLLOW_MS = 90 * 86_400_000;

export function stockSource(opts: { pageSize: number; maxOpen?: number }): SqlSource {
  let moves = new LateCommitWindow(0);
  let lines = new LateCommitWindow(0);
  let sqlMoves = SQL_NEW_MOVES;
  let sqlWaiting = SQL_WAITING_MOVES;
  let sqlWaitingNow = SQL_WAITING_NOW;
  const followed = new Map<number, Followed>();
  const companies = new Set<number>();
  /** observations of a read that then failed: reported by the next successful read */
  let carried = new Map<number, number[]>();
  const maxOpen = opts.maxOpen ?? 200_000;
  return {
    name: 'stock',
    tables: [
      'stock_move',
      'stock_move_line',
      'stock_location',
      'product_product',
      'product_template',
      'stock_move_move_rel',
    ],
    async prime(q: SqlQuery, ctx) {
      const storable = await storableCondition(q);
      sqlMoves = sqlNewMoves(storable);
      sqlWaiting = sqlWaitingMoves(storable);
      sqlWaitingNow = sqlWaitingNowFor(storable);
      const max = async (t: string) =>
        (await q.query<{ max: number }>(`SELECT COALESCE(max(id), 0)::int4 AS max FROM ${t}`)).rows[0]?.max ?? 0;
      moves = new LateCommitWindow(ctx.lagMs);
      lines = new LateCommitWindow(ctx.lagMs);
      moves.reset(await max('stock_move'));
      lines.reset(await max('stock_move_line'));
      followed.clear();
      // deliveries already waiting for stock: their reservation, when it comes, is a latency too
      // (from their create_date: the confirmation of procurement moves)
      const { rows } = await q.query<MoveRow>(sqlWaitingNow, [maxOpen]);
      for (const r of rows.reverse())
        followed.set(r.id, { company: r.company_id, confirmedAt: r.created_ms, seenAt: ctx.now });
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const now = ctx.now;
      const byCompany = carried;
      // 1. followed moves: drafts that got confirmed, waiting moves that were cancelled or done
      const ids = [...followed.keys()];
      for (let i = 0; i < ids.length; i += 10_000) {
        const chunk = ids.slice(i, i + 10_000);
        const { rows } = await q.query<{ id: number; state: string }>(SQL_FOLLOWED_MOVES, [chunk]);
        const present = new Set(rows.map((r) => r.id));
        for (const id of chunk) if (!present.has(id)) followed.delete(id);
        for (const r of rows) {
          const f = followed.get(r.id)!;
          if (r.state === 'draft') f.draftSeenAt = now;
          else if (FINISHED.has(r.state)) followed.delete(r.id);
          else if (f.confirmedAt === undefined) f.confirmedAt = (f.draftSeenAt! + now) / 2;
        }
      }
      // 2. new eligible moves (and those above the floor again: late commits)
      for (let after = moves.floor; ;) {
        const { rows } = await q.query<MoveRow>(sqlMoves, [after, opts.pageSize]);
        for (const r of rows) {
          // a move created, reserved and done between two scrapes still has its line to read
          if (!moves.isNew(r.id, now) || r.state === 'cancel') continue;
          followed.set(
            r.id,
            r.state === 'draft'
              ? { company: r.company_id, draftSeenAt: now, seenAt: now }
              : { company: r.company_id, confirmedAt: r.created_ms, seenAt: now, doneAtFirstSight: r.state === 'done' },
          );
        }
        if (rows.length > 0) after = rows[rows.length - 1].id;
        if (rows.length < opts.pageSize) break;
      }
      // 3. new move lines: the first one of a confirmed, followed move is its reservation
      for (let after = lines.floor; ;) {
        const { rows } = await q.query<{ id: number; move_id: number | null; created_ms: number }>(SQL_NEW_MOVE_LINES, [
          after,
          opts.pageSize,
        ]);
        for (const r of rows) {
          lines.isNew(r.id, now); // read again while above the floor: its move may be seen late
          const f = r.move_id === null ? undefined : followed.get(r.move_id);
          if (!f || f.confirmedAt === undefined) continue; // not ours, or still draft
          followed.delete(r.move_id!);
          if (f.doneAtFirstSight && r.created_ms === f.confirmedAt) continue; // a POS picking: never waited
          const list = byCompany.get(f.company) ?? [];
          list.push(Math.max(0, (r.created_ms - f.confirmedAt) / 1000));
          byCompany.set(f.company, list);
        }
        if (rows.length > 0) after = rows[rows.length - 1].id;
        if (rows.length < opts.pageSize) break;
      }
      const { rows: waiting } = await q.query<Record<string, number>>(sqlWaiting, [pgTimestamp(now)]);
      lines.advance(now);
      moves.advance(now);
      for (const [id, f] of followed) {
        if (now - f.seenAt > MAX_FOLLOW_MS || followed.size > maxOpen) followed.delete(id);
        else break;
      }
      carried = new Map();
      for (const [id, values] of byCompany) {
        companies.add(id);
        batch.histograms.push({ name: HISTOGRAMS.reservationLatency, labels: { company: ctx.company(id) }, values });
      }
      const seen = new Set<number>();
      for (const r of waiting) {
        seen.add(r.company_id);
        companies.add(r.company_id);
        const company = ctx.company(r.company_id);
        WAITING_AGE_CLASSES.forEach((c, i) =>
          batch.gauges.push({ name: GAUGES.movesWaiting, labels: { company, age: c.label }, value: r[`a${i}`] }),
        );
        batch.gauges.push({ name: GAUGES.oldestWaitingMove, labels: { company }, value: r.oldest });
      }
      // companies with nothing waiting report zeros rather than vanishing
      for (const id of companies) {
        if (seen.has(id)) continue;
        const company = ctx.company(id);
        for (const c of WAITING_AGE_CLASSES)
          batch.gauges.push({ name: GAUGES.movesWaiting, labels: { company, age: c.label }, value: 0 });
        batch.gauges.push({ name: GAUGES.oldestWaitingMove, labels: { company }, value: 0 });
      }
      return batch;
    },
  };
}
