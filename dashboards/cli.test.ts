/** The two commands end to end: arguments, exit codes, files written, store read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteStore } from '../store/index.ts';
import { dashboardsCommand } from './cli.ts';
import { parseDate, scorecardCommand } from './scorecardCli.ts';
import { seedStore } from './scorecard/testing/history.ts';

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const EXAMPLE = new URL('../examples/dashboards/dashboards.yaml', import.meta.url).pathname;

test('dashboards: writes five files; usage and config errors exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-dash-cli-'));
  try {
    const out = new Sink();
    const err = new Sink();
    assert.equal(await dashboardsCommand(['--config', EXAMPLE, '--out', dir], out, err), 0, err.text);
    assert.equal(out.text.trim().split('\n').length, 5);
    assert.equal(await dashboardsCommand(['--config', EXAMPLE], new Sink(), err), 2);
    assert.equal(await dashboardsCommand(['--bogus'], new Sink(), err), 2);
    const missing = new Sink();
    assert.equal(await dashboardsCommand(['--config', join(dir, 'nope.yaml'), '--out', dir], new Sink(), missing), 2);
    assert.match(missing.text, /nope\.yaml/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scorecard: reads a PGlite store and writes each format', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rh-scorecard-cli-'));
  try {
    const store = await createPgliteStore(join(dir, 'db'));
    await seedStore(store);
    await store.close();
    const database = `pglite://${join(dir, 'db')}`;
    const json = new Sink();
    const err = new Sink();
    assert.equal(
      await scorecardCommand(
        ['--from', '2026-02-22', '--to', '2026-03-08', '--format', 'json', '--database', database],
        json,
        err,
        {},
      ),
      0,
      err.text,
    );
    assert.equal(JSON.parse(json.text).overall.releases, 4);
    const file = join(dir, 'card.html');
    const out = new Sink();
    assert.equal(
      await scorecardCommand(['--from', '2026-02-22T00:00:00Z', '--to', '2026-03-08', '--out', file], out, err, {
        RH_STORE_URL: database,
      }),
      0,
      err.text,
    );
    assert.match(await readFile(file, 'utf8'), /data-figure="overall.changeFailureRate">75.0%</);
    assert.match(out.text, /4 releases/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scorecard: usage errors exit 2 and never echo the database URL', async () => {
  const cases: [string[], RegExp][] = [
    [['--to', '2026-03-01'], /--from and --to are required/],
    [['--from', '2026-02-30', '--to', '2026-03-01'], /--from: not an RFC 3339 date/],
    [['--from', '2026-03-02', '--to', '2026-03-01'], /before --to/],
    [['--from', '2026-03-01', '--to', '2026-03-02', '--format', 'pdf'], /unknown "pdf"/],
    [['--from', '2026-03-01', '--to', '2026-03-02'], /no database/],
  ];
  for (const [argv, message] of cases) {
    const err = new Sink();
    assert.equal(await scorecardCommand(argv, new Sink(), err, {}), 2, argv.join(' '));
    assert.match(err.text, message);
  }
  const err = new Sink();
  const code = await scorecardCommand(
    ['--from', '2026-03-01', '--to', '2026-03-02', '--database', 'mysql://root:hunter2@db/x'],
    new Sink(),
    err,
    {},
  );
  assert.equal(code, 1);
  assert.ok(!err.text.includes('hunter2'), err.text);
  assert.equal(parseDate('2026-03-01T01:00:00+01:00'), Date.UTC(2026, 2, 1));
  assert.equal(parseDate('yesterday'), undefined);
});
