/**
 * The store contract on real PostgreSQL (`RH_PG_URL`, from `scripts/services/start.sh`). Each run
 * works in schemas of its own (`rh_test_<random>`, via `search_path`), dropped at the end, so
 * concurrent runs never collide.
 */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { requireService, serviceSkipMessage } from '../test/integration/helpers.ts';
import { runStoreContract, type MakeStore, type StoreFixture } from './testing/contract.ts';
import { createPostgresStore, type PostgresStoreOptions } from './postgres.ts';
import { StoreError } from './types.ts';

interface Scratch {
  config: pg.PoolConfig;
  raw: StoreFixture['raw'];
  drop(): Promise<void>;
}

/** A new empty schema, a pool config pinned to it, and a side pool for direct queries. */
async function scratchSchema(url: string): Promise<Scratch> {
  const schema = `rh_test_${randomBytes(6).toString('hex')}`; // generated, so safe as an identifier
  const config: pg.PoolConfig = { connectionString: url, options: `-c search_path=${schema}`, max: 4 };
  const side = new pg.Pool({ ...config, max: 1 });
  await side.query(`CREATE SCHEMA "${schema}"`);
  return {
    config,
    raw: async (text, params) => (await side.query(text, params)).rows,
    async drop() {
      await side.query(`DROP SCHEMA "${schema}" CASCADE`);
      await side.end();
    },
  };
}

function postgresFixture(options: PostgresStoreOptions): MakeStore {
  return async (t) => {
    const url = await requireService(t, 'postgres');
    if (!url) return undefined;
    const scratch = await scratchSchema(url);
    const store = await createPostgresStore(scratch.config, options).catch(async (err: unknown) => {
      await scratch.drop(); // never leave a schema behind, even when the store cannot start
      throw err;
    });
    const fixture: StoreFixture = {
      store,
      raw: scratch.raw,
      async reopen() {
        await fixture.store.close();
        fixture.store = await createPostgresStore(scratch.config, options);
      },
      async twins() {
        const other = await scratchSchema(url);
        // migrate: false connects lazily, so these cannot fail before dispose() is reachable
        const stores = [
          await createPostgresStore(other.config, { ...options, migrate: false }),
          await createPostgresStore(other.config, { ...options, migrate: false }),
        ] as const;
        return {
          stores: [stores[0], stores[1]],
          raw: other.raw,
          async dispose() {
            await Promise.all(stores.map((s) => s.close()));
            await other.drop();
          },
        };
      },
      async dispose() {
        await fixture.store.close();
        await scratch.drop();
      },
    };
    return fixture;
  };
}

runStoreContract('postgres', postgresFixture({}), serviceSkipMessage('postgres'));
// The same contract with plain (unnamed) statements, as behind a pooler that cannot keep prepared ones.
runStoreContract(
  'postgres, no prepared statements',
  postgresFixture({ preparedStatements: false }),
  serviceSkipMessage('postgres'),
);

test('postgres: a failed connection is a StoreError without the password', async (t) => {
  const url = await requireService(t, 'postgres');
  if (!url) return;
  // The test server trusts local connections (any password works), so fail on a missing database.
  const wrong = new URL(url);
  wrong.password = 'Sekr3t-pa55word';
  wrong.pathname = `/rh_missing_${randomBytes(4).toString('hex')}`;
  const err = await createPostgresStore(wrong.toString()).then(
    () => assert.fail('connected to a database that does not exist'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StoreError, String(err));
  assert.match(err.message, /does not exist/);
  assert.doesNotMatch(`${err.message} ${err.stack ?? ''}`, /Sekr3t/);
});
