/** openStore's URL handling, the JSON codec, and password scrubbing: no service needed. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromJson, toJsonText } from './codec.ts';
import pg from 'pg';
import { openStore, postgresUrlInSchema, StoreError } from './index.ts';
import { passwordScrubber } from './postgres.ts';
import { limitOf } from './statements.ts';
import { makeRecord, makeVerdict } from './testing/fixtures.ts';

describe('openStore', () => {
  it('refuses unknown schemes without echoing the rest of the URL', async () => {
    for (const url of ['mysql://root:hunter2@db/x', 'sqlite:///tmp/x.db', 'pglite://', '', 'memory']) {
      await assert.rejects(
        openStore(url),
        (err: Error) => err instanceof StoreError && !err.message.includes('hunter2'),
        url,
      );
    }
  });

  it('postgres:// with an unreachable server fails as a StoreError without the password', async () => {
    const err = await openStore('postgresql://rh:hunter2@127.0.0.1:1/rh').then(
      () => assert.fail('connected to port 1'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreError, String(err));
    assert.match(err.message, /ECONNREFUSED/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it('no URL opens a migrated PGlite store in memory', async () => {
    const store = await openStore();
    try {
      assert.equal(store.kind, 'pglite');
      assert.equal(await store.ping(), true);
      await store.createRelease(makeRecord('in-memory'), { at: 1, actor: 'ci', action: 'release.register' });
      assert.equal((await store.listReleases()).length, 1);
    } finally {
      await store.close();
    }
    assert.equal(await store.ping(), false, 'a closed store answers no more');
  });

  it('pglite://<dir> persists across opens, and is locked to one open store at a time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rh-store-open-'));
    const lock = join(dir, '.release-health.lock');
    try {
      await writeFile(lock, `${2 ** 22 + 1}\n`); // above Linux's pid_max: a crashed owner, stale
      const a = await openStore(`pglite://${dir}`);
      assert.equal(a.kind, 'pglite');
      await assert.rejects(openStore(`pglite://${dir}`), /already open in this process/);
      await a.createRelease(makeRecord('persisted'), { at: 1, actor: 'ci', action: 'release.register' });
      await a.appendVerdict(makeVerdict('persisted', 2));
      await a.close();
      assert.equal(existsSync(lock), false, 'close() releases the lock');
      await writeFile(lock, `${process.ppid}\n`); // a live process holds it
      await assert.rejects(openStore(`pglite://${dir}`), new RegExp(`in use by process ${process.ppid}`));
      await rm(lock);
      const b = await openStore(`pglite://${dir}`);
      assert.equal((await b.getRelease('persisted'))?.decision, 'continue');
      assert.deepEqual(await b.listVerdicts('persisted'), [makeVerdict('persisted', 2)]);
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('postgresUrlInSchema', () => {
  it('gives a URL whose sessions pg starts with the schema as search_path, keeping the rest', () => {
    for (const base of ['postgres://rh:pw@127.0.0.1:5432/rh', 'postgresql://rh@db/shop?sslmode=disable']) {
      // read back by pg's own parser (pg-connection-string), as the store's pool reads it
      const client = new pg.Client({ connectionString: postgresUrlInSchema(base, 'rh_bench_gate_42') });
      // the parameters the client would start its session with (not in pg's type declarations)
      const params = (client as unknown as { connectionParameters: { options?: string; database?: string } })
        .connectionParameters;
      assert.equal(params.options, '-c search_path=rh_bench_gate_42', base);
      assert.equal(params.database, new URL(base).pathname.slice(1), base);
    }
  });

  it('refuses a schema that would need quoting, and a URL that is not PostgreSQL', () => {
    for (const schema of ['', 'Shop', 'a b', 'x;drop', '1st', 'a'.repeat(64)])
      assert.throws(() => postgresUrlInSchema('postgres://h/db', schema), StoreError, schema);
    assert.throws(() => postgresUrlInSchema('pglite://./x', 'rh_x'), StoreError);
  });
});

describe('JSON codec', () => {
  it('round-trips non-finite numbers, -0 and look-alike strings through JSON text', () => {
    const value = {
      a: [NaN, Infinity, -Infinity, -0, 0, 1.5],
      s: ['NaN', '~NaN', '~~-0', 'Infinity x', '-Infinityy'],
      k: { NaN: 'NaN' },
    };
    const text = toJsonText(value);
    assert.ok(text);
    assert.deepEqual(fromJson(JSON.parse(text)), value);
    assert.ok(Object.is((fromJson(JSON.parse(text)) as typeof value).a[3], -0));
    assert.equal(toJsonText(undefined), null);
  });
});

describe('passwordScrubber', () => {
  it('removes the password (plain and URL-encoded) and any inline userinfo secret', () => {
    const scrub = passwordScrubber('postgres://rh:p%40ss%2Fw0rd@db:5432/rh');
    assert.equal(scrub('auth failed for p@ss/w0rd and p%40ss%2Fw0rd'), 'auth failed for *** and ***');
    assert.equal(scrub('cannot reach postgresql://other:xyz@host/db'), 'cannot reach postgresql://other:***@host/db');
    assert.equal(passwordScrubber({ host: 'db', password: 'hunter2' })('bad hunter2'), 'bad ***');
    assert.equal(passwordScrubber({ connectionString: 'postgres://u:zz9@h/d' })('zz9!'), '***!');
  });
});

describe('limits', () => {
  it('default when unset, capped at the maximum, refused when negative or fractional', () => {
    assert.equal(limitOf(undefined, 100, 1000), 100);
    assert.equal(limitOf(0, 100, 1000), 0);
    assert.equal(limitOf(5000, 100, 1000), 1000);
    assert.throws(() => limitOf(-1, 100, 1000), StoreError);
    assert.throws(() => limitOf(2.5, 100, 1000), StoreError);
  });
});
