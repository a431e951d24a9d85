/**
 * The store contract (docs/architecture.md, "Seams"): one suite every `Store` implementation runs, so the embedded
 * default (PGlite) and the real service (PostgreSQL) are proven equivalent. `runStoreContract`
 * registers the tests; `makeStore` supplies storage of its own (a directory, a schema).
 *
 * The suite shares one store across its tests (opening PGlite costs seconds); each test keys its
 * rows with a unique suffix. The last test restarts the store and checks every row written by
 * the whole suite is still there.
 */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { recordSuite } from './contractRecords.ts';
import { safetySuite } from './contractSafety.ts';
import type { Row } from '../sql.ts';
import type { Store } from '../types.ts';

export interface StoreFixture {
  /** the store under test: migrated, on storage of its own; replaced by `reopen` */
  store: Store;
  /** runs one statement on the same storage, around the Store (inspect tables, tamper) */
  raw(text: string, params?: unknown[]): Promise<Row[]>;
  /** closes `store` and opens a new one on the same storage: a process restart */
  reopen(): Promise<void>;
  /**
   * Two unmigrated stores on new, empty storage (two pools on a new schema) and how to drop it;
   * absent where a second connection to one database cannot exist (PGlite).
   */
  twins?(): Promise<{ stores: [Store, Store]; raw: StoreFixture['raw']; dispose(): Promise<void> }>;
  /** closes the store and removes the storage */
  dispose(): Promise<void>;
}

/** Returns undefined after `t.skip(...)` when the backing service is unavailable. */
export type MakeStore = (t: TestContext) => Promise<StoreFixture | undefined>;

/** Gets the shared fixture, or undefined (the test is then skipped and must return). */
export type FixtureOf = (t: TestContext) => Promise<StoreFixture | undefined>;

/**
 * `unavailable`: what a skipped test says when `makeStore` found no backend (the first test gets
 * makeStore's own message; the others would otherwise not say which script starts the backend).
 */
export function runStoreContract(name: string, makeStore: MakeStore, unavailable = 'store backend unavailable'): void {
  let shared: Promise<StoreFixture | undefined> | undefined;
  const fixture: FixtureOf = async (t) => {
    shared ??= makeStore(t);
    const fx = await shared;
    if (!fx) t.skip(unavailable);
    return fx;
  };

  describe(`Store contract: ${name}`, () => {
    after(async () => {
      const fx = await shared;
      await fx?.dispose();
    });

    it('migrates idempotently: again, and twice at once, changes nothing', async (t) => {
      const fx = await fixture(t);
      if (!fx) return;
      const before = await fx.raw('SELECT version, checksum FROM schema_migrations ORDER BY version');
      assert.ok(before.length >= 1);
      await fx.store.migrate();
      await Promise.all([fx.store.migrate(), fx.store.migrate()]);
      assert.deepEqual(await fx.raw('SELECT version, checksum FROM schema_migrations ORDER BY version'), before);
      assert.equal(await fx.store.ping(), true);
    });

    it('refuses to run when an applied migration file was changed', async (t) => {
      const fx = await fixture(t);
      if (!fx) return;
      const [{ checksum }] = await fx.raw('SELECT checksum FROM schema_migrations WHERE version = 1');
      await fx.raw('UPDATE schema_migrations SET checksum = $1 WHERE version = 1', ['tampered']);
      try {
        await assert.rejects(fx.store.migrate(), /migration 1_init was changed after it was applied/);
      } finally {
        await fx.raw('UPDATE schema_migrations SET checksum = $1 WHERE version = 1', [checksum]);
      }
    });

    it('two stores migrating the same empty storage at once apply each file once', async (t) => {
      const fx = await fixture(t);
      if (!fx) return;
      if (!fx.twins) return t.skip('one connection only (PGlite): covered by the concurrent migrate() above');
      const twins = await fx.twins();
      try {
        await Promise.all(twins.stores.map((s) => s.migrate()));
        const applied = await twins.raw('SELECT version FROM schema_migrations ORDER BY version');
        const expected = await fx.raw('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(applied, expected);
        assert.equal(await twins.stores[1].ping(), true);
      } finally {
        await twins.dispose();
      }
    });

    recordSuite(fixture);
    safetySuite(fixture);
  });
}
