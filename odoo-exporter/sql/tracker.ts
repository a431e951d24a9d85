/**
 * Follows rows of a table by primary key through their states and reports each state a row
 * reaches once, for tables where Odoo keeps no indexed "changed at" column: `payment_transaction`
 * (`last_state_change` has no index), `account_move` (no "posted at" column; `write_date` is not
 * indexed and posted entries are rewritten, e.g. `payment_state`) and `pos_order` (its
 * `date_order` is sent by the till, so a window on it misses orders synced late).
 *
 * New rows: read by `id > floor`. Sequence order is not commit order — a transaction takes its ids
 * when it inserts and commits seconds later (confirmation runs stock rules, reservation, mail,
 * invoicing; the stock scheduler commits every 1,000 moves) — so rows above `floor` are re-read
 * for `lagMs` after they were first seen and `floor` only passes an id once every row up to it
 * was seen `lagMs` ago. A row whose id is below a row seen more than `lagMs` earlier, and commits
 * only then, is missed (stated limit). Re-read rows are recognised by id: never counted twice.
 *
 * Rows not in a final state are followed by `id = ANY(...)`: every poll while younger than
 * `openTtlMs`, then every `recheckMs` (a vendor bill posted after three days, a cancelled entry
 * reset to draft and posted, a wire transfer pending for a week, a payment in error confirmed by
 * the provider later), until `maxAgeMs` or `maxOpen` (the oldest go first). `prime` starts
 * counting from now but already follows the rows open at that moment (read by state), so a
 * restart does not forget last week's drafts.
 */
import { pgTimestamp, type SqlQuery } from '../db/query.ts';

export interface TrackerSpec {
  table: 'payment_transaction' | 'account_move' | 'pos_order';
  /** extra label columns read with each row (constant identifiers, never user input) */
  labelColumns: readonly string[];
  /** extra condition on every read (constant SQL, never user input) */
  where?: string;
  /** states in which a row is followed (read by state at prime) */
  open: readonly string[];
  /** states that end following */
  final: readonly string[];
  /** states reported when a row is first seen in them */
  counted: readonly string[];
  /** report only the first counted state of a row, then stop following it */
  firstOnly?: boolean;
  /** followed at every poll for this long after first seen */
  openTtlMs: number;
  /** then re-checked this often (default 10 min) */
  recheckMs?: number;
  /** and dropped after this age (default 90 days) */
  maxAgeMs?: number;
  /** at most this many open rows are followed (the oldest are dropped) */
  maxOpen: number;
  /** rows read per page */
  pageSize: number;
  /** rows are re-read this long after first seen, for late commits (default 0) */
  lagMs?: number;
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
  checkedAt: number;
  /** counted states already reported for this row */
  reported?: Set<string>;
}

interface Row {
  id: number;
  company_id: number | null;
  state: string;
  [column: string]: unknown;
}

const RECHECK_MS = 600_000;
const MAX_AGE_MS = 90 * 86_400_000;

/**
 * New rows of a table by primary key, re-read for `lagMs` after they are first seen so rows
 * committed late (a lower id, a longer transaction) are still found; each id is new once.
 */
export class LateCommitWindow {
  /** ids at or below are never read again */
  floor = 0;
  /** ids above `floor` already seen, with when */
  private readonly recent = new Map<number, number>();

  constructor(private readonly lagMs: number) {}

  reset(floor: number): void {
    this.floor = floor;
    this.recent.clear();
  }

  /** true the first time an id is offered */
  isNew(id: number, now: number): boolean {
    if (id <= this.floor || this.recent.has(id)) return false;
    this.recent.set(id, now);
    return true;
  }

  /** the floor passes every id first seen at least `lagMs` ago */
  advance(now: number): void {
    let floor = this.floor;
    for (const [id, seenAt] of this.recent) if (now - seenAt >= this.lagMs && id > floor) floor = id;
    this.floor = floor;
    for (const id of this.recent.keys()) if (id <= floor) this.recent.delete(id);
  }
}

export class LifecycleTracker {
  private readonly window: LateCommitWindow;
  private readonly open = new Map<number, Open>();
  /** events of a poll that then failed: handed out by the next successful poll */
  private carried: Finished[] = [];
  private readonly columns: string;
  private readonly select: string;
  private readonly and: string;

  constructor(private readonly spec: TrackerSpec) {
    this.window = new LateCommitWindow(spec.lagMs ?? 0);
    this.columns = `id, company_id, state${spec.labelColumns.map((c) => `, ${c}`).join('')}`;
    this.select = `SELECT ${this.columns} FROM ${spec.table}`;
    this.and = spec.where ? ` AND (${spec.where})` : '';
  }

  get openCount(): number {
    return this.open.size;
  }

  async prime(q: SqlQuery, now: number): Promise<void> {
    const { rows } = await q.query<{ max: number }>(`SELECT COALESCE(max(id), 0)::int4 AS max FROM ${this.spec.table}`);
    this.window.reset(rows[0]?.max ?? 0);
    this.open.clear();
    this.carried = [];
    // rows open now and younger than maxAgeMs (newest first, bounded): their later transitions
    // count. Aged by their create_date, so last month's abandoned drafts go straight to the slow
    // recheck, spread over the recheck period instead of all at once.
    const maxAge = this.spec.maxAgeMs ?? MAX_AGE_MS;
    const recheck = this.spec.recheckMs ?? RECHECK_MS;
    const { rows: live } = await q.query<Row & { created_ms: number }>(
      `SELECT ${this.columns}, EXTRACT(EPOCH FROM create_date)::float8 * 1000 AS created_ms FROM ${this.spec.table}
        WHERE state = ANY($1::varchar[]) AND id <= $2 AND create_date > $4::timestamp${this.and} ORDER BY id DESC LIMIT $3`,
      [this.spec.open, this.window.floor, this.spec.maxOpen, pgTimestamp(now - maxAge)],
    );
    for (const r of live.reverse()) {
      const seenAt = Math.min(now, r.created_ms);
      this.open.set(r.id, {
        companyId: r.company_id,
        labels: this.labels(r),
        seenAt,
        checkedAt: now - (r.id % Math.max(1, Math.floor(recheck / 1000))) * 1000,
      });
    }
  }

  private labels(row: Row): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const c of this.spec.labelColumns) labels[c] = String(row[c] ?? '');
    return labels;
  }

  async poll(q: SqlQuery, now: number): Promise<Finished[]> {
    const spec = this.spec;
    const finished = this.carried; // state below changes page by page; so does this list
    const recheck = spec.recheckMs ?? RECHECK_MS;
    const take = (row: Row, o: Open | undefined): void => {
      const entry = o ?? { companyId: row.company_id, labels: this.labels(row), seenAt: now, checkedAt: now };
      entry.checkedAt = now;
      let done = spec.final.includes(row.state);
      if (spec.counted.includes(row.state) && !entry.reported?.has(row.state)) {
        finished.push({ companyId: row.company_id, state: row.state, labels: entry.labels });
        (entry.reported ??= new Set()).add(row.state);
        if (spec.firstOnly) done = true;
      }
      if (done) this.open.delete(row.id);
      else if (!o) this.open.set(row.id, entry);
    };
    // rows already followed first, so a row created and finished between two polls is counted once
    const due: number[] = [];
    for (const [id, o] of this.open) if (now - o.seenAt <= spec.openTtlMs || now - o.checkedAt >= recheck) due.push(id);
    for (let i = 0; i < due.length; i += 10_000) {
      const chunk = due.slice(i, i + 10_000);
      const { rows } = await q.query<Row>(`${this.select} WHERE id = ANY($1::int4[])`, [chunk]);
      const present = new Set<number>();
      for (const r of rows) {
        present.add(r.id);
        const o = this.open.get(r.id);
        if (o) take(r, o);
      }
      for (const id of chunk) if (!present.has(id)) this.open.delete(id); // deleted rows
    }
    // new rows, and rows above the floor again (late commits)
    let after = this.window.floor;
    for (;;) {
      const { rows } = await q.query<Row>(`${this.select} WHERE id > $1${this.and} ORDER BY id LIMIT $2`, [
        after,
        spec.pageSize,
      ]);
      for (const r of rows) if (this.window.isNew(r.id, now)) take(r, undefined);
      if (rows.length > 0) after = rows[rows.length - 1].id;
      if (rows.length < spec.pageSize) break;
    }
    this.window.advance(now);
    const maxAge = spec.maxAgeMs ?? MAX_AGE_MS;
    for (const [id, o] of this.open) {
      if (now - o.seenAt > maxAge || this.open.size > spec.maxOpen) this.open.delete(id);
      else break; // Map keeps insertion order: the rest are younger
    }
    this.carried = [];
    return finished;
  }
}
