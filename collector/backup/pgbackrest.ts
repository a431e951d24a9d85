/**
 * pgBackRest: `pgbackrest --stanza=S info --output=json`. Its shape (recorded from pgBackRest 2.45
 * in testdata/pgbackrest-info.json): an array of stanzas, each
 *   { name, status: { code, message }, backup: [ { label, type: full|diff|incr, error?: bool,
 *     timestamp: { start, stop } (epoch seconds), … } ], … }
 * A stanza with status code ≠ 0 (e.g. 1 "missing stanza path") is a source error, not an empty list.
 */
import { execRunner, runTool } from './run.ts';
import { BackupParseError, type BackupReadResult, type BackupRecord, type CommandRunner } from './types.ts';

export interface PgBackRestOptions {
  stanza: string;
  /** --config (default: pgBackRest's own default, /etc/pgbackrest/pgbackrest.conf) */
  config?: string;
  /** binary (default pgbackrest on PATH) */
  bin?: string;
  /** default 30 s */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Backups of the info output (every stanza, or `stanza` only); throws BackupParseError on a wrong shape or a stanza error. */
export function parsePgBackRestInfo(info: unknown, stanza?: string): BackupRecord[] {
  if (!Array.isArray(info)) throw new BackupParseError('pgbackrest info: expected a JSON array of stanzas');
  const out: BackupRecord[] = [];
  for (const s of info) {
    if (!isObj(s) || typeof s.name !== 'string') throw new BackupParseError('pgbackrest info: a stanza without a name');
    if (stanza !== undefined && s.name !== stanza) continue;
    const status = isObj(s.status) ? s.status : {};
    if (typeof status.code === 'number' && status.code !== 0) {
      throw new BackupParseError(
        `pgbackrest stanza ${s.name}: status ${status.code} (${String(status.message ?? 'no message')})`,
      );
    }
    if (!Array.isArray(s.backup)) throw new BackupParseError(`pgbackrest stanza ${s.name}: no backup list`);
    for (const b of s.backup) {
      const ts = isObj(b) && isObj(b.timestamp) ? b.timestamp : undefined;
      if (!isObj(b) || typeof b.label !== 'string' || !ts || typeof ts.stop !== 'number') {
        throw new BackupParseError(`pgbackrest stanza ${s.name}: a backup without label or timestamp.stop`);
      }
      out.push({
        db: s.name,
        source: 'pgbackrest',
        backupId: b.label,
        takenAt: ts.stop * 1000,
        ...(typeof ts.start === 'number' ? { startedAt: ts.start * 1000 } : {}),
        ...(typeof b.type === 'string' ? { type: b.type } : {}),
        // `error` appeared in pgBackRest 2.36 (page checksum errors during the backup); absent = none reported
        ok: b.error !== true,
      });
    }
  }
  return out;
}

/** Runs `pgbackrest info --output=json` for the stanza; never throws. */
export async function readPgBackRest(
  options: PgBackRestOptions,
  runner: CommandRunner = execRunner,
): Promise<BackupReadResult> {
  const bin = options.bin ?? 'pgbackrest';
  const args = [
    ...(options.config ? [`--config=${options.config}`] : []),
    `--stanza=${options.stanza}`,
    'info',
    '--output=json',
  ];
  const run = await runTool('pgbackrest', runner, bin, args, options.timeoutMs ?? 30_000);
  if (!run.ok) return run;
  try {
    return { ok: true, source: 'pgbackrest', backups: parsePgBackRestInfo(JSON.parse(run.stdout), options.stanza) };
  } catch (e) {
    const reason = e instanceof BackupParseError && /status \d+/.test(e.message) ? 'source-error' : 'bad-output';
    return { ok: false, source: 'pgbackrest', reason, error: (e as Error).message };
  }
}
