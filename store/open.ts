/**
 * `openStore(url)`: picks the implementation from a URL, as the CLI's `--store` and `RH_STORE_URL` give it.
 *  - `postgres://…` or `postgresql://…` → PostgreSQL;
 *  - `pglite://<dir>` → PGlite persisted in `<dir>` (`pglite:///abs/path` or `pglite://./rel`);
 *  - `pglite:memory`, or no URL → PGlite in memory.
 * Anything else is refused (no silent fallback to the default).
 */
import { createPgliteStore } from './pglite.ts';
import { createPostgresStore } from './postgres.ts';
import { StoreError, type Store } from './types.ts';

export interface OpenStoreOptions {
  /** apply pending migrations before returning (default true) */
  migrate?: boolean;
}

/** a URL the PostgreSQL store takes */
const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

export async function openStore(url?: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url === undefined || url === 'pglite:memory') return createPgliteStore(undefined, options);
  if (POSTGRES_URL.test(url)) return createPostgresStore(url, options);
  if (url.startsWith('pglite://')) {
    const dir = url.slice('pglite://'.length);
    if (dir === '') throw new StoreError('pglite:// needs a directory (pglite://path/to/dir), or use pglite:memory');
    return createPgliteStore(dir, options);
  }
  // Only the scheme is echoed: the rest of an unknown URL may hold a secret.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new StoreError(
    `unsupported store URL${scheme ? ` scheme "${scheme}:"` : ''}: use postgres://…, postgresql://…, pglite://<dir> or pglite:memory`,
  );
}

/**
 * A `postgres://` store URL whose sessions work in `schema` (the server's `options` startup
 * parameter, `-c search_path=…`, which `pg` reads from the URL): how benches and tests give a run
 * tables of its own in a shared database. The schema must be a plain lower-case identifier, so
 * that it needs no quoting in the parameter or in the caller's `CREATE SCHEMA`.
 */
export function postgresUrlInSchema(url: string, schema: string): string {
  if (!POSTGRES_URL.test(url)) throw new StoreError('postgresUrlInSchema needs a postgres:// URL');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new StoreError(
      `schema ${JSON.stringify(schema)} is not a plain identifier ([a-z_][a-z0-9_]*, ≤ 63 characters)`,
    );
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}
