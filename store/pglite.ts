/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly, in-process), running the same
 * migrations and statements as the PostgreSQL store. One connection: PGlite serialises queries and
 * gives a transaction exclusive use of the database.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './dirLock.ts';
import { migrate, toDbError, type Database, type Queryable, type QueryResult, type Row } from './sql.ts';
import { SqlStore } from './sqlStore.ts';
import type { Store } from './types.ts';

export interface PgliteStoreOptions {
  /** apply pending migrations before returning (default true) */
  migrate?: boolean;
}

function queryable(q: PGlite | Transaction): Queryable {
  return {
    async query<R extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      try {
        const r = await q.query<R>(text, [...params]);
        // PGlite reports affectedRows for writes only; a SELECT's count is its rows.
        return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) };
      } catch (err) {
        throw toDbError(err);
      }
    },
    async exec(text: string): Promise<void> {
      try {
        await q.exec(text);
      } catch (err) {
        throw toDbError(err);
      }
    },
  };
}

/** A `Database` over one PGlite instance. */
export function pgliteDatabase(db: PGlite): Database {
  return {
    kind: 'pglite',
    ...queryable(db),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((tx) => fn(queryable(tx)));
      } catch (err) {
        throw toDbError(err);
      }
    },
    close: () => db.close(),
  };
}

/**
 * Opens (creating if needed) a PGlite database in `dataDir`, or in memory when no directory is
 * given, and applies pending migrations. A directory is locked for this process until `close()`:
 * a second open (here or in another process) fails with a StoreError instead of losing writes.
 */
export async function createPgliteStore(dataDir?: string, options: PgliteStoreOptions = {}): Promise<Store> {
  const unlock = dataDir === undefined ? async () => undefined : await lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir ?? 'memory://');
    const database = pgliteDatabase(db);
    const opened = db;
    // The lock is released only once PGlite has written everything and closed.
    const store = new SqlStore({ ...database, close: () => opened.close().finally(unlock) });
    if (options.migrate !== false) await migrate(database);
    return store;
  } catch (err) {
    await db?.close().catch(() => undefined);
    await unlock();
    throw err;
  }
}
