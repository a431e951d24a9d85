/**
 * A Prometheus metric holding the last successful backup time (seconds since the epoch), one
 * series per database — what backup exporters and cron jobs pushing to a Pushgateway expose,
 * e.g. `pgbackrest_backup_last_success_timestamp_seconds` or a team's own
 * `backup_last_success_timestamp_seconds{db="shop"}`. Read with a plain instant query
 * (`GET /api/v1/query`): one number per series is all that is needed.
 */
import type { BackupReadResult, BackupRecord } from './types.ts';

export interface PrometheusBackupOptions {
  /** Prometheus base URL */
  url: string;
  /** an instant query whose value is the last success time in seconds, e.g. `max by (db) (backup_last_success_timestamp_seconds)` */
  query: string;
  /** label naming the database (default db) */
  dbLabel?: string;
  timeoutMs?: number;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Backups from an instant-query answer (`data.resultType` vector); series without the db label are skipped. */
export function parsePrometheusBackups(body: unknown, dbLabel = 'db'): BackupRecord[] {
  const data = (body as { status?: string; data?: { resultType?: string; result?: VectorSample[] } }).data;
  if (
    (body as { status?: string }).status !== 'success' ||
    data?.resultType !== 'vector' ||
    !Array.isArray(data.result)
  ) {
    throw new Error(`expected a successful vector answer, got ${JSON.stringify(body).slice(0, 200)}`);
  }
  const out: BackupRecord[] = [];
  for (const s of data.result) {
    const db = s.metric?.[dbLabel];
    const seconds = Number(s.value?.[1]);
    if (!db || !Number.isFinite(seconds) || seconds <= 0) continue;
    out.push({
      db,
      source: 'prometheus',
      backupId: `${db}@${new Date(seconds * 1000).toISOString()}`,
      takenAt: Math.round(seconds * 1000),
      ok: true,
    });
  }
  return out;
}

/** Runs the instant query; never throws. */
export async function readPrometheusBackups(
  options: PrometheusBackupOptions,
  doFetch: typeof fetch = fetch,
): Promise<BackupReadResult> {
  const url = `${options.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(options.query)}`;
  try {
    const res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    const body: unknown = await res.json().catch(() => ({ status: `HTTP ${res.status}` }));
    if (!res.ok)
      return {
        ok: false,
        source: 'prometheus',
        reason: 'query-failed',
        error: `HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`,
      };
    return { ok: true, source: 'prometheus', backups: parsePrometheusBackups(body, options.dbLabel) };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return {
      ok: false,
      source: 'prometheus',
      reason: 'query-failed',
      error: `${err.name === 'TimeoutError' ? 'timeout' : err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`,
    };
  }
}
