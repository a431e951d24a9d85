/**
 * Backup status: parsers on recorded pgBackRest output (testdata/README.md says which fixture is
 * recorded and which written), bad input, a missing or failing tool (a result, never a crash),
 * hand-computed ages, and the REAL pgBackRest against the PostgreSQL of
 * scripts/services/pgbackrest.sh (skipped without it, an error under CI).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { inCI, requireService, serviceEnv } from '../../test/integration/helpers.ts';
import {
  BackupParseError,
  formatBackupAgeMetrics,
  latestBackup,
  parsePgBackRestInfo,
  parsePrometheusBackups,
  parseWalGBackupList,
  readBackups,
  readPgBackRest,
  readPrometheusBackups,
  readWalG,
  timeSinceLastGoodBackup,
  type BackupReadResult,
  type CommandRunner,
} from './index.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));
const runnerOf =
  (stdout: string): CommandRunner =>
  async () => ({ stdout, stderr: '' });

test('pgBackRest info (recorded): every backup with label, type and stop time', () => {
  const backups = parsePgBackRestInfo(fixture('pgbackrest-info.json'), 'rh');
  assert.deepEqual(backups, [
    // timestamp.stop 1795764682 s and 1795764698 s in the recorded output
    {
      db: 'rh',
      source: 'pgbackrest',
      backupId: '20261127-073113F',
      takenAt: 1_795_764_682_000,
      startedAt: 1_795_764_673_000,
      type: 'full',
      ok: true,
    },
    {
      db: 'rh',
      source: 'pgbackrest',
      backupId: '20261127-073113F_20261127-073136I',
      takenAt: 1_795_764_698_000,
      startedAt: 1_795_764_696_000,
      type: 'incr',
      ok: true,
    },
  ]);
  assert.deepEqual(parsePgBackRestInfo(fixture('pgbackrest-info.json'), 'other'), [], 'other stanzas are skipped');
});

test('pgBackRest: a backup flagged with errors is never good; a stanza error and odd shapes are parse errors', () => {
  const info = fixture('pgbackrest-info.json') as { backup: { error: boolean }[] }[];
  info[0].backup[1].error = true;
  const results: BackupReadResult[] = [{ ok: true, source: 'pgbackrest', backups: parsePgBackRestInfo(info) }];
  // the incr one (stop 1795764698) has errors: the full one (stop 1795764682) is the last good one
  assert.equal(timeSinceLastGoodBackup('rh', results, 1_795_764_682_000 + 90_000), 90);
  assert.throws(
    () => parsePgBackRestInfo(fixture('pgbackrest-info-missing-stanza.json')),
    (e: unknown) => e instanceof BackupParseError && /status 1 \(missing stanza path\)/.test(e.message),
  );
  for (const bad of [
    {},
    [{}],
    [{ name: 'x', status: { code: 0 } }],
    [{ name: 'x', backup: [{ label: 'l', timestamp: {} }] }],
  ]) {
    assert.throws(() => parsePgBackRestInfo(bad), BackupParseError, JSON.stringify(bad));
  }
});

test('readPgBackRest: a missing tool, a failing command, bad output and a stanza error are results, not crashes', async () => {
  const missing = await readPgBackRest({ stanza: 'rh', bin: '/nonexistent/pgbackrest' });
  assert.deepEqual(missing, {
    ok: false,
    source: 'pgbackrest',
    reason: 'tool-missing',
    error: '/nonexistent/pgbackrest is not installed (not found on PATH)',
  });
  const failing: CommandRunner = async () => {
    throw Object.assign(new Error('Command failed'), {
      code: 55,
      stderr: "ERROR: [055]: unable to open missing file '/x' for read\n",
    });
  };
  const failed = await readPgBackRest({ stanza: 'rh' }, failing);
  assert.equal(failed.ok, false);
  assert.match(!failed.ok ? failed.error : '', /exited with 55: ERROR: \[055\]: unable to open missing file/);
  assert.equal(!failed.ok && failed.reason, 'command-failed');
  const garbage = await readPgBackRest({ stanza: 'rh' }, runnerOf('not json'));
  assert.equal(!garbage.ok && garbage.reason, 'bad-output');
  const stanza = await readPgBackRest(
    { stanza: 'nosuch' },
    runnerOf(readFileSync(new URL('./testdata/pgbackrest-info-missing-stanza.json', import.meta.url), 'utf8')),
  );
  assert.equal(!stanza.ok && stanza.reason, 'source-error');
});

test('WAL-G backup-list --json --detail: finish_time, delta type; empty storage; bad entries', async () => {
  assert.deepEqual(parseWalGBackupList(fixture('walg-backup-list-detail.json'), 'shop'), [
    {
      db: 'shop',
      source: 'wal-g',
      backupId: 'base_000000010000000000000004',
      takenAt: Date.parse('2026-11-26T02:00:40.977Z'),
      startedAt: Date.parse('2026-11-26T02:00:03.081Z'),
      type: 'full',
      ok: true,
    },
    {
      db: 'shop',
      source: 'wal-g',
      backupId: 'base_000000010000000000000009_D_000000010000000000000004',
      takenAt: Date.parse('2026-11-27T02:00:18.733Z'),
      startedAt: Date.parse('2026-11-27T02:00:02.650Z'),
      type: 'delta',
      ok: true,
    },
  ]);
  assert.deepEqual(
    parseWalGBackupList([{ backup_name: 'b', time: '2026-11-27T00:00:00Z' }], 'd')[0].takenAt,
    Date.parse('2026-11-27T00:00:00Z'),
    'without --detail: time',
  );
  assert.throws(() => parseWalGBackupList([{ time: 'x' }], 'd'), BackupParseError);
  assert.throws(
    () => parseWalGBackupList([{ backup_name: 'b', finish_time: 'yesterday' }], 'd'),
    /no finish_time or time/,
  );
  assert.deepEqual(await readWalG({ db: 'd' }, runnerOf('')), { ok: true, source: 'wal-g', backups: [] });
  const missing = await readWalG({ db: 'd', bin: '/nonexistent/wal-g' });
  assert.equal(!missing.ok && missing.reason, 'tool-missing');
});

async function promStub(
  body: unknown,
  status = 200,
): Promise<{ url: string; close: () => Promise<void>; queries: string[] }> {
  const queries: string[] = [];
  const server = createServer((req, res) => {
    queries.push(new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('Prometheus metric: last success time per db from an instant query; errors are results', async () => {
  const answer = {
    status: 'success',
    data: {
      resultType: 'vector',
      result: [
        { metric: { db: 'shop' }, value: [1_795_800_000, '1795764682'] },
        { metric: {}, value: [1, '5'] },
      ],
    },
  };
  assert.deepEqual(parsePrometheusBackups(answer), [
    {
      db: 'shop',
      source: 'prometheus',
      backupId: 'shop@2026-11-27T07:31:22.000Z',
      takenAt: 1_795_764_682_000,
      ok: true,
    },
  ]);
  const stub = await promStub(answer);
  try {
    const r = await readPrometheusBackups({
      url: stub.url,
      query: 'max by (db) (backup_last_success_timestamp_seconds)',
    });
    assert.equal(r.ok && r.backups.length, 1);
    assert.deepEqual(stub.queries, ['max by (db) (backup_last_success_timestamp_seconds)']);
  } finally {
    await stub.close();
  }
  const bad = await promStub({ status: 'error', error: 'parse error' }, 400);
  try {
    const r = await readPrometheusBackups({ url: bad.url, query: 'x(' });
    assert.equal(!r.ok && r.reason, 'query-failed');
    assert.match(!r.ok ? r.error : '', /HTTP 400/);
  } finally {
    await bad.close();
  }
  const down = await readPrometheusBackups({ url: 'http://127.0.0.1:9', query: 'up' });
  assert.equal(!down.ok && down.reason, 'query-failed');
});

test('hand-computed ages, latestBackup across sources and the gauge', async () => {
  const now = Date.parse('2026-11-27T08:00:00Z');
  const walg = readFileSync(new URL('./testdata/walg-backup-list-detail.json', import.meta.url), 'utf8');
  const runner: CommandRunner = async (bin) =>
    bin === 'wal-g'
      ? { stdout: walg, stderr: '' }
      : Promise.reject(Object.assign(new Error('spawn pgbackrest ENOENT'), { code: 'ENOENT' }));
  const config = {
    sources: [
      { kind: 'wal-g' as const, db: 'shop' },
      { kind: 'pgbackrest' as const, stanza: 'shop' },
    ],
  };
  const results = await readBackups(config, { runner });
  assert.equal(results[1].ok, false, 'pgbackrest missing: an error result beside the good one');
  // newest WAL-G backup finished 2026-11-27T02:00:18.733Z: 5 h 59 min 41.267 s = 21581.267 s before 08:00
  assert.equal(timeSinceLastGoodBackup('shop', results, now), 21_581.267);
  assert.equal(timeSinceLastGoodBackup('other', results, now), undefined);
  assert.deepEqual(await latestBackup({ ...config, db: 'shop' }, { runner }), {
    backupId: 'base_000000010000000000000009_D_000000010000000000000004',
    takenAt: Date.parse('2026-11-27T02:00:18.733Z'),
    source: 'wal-g',
  });
  assert.equal(
    await latestBackup({ sources: [{ kind: 'pgbackrest', stanza: 'x', bin: '/nonexistent/pgbackrest' }] }),
    undefined,
  );
  assert.equal(
    formatBackupAgeMetrics(results, now),
    '# HELP release_health_backup_age_seconds Seconds since the last good backup of the database, per source.\n# TYPE release_health_backup_age_seconds gauge\nrelease_health_backup_age_seconds{db="shop",source="wal-g"} 21581.267\n',
  );
});

function pgbackrestService(t: TestContext): { config: string; stanza: string } | undefined {
  const config = serviceEnv('RH_PGBACKREST_CONFIG');
  const stanza = serviceEnv('RH_PGBACKREST_STANZA');
  if (config && stanza) return { config, stanza };
  const why = 'RH_PGBACKREST_CONFIG/RH_PGBACKREST_STANZA not set (run bash scripts/services/pgbackrest.sh)';
  if (inCI()) throw new Error(why);
  t.skip(why);
  return undefined;
}

test('real pgBackRest: reads the stanza, and a backup taken now is seconds old', async (t) => {
  const svc = pgbackrestService(t);
  if (!svc) return;
  const before = await readPgBackRest(svc);
  assert.ok(before.ok, !before.ok ? before.error : '');
  assert.ok(
    before.backups.some((b) => b.type === 'full' && b.ok),
    'scripts/services/pgbackrest.sh took a full backup',
  );
  // a new incremental backup, as the database's owner (pgBackRest refuses to back up as another user)
  const asOwner = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', 'pgbackrest']] : ['pgbackrest', []];
  const started = Date.now();
  await promisify(execFile)(
    asOwner[0] as string,
    [...(asOwner[1] as string[]), `--config=${svc.config}`, `--stanza=${svc.stanza}`, '--type=incr', 'backup'],
    { timeout: 120_000 },
  );
  const newest = await latestBackup({ sources: [{ kind: 'pgbackrest', ...svc }], db: svc.stanza });
  assert.ok(newest, 'a backup is found');
  assert.equal(newest.source, 'pgbackrest');
  assert.ok(
    newest.takenAt >= Math.floor(started / 1000) * 1000 && newest.takenAt <= Date.now(),
    `${newest.backupId} finished during the test`,
  );
  const age = timeSinceLastGoodBackup(svc.stanza, [await readPgBackRest(svc)], Date.now());
  assert.ok(age !== undefined && age < 120, `age ${age}s`);
  const wrongConfig = await readPgBackRest({ ...svc, config: '/nonexistent/pgbackrest.conf' });
  assert.equal(!wrongConfig.ok && wrongConfig.reason, 'command-failed');
  assert.match(!wrongConfig.ok ? wrongConfig.error : '', /unable to open missing file/);
});

test('real Prometheus: the instant query path against the test Prometheus', async (t) => {
  const url = await requireService(t, 'prometheus');
  if (!url) return;
  // a constant series standing in for an exporter's last-success gauge: value 1795764682 s, db="odoo"
  const r = await readPrometheusBackups({ url, query: 'label_replace(vector(1795764682), "db", "odoo", "", "")' });
  assert.ok(r.ok, !r.ok ? r.error : '');
  assert.deepEqual(r.backups, [
    {
      db: 'odoo',
      source: 'prometheus',
      backupId: 'odoo@2026-11-27T07:31:22.000Z',
      takenAt: 1_795_764_682_000,
      ok: true,
    },
  ]);
  const bad = await readPrometheusBackups({ url, query: 'sum(' });
  assert.equal(!bad.ok && bad.reason, 'query-failed');
});
