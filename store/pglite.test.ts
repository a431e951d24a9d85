/** The store contract on PGlite (the embedded default), persisted in a temporary directory so restarts can be tested. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { test } from 'node:test';
import { runStoreContract, type StoreFixture } from './testing/contract.ts';
import { makeRecord } from './testing/fixtures.ts';
import { loadMigrations, migrate } from './sql.ts';
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

test('migration 3: releases superseded before it (aborted, with a release.supersede audit entry) become superseded, naming the newer one', async () => {
  const database = pgliteDatabase(await PGlite.create());
  const before = (await loadMigrations()).filter((m) => m.version < 3);
  assert.deepEqual(await migrate(database, before), [1, 2]);
  const store = new SqlStore(database);
  try {
    const at = 1_700_000_000_000;
    const [older, newer, rolledBack] = ['m3-old', 'm3-new', 'm3-rollback'].map((id) => makeRecord(id));
    for (const r of [older, newer, rolledBack])
      await store.createRelease(r, { at, actor: 'ci', action: 'release.register', releaseId: r.release.id });
    // what the gate wrote before: status aborted, the newer release only in the audit entry
    await database.query(`UPDATE releases SET status = 'aborted', closed_at = $2 WHERE id = ANY($1)`, [
      ['m3-old', 'm3-rollback'],
      at + 1,
    ]);
    await store.appendAudit({
      at: at + 1,
      actor: 'ci',
      action: 'release.supersede',
      releaseId: 'm3-old',
      detail: { supersededBy: 'm3-new', version: newer.release.version },
    });
    assert.deepEqual(
      await migrate(
        database,
        (await loadMigrations()).filter((m) => m.version <= 3),
      ),
      [3],
    );
    const old = await store.getRelease('m3-old');
    assert.deepEqual([old?.status, old?.supersededBy, old?.closedAt], ['superseded', 'm3-new', at + 1]);
    const aborted = await store.getRelease('m3-rollback');
    assert.deepEqual([aborted?.status, aborted?.supersededBy], ['aborted', undefined], 'a rollback stays aborted');
    assert.equal((await store.getRelease('m3-new'))?.status, 'active');
    // the later migrations (the quarantined status, checkpoint progress) keep every status as it is
    assert.deepEqual(await migrate(database), [4, 5]);
    assert.deepEqual(
      await Promise.all(['m3-old', 'm3-rollback', 'm3-new'].map(async (id) => (await store.getRelease(id))?.status)),
      ['superseded', 'aborted', 'active'],
    );
  } finally {
    await store.close();
  }
});
