/**
 * A tenant's PostgreSQL connection: one pooled connection (sources run one after the other, so
 * a tenant costs the database a single backend), read-only, with a `statement_timeout` set at
 * session start so every query of every source is bounded — including the very first one.
 */
import pg from 'pg';
import { fromPg, type SqlQuery } from '../db/query.ts';

export interface SqlConnection {
  query: SqlQuery['query'];
  close(): Promise<void>;
}

export interface PgConnectionOptions {
  url: string;
  /** password from the environment (never in the config file); overrides the URL's */
  password?: string;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  applicationName?: string;
}

export function pgConnection(opts: PgConnectionOptions): SqlConnection {
  let connectionString = opts.url;
  if (opts.password !== undefined) {
    // pg lets the connection string's fields override the explicit `password` option, so the
    // secret goes into the (in-memory only) URL
    const u = new URL(opts.url);
    u.password = encodeURIComponent(opts.password);
    connectionString = u.toString();
  }
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    application_name: opts.applicationName ?? 'release-health-odoo-exporter',
    // startup parameters: the server enforces both from the first statement on
    options: `-c statement_timeout=${Math.max(1, Math.round(opts.statementTimeoutMs))} -c default_transaction_read_only=on`,
    // client-side guard too, for a server that stops answering altogether
    query_timeout: opts.statementTimeoutMs + opts.connectTimeoutMs,
  });
  // an idle connection killed by the server (database dropped, failover) must not crash the
  // process: the next query reconnects and reports the real error for this tenant
  pool.on('error', () => {});
  const q = fromPg(pool);
  let closed: Promise<void> | undefined;
  return {
    query: q.query,
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
