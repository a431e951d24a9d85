/**
 * WAL-G: `wal-g backup-list --json --detail`. A JSON array (WAL-G's `BackupDetail`: the
 * `BackupTime` fields plus `ExtendedMetadataDto`), one object per completed backup:
 *   { backup_name, time, wal_file_name, start_time, finish_time (RFC 3339), date_fmt, hostname,
 *     data_dir, pg_version, start_lsn, finish_lsn, is_permanent, … }
 * WAL-G lists only backups whose sentinel was uploaded, i.e. finished ones. WAL-G is not packaged
 * for Debian, so the tests use a fixture written from that structure, not a recorded run.
 * An empty storage prints a message and `[]` or nothing; both read as no backups.
 */
import { execRunner, runTool } from './run.ts';
import { BackupParseError, type BackupReadResult, type BackupRecord, type CommandRunner } from './types.ts';

export interface WalGOptions {
  /** the database these backups protect (WAL-G itself has no name for it) */
  db: string;
  bin?: string;
  /** e.g. { WALG_S3_PREFIX: …, PGHOST: … } on top of the process environment; never logged */
  env?: Record<string, string>;
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

const time = (v: unknown): number | undefined =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : undefined;

/** Backups of `backup-list --json --detail` output; throws BackupParseError on a wrong shape. */
export function parseWalGBackupList(list: unknown, db: string): BackupRecord[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new BackupParseError('wal-g backup-list: expected a JSON array');
  return list.map((raw, i) => {
    const b = raw as Json;
    if (typeof b?.backup_name !== 'string')
      throw new BackupParseError(`wal-g backup-list: entry ${i} has no backup_name`);
    // finish_time needs --detail; without it `time` (the sentinel's upload time) is the best there is
    const takenAt = time(b.finish_time) ?? time(b.time);
    if (takenAt === undefined)
      throw new BackupParseError(`wal-g backup-list: ${b.backup_name} has no finish_time or time`);
    const startedAt = time(b.start_time);
    return {
      db,
      source: 'wal-g' as const,
      backupId: b.backup_name,
      takenAt,
      ...(startedAt !== undefined ? { startedAt } : {}),
      type: b.backup_name.includes('_D_') ? 'delta' : 'full',
      ok: true,
    };
  });
}

/** Runs `wal-g backup-list --json --detail`; never throws. */
export async function readWalG(options: WalGOptions, runner: CommandRunner = execRunner): Promise<BackupReadResult> {
  const run = await runTool(
    'wal-g',
    runner,
    options.bin ?? 'wal-g',
    ['backup-list', '--json', '--detail'],
    options.timeoutMs ?? 60_000,
    options.env,
  );
  if (!run.ok) return run;
  const text = run.stdout.trim();
  // "No backups found" is printed (to stderr on recent versions) with nothing or [] on stdout
  if (text === '' || !text.startsWith('[')) return { ok: true, source: 'wal-g', backups: [] };
  try {
    return { ok: true, source: 'wal-g', backups: parseWalGBackupList(JSON.parse(text), options.db) };
  } catch (e) {
    return { ok: false, source: 'wal-g', reason: 'bad-output', error: (e as Error).message };
  }
}
