/**
 * Time since the last good backup, per database: for the gate's backup rule (a high-risk release
 * may start only after a backup newer than N minutes) and for the gauge
 * `release_health_backup_age_seconds{db,source}` on the release dashboards.
 */
import { readPgBackRest, type PgBackRestOptions } from './pgbackrest.ts';
import { readPrometheusBackups, type PrometheusBackupOptions } from './prometheus.ts';
import { readWalG, type WalGOptions } from './walg.ts';
import type { BackupReadResult, BackupRecord, BackupSource, CommandRunner } from './types.ts';

export type BackupSourceConfig =
  | ({ kind: 'pgbackrest' } & PgBackRestOptions)
  | ({ kind: 'wal-g' } & WalGOptions)
  | ({ kind: 'prometheus' } & PrometheusBackupOptions);

export interface BackupStatusConfig {
  sources: BackupSourceConfig[];
}

export interface BackupStatusDeps {
  runner?: CommandRunner;
  fetch?: typeof fetch;
}

export const BACKUP_AGE_METRIC = 'release_health_backup_age_seconds';

/** Reads every source (in parallel); one result per source, in config order, never a rejection. */
export async function readBackups(
  config: BackupStatusConfig,
  deps: BackupStatusDeps = {},
): Promise<BackupReadResult[]> {
  return Promise.all(
    config.sources.map((s) => {
      switch (s.kind) {
        case 'pgbackrest':
          return readPgBackRest(s, deps.runner);
        case 'wal-g':
          return readWalG(s, deps.runner);
        case 'prometheus':
          return readPrometheusBackups(s, deps.fetch);
        default:
          return Promise.resolve<BackupReadResult>({
            ok: false,
            source: (s as { kind: BackupSource }).kind,
            reason: 'source-error',
            error: `unknown backup source kind "${String((s as { kind: unknown }).kind)}"`,
          });
      }
    }),
  );
}

/** The newest good backup of `db` (any database when omitted) among the results; undefined when none. */
export function newestGoodBackup(results: readonly BackupReadResult[], db?: string): BackupRecord | undefined {
  let best: BackupRecord | undefined;
  for (const r of results) {
    if (!r.ok) continue;
    for (const b of r.backups) {
      if (!b.ok || (db !== undefined && b.db !== db)) continue;
      if (!best || b.takenAt > best.takenAt) best = b;
    }
  }
  return best;
}

/** Seconds from the newest good backup of `db` to `now` (ms); undefined when there is none. */
export function timeSinceLastGoodBackup(
  db: string,
  results: readonly BackupReadResult[],
  now: number,
): number | undefined {
  const b = newestGoodBackup(results, db);
  return b === undefined ? undefined : Math.max(0, (now - b.takenAt) / 1000);
}

/**
 * What the gate's backup rule needs: the newest good backup (of `db`, when given) across the
 * configured sources, or undefined when none could be read — the rule then falls back to a
 * manually recorded checkpoint. Source errors are not thrown: call readBackups to show them.
 */
export async function latestBackup(
  config: BackupStatusConfig & { db?: string },
  deps: BackupStatusDeps = {},
): Promise<{ backupId: string; takenAt: number; source: BackupSource } | undefined> {
  const b = newestGoodBackup(await readBackups(config, deps), config.db);
  return b && { backupId: b.backupId, takenAt: b.takenAt, source: b.source };
}

export interface BackupAgeSample {
  labels: { db: string; source: BackupSource };
  /** seconds */
  value: number;
}

/** One sample per (db, source) with a good backup: its age in seconds at `now`. */
export function backupAgeSamples(results: readonly BackupReadResult[], now: number): BackupAgeSample[] {
  const newest = new Map<string, BackupRecord>();
  for (const r of results) {
    if (!r.ok) continue;
    for (const b of r.backups) {
      const key = `${b.db}\u0000${b.source}`;
      if (b.ok && (newest.get(key)?.takenAt ?? -Infinity) < b.takenAt) newest.set(key, b);
    }
  }
  return [...newest.values()]
    .sort((a, b) => a.db.localeCompare(b.db) || a.source.localeCompare(b.source))
    .map((b) => ({ labels: { db: b.db, source: b.source }, value: Math.max(0, (now - b.takenAt) / 1000) }));
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The gauge in Prometheus text format (for /metrics pages that append text). */
export function formatBackupAgeMetrics(results: readonly BackupReadResult[], now: number): string {
  const lines = [
    `# HELP ${BACKUP_AGE_METRIC} Seconds since the last good backup of the database, per source.`,
    `# TYPE ${BACKUP_AGE_METRIC} gauge`,
  ];
  for (const s of backupAgeSamples(results, now))
    lines.push(`${BACKUP_AGE_METRIC}{db="${escapeLabel(s.labels.db)}",source="${s.labels.source}"} ${s.value}`);
  return `${lines.join('\n')}\n`;
}
