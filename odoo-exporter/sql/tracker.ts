/**
 * Counts records reaching a final state exactly once, for tables where Odoo keeps no indexed
 * "changed at" column: `payment_transaction` (`last_state_change` is not indexed) and
 * `account_move` (no "posted at" column; `write_date` is not indexed and moves are rewritten
 * after posting, e.g. `payment_state`).
 *
 * Every query uses the primary key only: new rows are read by `id > maxId` (rows created before
 * the exporter started are never counted — counters start at zero like any Prometheus counter),
 * and rows not yet final are re-read by `id = ANY(...)` until they are final, deleted, or older
 * than `openTtlMs` (an abandoned checkout's draft transaction stays draft forever).
 * Limitation, stated: a row whose id is allocated before a concurrent, earlier-committed row with
 * a higher id is seen may be skipped (sequence order ≠ commit order); the window is milliseconds.
 */
import type { SqlQuery } from '../schema/query.ts';

export interface TrackerSpec {
  table: 'payment_transaction' | 'account_move';
  /** extra label columns read with each row (constant identifiers, never user input) */
  labelColumns: readonly string[];
  /** states that end tracking; `counted` ones are reported */
  final: readonly string[];
  counted: readonly string[];
  openTtlMs: number;
  /** at most this many open rows are tracked (the oldest are dropped) */
  maxOpen: number;
  /** rows read per page of new rows */
  pageSize: number;
}

export interface Finished {
  companyId: number | null;
  state: string;
  labels: Record<string, string>;
}

interface Open {
  companyId: number | null;
  labels: Record<string, string>;
  seenAt: number;
}

interface Row {
  id: number;
  company_id: number | null;
  state: string;
  [column: string]: unknown;
}

export class LifecycleTracker {
  private maxId = 0;
  private readonly open = new Map<number, Open>();
  /** finished rows seen by a poll that then failed: handed out by the next successful poll */
  private carried: Finished[] = [];
  private readonly select: string;

  constructor(private readonly spec: TrackerSpec) {
    const extra = spec.labelColumns.map((c) => `, ${c}`).join('');
    this.select = `SELECT id, company_id, state${extra} FROM ${spec.table}`;
  }

  get openCount(): number {
    return this.open.size;
  }

  async prime(q: SqlQuery): Promise<void> {
    const { rows } = await q.query<{ max: number }>(`SELECT COALESCE(max(id), 0)::int4 AS max FROM ${this.spec.table}`);
    this.maxId = rows[0]?.max ?? 0;
    this.open.clear();
    this.carried = [];
  }

  async poll(q: SqlQuery, now: number): Promise<Finished[]> {
    const finished = this.carried; // state below changes page by page; so does this list
    const take = (row: Row, fresh: boolean): void => {
      const labels: Record<string, string> = {};
      for (const c of this.spec.labelColumns) labels[c] = String(row[c] ?? '');
      if (this.spec.final.includes(row.state)) {
        this.open.delete(row.id);
        if (this.spec.counted.includes(row.state)) finished.push({ companyId: row.company_id, state: row.state, labels });
      } else if (fresh) {
        this.open.set(row.id, { companyId: row.company_id, labels, seenAt: now });
      }
    };
    // rows already open first, so a row created and finished between two polls is counted once
    const ids = [...this.open.keys()];
    for (let i = 0; i < ids.length; i += 10_000) {
      const chunk = ids.slice(i, i + 10_000);
      const { rows } = await q.query<Row>(`${this.select} WHERE id = ANY($1::int4[])`, [chunk]);
      const present = new Set<number>();
      for (const r of rows) {
        present.add(r.id);
        take(r, false);
      }
      for (const id of chunk) if (!present.has(id)) this.open.delete(id); // deleted rows
    }
    for (;;) {
      const { rows } = await q.query<Row>(`${this.select} WHERE id > $1 ORDER BY id LIMIT $2`, [this.maxId, this.spec.pageSize]);
      for (const r of rows) take(r, true);
      if (rows.length > 0) this.maxId = rows[rows.length - 1].id;
      if (rows.length < this.spec.pageSize) break;
    }
    for (const [id, o] of this.open) {
      if (now - o.seenAt > this.spec.openTtlMs || this.open.size > this.spec.maxOpen) this.open.delete(id);
      else break; // Map keeps insertion order: the rest are younger
    }
    this.carried = [];
    return finished;
  }
}
