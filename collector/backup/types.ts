/**
 * Backup job status as a release signal (a release policy may require a recent backup): what the readers return.
 * One shape whatever the source, so the gate's backup rule and the `release_health_backup_age_seconds`
 * gauge never care where a backup was read from.
 */

export type BackupSource = 'pgbackrest' | 'wal-g' | 'prometheus';

/** One backup a tool reports. */
export interface BackupRecord {
  /** the database it protects: pgBackRest's stanza, WAL-G's configured name, the metric's `db` label */
  db: string;
  source: BackupSource;
  /** pgBackRest label (20261127-073113F), WAL-G backup name (base_0000…), or `<db>@<time>` from a metric */
  backupId: string;
  /** when the backup finished (ms): a restore can reach this point */
  takenAt: number;
  /** when it started (ms), where the source says */
  startedAt?: number;
  /** full / diff / incr (pgBackRest), full / delta (WAL-G) */
  type?: string;
  /** false when the tool marks the backup as having errors: never counted as a good backup */
  ok: boolean;
}

export type BackupErrorReason = 'tool-missing' | 'command-failed' | 'bad-output' | 'source-error' | 'query-failed';

/** What a reader returns: never throws for a missing tool, a failing command or odd output. */
export type BackupReadResult =
  | { ok: true; source: BackupSource; backups: BackupRecord[] }
  | { ok: false; source: BackupSource; reason: BackupErrorReason; error: string };

/** Thrown by the pure parsers on output of an unexpected shape (the readers turn it into a result). */
export class BackupParseError extends Error {
  override readonly name = 'BackupParseError';
}

/** Runs a command: the seam tests use to stand in for a missing or failing tool. */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string> },
) => Promise<{ stdout: string; stderr: string }>;
