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

export async function openStore(url?: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (url === undefined || url === 'pglite:memory') return createPgliteStore(undefined, options);
  if (/^postgres(?:ql)?:\/\//i.test(url)) return createPostgresStore(url, options);
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
