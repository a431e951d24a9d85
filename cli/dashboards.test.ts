/** `dashboards` and `scorecard` end to end through the command table: files written, store read, exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteStore } from '../store/index.ts';
import { seedStore } from '../dashboards/scorecard/testing/history.ts';
import { EXIT } from './command.ts';
import { parseDate } from './scorecard.ts';
import { runCli } from './testing/cliRun.ts';

const EXAMPLE = new URL('../examples/dashboards/dashboards.yaml', import.meta.url).pathname;

test('dashboards: writes five files; usage errors exit 64, config errors 65', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-dash-cli-'));
  try {
    const ok = await runCli(['dashboards', '--config', EXAMPLE, '--out', dir]);
    assert.equal(ok.code, EXIT.ok, ok.err);
    assert.equal(ok.out.trim().split('\n').length, 5);
    assert.equal((await runCli(['dashboards', '--config', EXAMPLE])).code, EXIT.usage);
    assert.equal((await runCli(['dashboards', '--bogus'])).code, EXIT.usage);
    const missing = await runCli(['dashboards', '--config', join(dir, 'nope.yaml'), '--out', dir]);
    assert.equal(missing.code, EXIT.input);
    assert.match(missing.err, /nope\.yaml/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs with RH_STORE_URL / RH_DATABASE_URL as given (unset when absent), restoring them after. */
async function withStoreEnv<T>(env: { RH_STORE_URL?: string }, fn: () => Promise<T>): Promise<T> {
  const saved = { RH_STORE_URL: process.env.RH_STORE_URL, RH_DATABASE_URL: process.env.RH_DATABASE_URL };
  delete process.env.RH_DATABASE_URL;
  if (env.RH_STORE_URL === undefined) delete process.env.RH_STORE_URL;
  else process.env.RH_STORE_URL = env.RH_STORE_URL;
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test('scorecard: reads a PGlite store and writes each format', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-scorecard-cli-'));
  try {
    const store = await createPgliteStore(join(dir, 'db'));
    await seedStore(store);
    await store.close();
    const database = `pglite://${join(dir, 'db')}`;
    const json = await withStoreEnv({}, () =>
      runCli(['scorecard', '--from', '2026-02-22', '--to', '2026-03-08', '--format', 'json', '--database', database]),
    );
    assert.equal(json.code, EXIT.ok, json.err);
    assert.equal(JSON.parse(json.out).overall.releases, 4);
    const file = join(dir, 'card.html');
    const html = await withStoreEnv({ RH_STORE_URL: database }, () =>
      runCli(['scorecard', '--from', '2026-02-22T00:00:00Z', '--to', '2026-03-08', '--out', file]),
    );
    assert.equal(html.code, EXIT.ok, html.err);
    assert.match(await readFile(file, 'utf8'), /data-figure="overall.changeFailureRate">75.0%</);
    assert.match(html.out, /4 releases/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scorecard: usage errors exit 64 and never echo the database URL', async () => {
  const cases: [string[], RegExp][] = [
    [['--to', '2026-03-01'], /--from and --to are required/],
    [['--from', '2026-02-30', '--to', '2026-03-01'], /--from: not an RFC 3339 date/],
    [['--from', '2026-03-02', '--to', '2026-03-01'], /before --to/],
    [['--from', '2026-03-01', '--to', '2026-03-02', '--format', 'pdf'], /unknown "pdf"/],
    [['--from', '2026-03-01', '--to', '2026-03-02'], /no database/],
  ];
  for (const [argv, message] of cases) {
    const result = await withStoreEnv({}, () => runCli(['scorecard', ...argv]));
    assert.equal(result.code, EXIT.usage, argv.join(' '));
    assert.match(result.err, message);
  }
  const result = await withStoreEnv({}, () =>
    runCli(['scorecard', '--from', '2026-03-01', '--to', '2026-03-02', '--database', 'mysql://root:hunter2@db/x']),
  );
  assert.equal(result.code, EXIT.failure);
  assert.ok(!result.err.includes('hunter2'), result.err);
  assert.equal(parseDate('2026-03-01T01:00:00+01:00'), Date.UTC(2026, 2, 1));
  assert.equal(parseDate('yesterday'), undefined);
});
