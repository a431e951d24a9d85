/** The store contract on PGlite (the embedded default), persisted in a temporary directory so restarts can be tested. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { runStoreContract, type StoreFixture } from './testing/contract.ts';
import { pgliteDatabase } from './pglite.ts';
import { SqlStore } from './sqlStore.ts';

async function open(dir: string): Promise<{ store: SqlStore; raw: StoreFixture['raw'] }> {
  // Built from its parts rather than createPgliteStore so the test can also query the same
  // instance directly (PGlite allows one instance per directory).
  const database = pgliteDatabase(await PGlite.create(dir));
  const store = new SqlStore(database);
  await store.migrate();
  return { store, raw: async (text, params) => (await database.query(text, params)).rows };
}

runStoreContract('pglite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-store-pglite-'));
  let current = await open(dir);
  const fixture: StoreFixture = {
    store: current.store,
    raw: (text, params) => current.raw(text, params),
    async reopen() {
      await current.store.close();
      current = await open(dir);
      fixture.store = current.store;
    },
    async dispose() {
      await current.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
});
