/**
 * The one tiny SQL seam shared by the exporter and the simulator: `query(text, params)`.
 * Both `pg` (Pool/Client) and PGlite fit it through the adapters below, so the same code and the
 * same tests run against real PostgreSQL and the embedded PGlite.
 */
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

export type SqlRow = Record<string, unknown>;

export interface SqlQuery {
  query<R extends object = SqlRow>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** A `pg.Pool` or `pg.Client` as a `SqlQuery`. */
export function fromPg(client: Pick<pg.Pool, 'query'> | Pick<pg.Client, 'query'>): SqlQuery {
  return {
    async query<R extends object>(text: string, params: unknown[] = []) {
      const res = await (client as pg.Pool).query(text, params);
      return { rows: res.rows as R[] };
    },
  };
}

/** A PGlite instance as a `SqlQuery`. Multi-statement text without params goes through `exec`. */
export function fromPglite(db: PGlite): SqlQuery {
  return {
    async query<R extends object>(text: string, params: unknown[] = []) {
      if (params.length === 0 && text.includes(';')) {
        const results = await db.exec(text);
        return { rows: (results.at(-1)?.rows ?? []) as R[] };
      }
      const res = await db.query<R>(text, params);
      return { rows: res.rows };
    },
  };
}

/**
 * A UTC timestamp literal for Odoo's `timestamp without time zone` columns (Odoo stores UTC
 * naive datetimes). Use as `$n::timestamp`: an ISO string with `Z` would be accepted too, but
 * PostgreSQL silently drops the zone for this type, so we never send one.
 */
export function pgTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
