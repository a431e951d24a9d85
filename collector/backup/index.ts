/**
 * Public face of collector/backup/: backup job status from pgBackRest, WAL-G or a Prometheus
 * metric, "time since the last good backup" per database, the gauge
 * `release_health_backup_age_seconds{db,source}` and `latestBackup` for the gate's backup rule.
 * Readers never throw: a missing tool or a failing command is a result with a reason.
 */
export type { BackupErrorReason, BackupReadResult, BackupRecord, BackupSource, CommandRunner } from './types.ts';
export { BackupParseError } from './types.ts';
export { parsePgBackRestInfo, readPgBackRest } from './pgbackrest.ts';
export type { PgBackRestOptions } from './pgbackrest.ts';
export { parseWalGBackupList, readWalG } from './walg.ts';
export type { WalGOptions } from './walg.ts';
export { parsePrometheusBackups, readPrometheusBackups } from './prometheus.ts';
export type { PrometheusBackupOptions } from './prometheus.ts';
export {
  BACKUP_AGE_METRIC,
  backupAgeSamples,
  formatBackupAgeMetrics,
  latestBackup,
  newestGoodBackup,
  readBackups,
  timeSinceLastGoodBackup,
} from './status.ts';
export type { BackupAgeSample, BackupSourceConfig, BackupStatusConfig, BackupStatusDeps } from './status.ts';
