/**
 * PostgreSQL through `pg`: a pool, the shared migrations and statements (store/sql.ts). Errors
 * surface as `StoreError`s whose messages never carry the connection password.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { migrate, toDbError, type Database, type Queryable, type QueryResult, type Row } from './sql.ts';
import { SqlStore } from './sqlStore.ts';
import type { Store } from './types.ts';

export interface PostgresStoreOptions {
  /** apply pending migrations before returning (default true) */
  migrate?: boolean;
  /**
   * prepare each parameterised statement once per connection (default true; ~2x faster appends).
   * Turn off behind a pooler that cannot keep prepared statements (PgBouncer < 1.21 in transaction mode).
   */
  preparedStatements?: boolean;
}

/** Removes the password (as given and URL-encoded) and any `scheme://user:secret@` part from a message. */
export function passwordScrubber(config: string | pg.PoolConfig): (s: string) => string {
  const secrets: string[] = [];
  const add = (p: string | undefined): void => {
    if (p) secrets.push(p, encodeURIComponent(p));
  };
  if (typeof config === 'string') {
    try {
      add(decodeURIComponent(new URL(config).password));
    } catch {
      // not a parseable URL: the userinfo pattern below still removes an inline password
    }
  } else {
    if (typeof config.password === 'string') add(config.password);
    if (config.connectionString) return passwordScrubber(config.connectionString);
  }
  return (s: string) => {
    let out = s.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
    for (const secret of secrets) out = out.split(secret).join('***');
    return out;
  };
}

const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `rh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

function queryable(q: pg.Pool | pg.PoolClient, scrub: (s: string) => string, prepare: boolean): Queryable {
  return {
    async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      try {
        // Parameterised statements are prepared once per connection under a name derived from
        // their text: the appends that dominate the load then skip parsing and planning.
        const r =
          prepare && params.length > 0
            ? await q.query<R>({ name: statementName(text), text, values: [...params] })
            : await q.query<R>(text, [...params]);
        return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
      } catch (err) {
        throw toDbError(err, scrub);
      }
    },
    async exec(text: string): Promise<void> {
      try {
        // No parameters: pg uses the simple protocol, which accepts several statements.
        await q.query(text);
      } catch (err) {
        throw toDbError(err, scrub);
      }
    },
  };
}

/** A `Database` over a `pg` pool. */
export function postgresDatabase(pool: pg.Pool, scrub: (s: string) => string, prepare = true): Database {
  return {
    kind: 'postgres',
    ...queryable(pool, scrub, prepare),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toDbError(err, scrub);
      }
      const tx = queryable(client, scrub, prepare);
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        client.release();
        return result;
      } catch (err) {
        // A client whose ROLLBACK fails is in an unknown state: destroy it rather than reuse it.
        const broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        );
        client.release(broken);
        throw toDbError(err, scrub);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Connects to PostgreSQL (`postgres://…` URL or a `pg.PoolConfig`) and applies pending migrations.
 * Tables live in the connection's current schema (`search_path`, e.g. via `options: '-c search_path=x'`).
 */
export async function createPostgresStore(
  config: string | pg.PoolConfig,
  options: PostgresStoreOptions = {},
): Promise<Store> {
  const poolConfig: pg.PoolConfig = typeof config === 'string' ? { connectionString: config } : { ...config };
  // Without it an unreachable server makes the first query hang until the OS gives up.
  poolConfig.connectionTimeoutMillis ??= 10_000;
  const scrub = passwordScrubber(config);
  const pool = new pg.Pool(poolConfig);
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  const db = postgresDatabase(pool, scrub, options.preparedStatements !== false);
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }
  return new SqlStore(db);
}
