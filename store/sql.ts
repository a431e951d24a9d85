/**
 * The one SQL layer both stores share: a tiny `Queryable` that a `pg` pool (or client) and PGlite
 * both implement, the migration runner, and error mapping. Every query string in store/ exists
 * once, in this file or in `sqlStore.ts`, and is run unchanged on PostgreSQL and on PGlite.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { StoreConflictError, StoreError, StoreNotFoundError } from './types.ts';

export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  /** rows inserted, updated or deleted (or returned by a SELECT) */
  rowCount: number;
}

export interface Queryable {
  /** one statement, `$1`-style parameters; values are never interpolated into `text` */
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** several statements with no parameters (migration files) */
  exec(text: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A database error with its SQLSTATE, message cleaned of secrets by the driver adapter. */
export class DbError extends StoreError {
  override readonly name = 'DbError';
  constructor(
    message: string,
    /** SQLSTATE (e.g. 23505), or the Node error code (e.g. ECONNREFUSED) for connection errors */
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** SQLSTATE classes the store maps to its own errors. */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

export function isDbError(err: unknown, code: string): boolean {
  return err instanceof DbError && err.code === code;
}

/**
 * Wraps whatever a driver threw as a `DbError`, passing store errors through. `scrub` removes
 * secrets (the PostgreSQL adapter removes the password) from the message.
 */
export function toDbError(err: unknown, scrub: (s: string) => string = (s) => s): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { message?: unknown; code?: unknown; errors?: unknown };
  let message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  // Node's AggregateError (every address refused) has an empty message; its parts say why.
  if (Array.isArray(e?.errors) && e.errors.length > 0 && (typeof e.message !== 'string' || e.message === '')) {
    message = e.errors.map((x: { message?: string }) => x?.message ?? String(x)).join('; ');
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return new DbError(scrub(message), code);
}

/** Maps a constraint violation to the store's own error, else rethrows as it was. */
export function rethrow(err: unknown, conflict: string, notFound: string): never {
  if (isDbError(err, UNIQUE_VIOLATION)) throw new StoreConflictError(conflict);
  if (isDbError(err, FOREIGN_KEY_VIOLATION)) throw new StoreNotFoundError(notFound);
  throw err;
}

// ---------------------------------------------------------------- migrations

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE = /^(\d+)_([a-z0-9_]+)\.sql$/;
/** First key of the advisory lock that serialises migrations (the second is the schema's hash). */
const MIGRATION_LOCK = 0x72680001;

/** The numbered `.sql` files of store/migrations, in order; gaps and duplicates are refused. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE.exec(file);
    if (!m) throw new StoreError(`migration file "${file}" is not named NNN_name.sql`);
    const sql = await readFile(new URL(file, dir), 'utf8');
    const version = Number(m[1]);
    if (version !== out.length + 1) throw new StoreError(`migration ${file}: expected version ${out.length + 1}`);
    out.push({ version, name: m[2], sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock, so
 * two processes starting together apply each file once; the loser waits and then finds nothing
 * to do. The lock's second key is the current schema, so separate schemas migrate independently.
 * An applied file whose text changed since is refused: migrations are append-only. Files run inside
 * that transaction, so they must not use statements that refuse one (CREATE INDEX CONCURRENTLY).
 * Returns the versions applied now.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<number[]> {
  const files = migrations ?? (await loadMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext(current_schema()))', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at bigint NOT NULL)`);
    const { rows } = await tx.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((r) => [Number(r.version), r.checksum]));
    const done: number[] = [];
    for (const m of files) {
      const sum = applied.get(m.version);
      if (sum !== undefined) {
        if (sum !== m.checksum)
          throw new StoreError(`migration ${m.version}_${m.name} was changed after it was applied`);
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        m.version,
        m.name,
        m.checksum,
        Date.now(),
      ]);
      done.push(m.version);
    }
    return done;
  });
}
