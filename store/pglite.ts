/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly, in-process), running the same
 * migrations and statements as the PostgreSQL store. One connection: PGlite serialises queries and
 * gives a transaction exclusive use of the database.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDataDir } from './dirLock.ts';
import { oneLine, RESTORE_HINT, StoreIntegrityError, verifyIntegrity } from './integrity.ts';
import { migrate, toDbError, type Database, type Queryable, type QueryResult, type Row } from './sql.ts';
import { SqlStore } from './sqlStore.ts';
import { StoreError, type Store } from './types.ts';

export interface PgliteStoreOptions {
  /** apply pending migrations before returning (default true) */
  migrate?: boolean;
  /** a directory store: run the integrity check after migrating (default true; store/integrity.ts) */
  verify?: boolean;
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
  const where = `PGlite store ${dataDir ?? 'in memory'}`;
  let db: PGlite | undefined;
  try {
    try {
      // PostgreSQL 18's initdb turns page checksums on; asked for explicitly all the same, so a
      // PGlite built on an older PostgreSQL cannot quietly create a directory without them
      db = await PGlite.create(dataDir ?? 'memory://', { initDbStartParams: ['--data-checksums'] });
    } catch (err) {
      // a damaged control file or WAL aborts PostgreSQL inside WebAssembly (`RuntimeError: Aborted()`)
      throw new StoreIntegrityError(
        `${where} cannot be opened by PostgreSQL (${oneLine(err)}; a damaged control file, WAL or catalog) — ${RESTORE_HINT}`,
      );
    }
    const database = pgliteDatabase(db);
    const opened = db;
    // The lock is released only once PGlite has written everything and closed.
    const store = new SqlStore({ ...database, close: () => opened.close().finally(unlock) });
    if (options.migrate !== false) {
      try {
        await migrate(database);
      } catch (err) {
        if (dataDir === undefined || err instanceof StoreError) throw err;
        throw new StoreIntegrityError(`${where} cannot be read (${oneLine(err)}) — ${RESTORE_HINT}`);
      }
      if (dataDir !== undefined && options.verify !== false) await verifyIntegrity(database, where);
    }
    return store;
  } catch (err) {
    await db?.close().catch(() => undefined);
    await unlock();
    throw err;
  }
}
