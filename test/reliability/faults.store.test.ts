/**
 * Fault injection on the embedded store's files (PGlite directory): a truncated data file, a
 * zeroed page, a flipped byte, a broken control file. Before, the service started `ready` with
 * timelines silently shortened (~460 of 1,199 verdicts gone), restarted zeroed analyses from
 * nothing, or died with `RuntimeError: Aborted()` and 166 KB of minified code. Now each refuses to
 * start with one line: the directory, what is wrong, how to restore. A sound store opens as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
  closeSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from '../../analyzer/index.ts';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteStore, StoreIntegrityError } from '../../store/index.ts';

const PAGE = 8192;
const RELEASES = 4;
const VERDICTS = 300; // per release: the verdicts table spans dozens of pages
const T0 = Date.parse('2026-11-20T10:00:00Z');

const verdict = (releaseId: string, k: number): Verdict => ({
  releaseId,
  at: T0 + k * 60_000,
  decision: 'continue',
  score: 90,
  metrics: [
    {
      metric: 'checkout_latency',
      classification: 'pass',
      effect: { relative: 0.01, low: -0.02, high: 0.03 },
      evidence: 2,
      method: 'latency-shift-e-process',
      n: { baseline: 100 * k, canary: 30 * k },
      reason: 'within tolerance',
    },
  ],
  reasons: ['observing'],
  policy: { class: 'standard', observedFor: k * 60_000 },
});

/** A sound store directory, built once and copied for each fault; with the data files of its tables. */
const pristine = await (async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'rh-store-faults-')), 'store');
  const store = await createPgliteStore(dir);
  for (let r = 0; r < RELEASES; r++) {
    const id = `rel-${r}`;
    const release = {
      id,
      service: 'odoo',
      version: '2',
      environment: 'production',
      strategy: 'canary' as const,
      class: 'standard',
      startedAt: T0,
    };
    await store.createRelease(
      {
        release,
        spec: {
          release,
          metrics: [{ name: 'checkout_latency', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 }],
          policy: {},
        },
        status: 'active',
        registeredAt: T0,
        registeredBy: 'test',
      },
      { at: T0, actor: 'test', action: 'release.register', releaseId: id },
    );
    for (let k = 1; k <= VERDICTS; k++) await store.appendVerdict(verdict(id, k));
    await store.saveEngineCheckpoint({
      releaseId: id,
      snapshot: { version: 1, note: 'x'.repeat(200) },
      offsets: {},
      savedAt: T0,
    });
  }
  await store.close();
  // the Store seam has no SQL door: the tables' data files are found from the catalog directly
  const db = await PGlite.create(dir);
  const files: Record<string, string> = {};
  for (const table of ['verdicts', 'engine_checkpoints', 'integrity_ledger']) {
    files[table] = (
      await db.query<{ path: string }>('SELECT pg_relation_filepath($1::regclass) AS path', [table])
    ).rows[0].path;
  }
  await db.close();
  return { dir, files };
})();

/** A copy of the sound store to damage. */
function copy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'rh-store-fault-')), 'store');
  cpSync(pristine.dir, dir, { recursive: true });
  return dir;
}

async function openError(dir: string): Promise<StoreIntegrityError> {
  const outcome = await createPgliteStore(dir).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (error: unknown) => error,
  );
  assert.ok(outcome instanceof StoreIntegrityError, `expected a StoreIntegrityError, got ${String(outcome)}`);
  assert.ok(outcome.message.startsWith(`PGlite store ${dir} `), outcome.message);
  assert.match(outcome.message, /restore the last backup copy of it/);
  assert.doesNotMatch(outcome.message, /\n/, 'one line');
  assert.ok(outcome.message.length < 1500, `short: ${outcome.message.length} characters`);
  return outcome;
}

test('a sound store opens, and reads back every verdict', async () => {
  const store = await createPgliteStore(copy());
  for (let r = 0; r < RELEASES; r++) assert.equal((await store.listVerdicts(`rel-${r}`)).length, VERDICTS);
  await store.close();
});

test('the data files carry page checksums (PostgreSQL data_checksums on)', async () => {
  const db = await PGlite.create(copy());
  assert.equal((await db.query<{ data_checksums: string }>('SHOW data_checksums')).rows[0].data_checksums, 'on');
  await db.close();
});

/** Writes `bytes` at `offset` of a file of the store copy `dir`. */
function overwrite(dir: string, file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(join(dir, file), 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

test('a truncated verdicts file (its last pages cut off): refused, naming the releases and the verdicts missing', async () => {
  const dir = copy();
  const file = join(dir, pristine.files.verdicts);
  const size = statSync(file).size;
  assert.ok(size >= 8 * PAGE, `the verdicts table spans pages (${size} bytes)`);
  truncateSync(file, size - 3 * PAGE);
  const error = await openError(dir);
  assert.match(
    error.message,
    /verdict history does not match its ledger for \d+ release\(s\) \(\d+ verdict\(s\) missing\): rel-\d 300 recorded, \d+ readable/,
  );
});

test('a zeroed page in the middle of the verdicts file (PostgreSQL reads it as an empty page): refused', async () => {
  const dir = copy();
  const size = statSync(join(dir, pristine.files.verdicts)).size;
  overwrite(dir, pristine.files.verdicts, Math.floor(size / PAGE / 2) * PAGE, Buffer.alloc(PAGE));
  const error = await openError(dir);
  assert.match(error.message, /verdict history does not match its ledger .* 300 recorded, \d+ readable/);
});

test('a zeroed engine-checkpoint page (every analysis would restart from nothing): refused', async () => {
  const dir = copy();
  overwrite(dir, pristine.files.engine_checkpoints, 0, Buffer.alloc(PAGE));
  const error = await openError(dir);
  assert.match(error.message, /4 engine checkpoint\(s\) saved and now missing: rel-0, rel-1, rel-2, …/);
});

test('a zeroed ledger page: refused too (the ledger cannot hide a loss by losing itself)', async () => {
  const dir = copy();
  overwrite(dir, pristine.files.integrity_ledger, 0, Buffer.alloc(PAGE));
  const error = await openError(dir);
  assert.match(error.message, /verdict history does not match its ledger for 4 release\(s\)/);
});

test('one flipped byte inside a verdicts page: the page checksum fails, refused naming the table', async () => {
  const dir = copy();
  const file = join(dir, pristine.files.verdicts);
  const offset = 2 * PAGE + 4000;
  const byte = readFileSync(file).subarray(offset, offset + 1);
  overwrite(dir, pristine.files.verdicts, offset, Buffer.from([byte[0] ^ 0xff]));
  const error = await openError(dir);
  assert.match(error.message, /table verdicts cannot be read: .*(checksum|invalid page)/);
});

test('a broken control file: refused with one line, and `serve` prints that line alone (no stack, no WebAssembly dump)', async () => {
  const dir = copy();
  overwrite(dir, 'global/pg_control', 0, Buffer.alloc(512, 0xab));
  const error = await openError(dir);
  assert.match(error.message, /cannot be opened by PostgreSQL/);
  const config = join(dir, '..', 'serve.yaml');
  writeFileSync(config, `listen: { port: 0 }\nstore: { url: "pglite://${dir}" }\n`);
  const bin = fileURLToPath(new URL('../../bin/release-health.js', import.meta.url));
  const run = spawnSync(process.execPath, [bin, 'serve', '--config', config], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, RH_DEBUG: '' },
  });
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got ${lines.length}: ${run.stderr.slice(0, 500)}`);
  assert.match(
    lines[0],
    new RegExp(
      `^error: store: PGlite store ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened by PostgreSQL`,
    ),
  );
});
