/**
 * A source = one group of signals read from one or two tables, with its own incremental state
 * (watermark, tracker). State is per source so a failing source (timeout, dropped table) neither
 * loses nor double-counts another source's events: its own window stays put until it succeeds.
 */
import type { SqlQuery } from '../db/query.ts';
import type { SignalBatch } from '../signals.ts';

export interface SourceContext {
  /** the database's clock (`now()` at scrape start, UTC) or an injected one (replays), epoch ms */
  now: number;
  /** how late a row may commit after it was written and still be counted */
  lagMs: number;
  /** upper bound of time windows: `now - lag` (rows written up to `lag` late are still seen) */
  upper: number;
  /** company id → label value (res_company.name) */
  company(id: number | null | undefined): string;
}

export interface SqlSource {
  readonly name: string;
  /** tables that must exist (to_regclass) for this source to run; otherwise it is absent */
  readonly tables: readonly string[];
  /** sets watermarks so counting starts now; called before the first read */
  prime(q: SqlQuery, ctx: SourceContext): Promise<void>;
  read(q: SqlQuery, ctx: SourceContext): Promise<SignalBatch>;
}

/**
 * A time window `(from, to]` over an indexed timestamp column. `next(upper)` gives the window to
 * read; `commit(upper)` moves the start once every query of the source succeeded, so a failed
 * scrape re-reads the same window next time instead of losing it.
 */
export class Window {
  private from = 0;

  prime(upper: number): void {
    this.from = upper;
  }

  /** the window to read up to `upper`, or undefined when it is empty */
  next(upper: number): { from: number; to: number } | undefined {
    return upper > this.from ? { from: this.from, to: upper } : undefined;
  }

  commit(upper: number): void {
    if (upper > this.from) this.from = upper;
  }
}
