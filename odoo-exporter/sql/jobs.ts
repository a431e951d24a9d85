/**
 * Background work: OCA queue_job depth/age/failures, overdue scheduled actions, outgoing mail.
 *
 * - queue_job (OCA/queue branch 17.0, queue_job/models/queue_job.py and job.py): `_log_access = False`, so
 *   its own `date_created`/`eta` give ages; `state` and `channel` are indexed. Only live states are
 *   read (done/cancelled jobs accumulate until the autovacuum cron, 30 days by default). A pending
 *   job with a future `eta` is not late: its age counts from `greatest(date_created, eta)`.
 *   Failures: OCA's `set_failed` stamps no date, so a failure is a job id newly seen in `failed`
 *   (a requeued job that fails again counts again).
 * - ir_cron (odoo/addons/base/models/ir_cron.py, 17.0): a job is ready, in Odoo's own
 *   `_get_all_ready_jobs`, when `active AND numbercall != 0 AND (nextcall <= now OR a pending
 *   ir_cron_trigger has call_at <= now)`. Overdue = ready for more than `grace` (the cron thread
 *   polls every 60 s, `SLEEP_INTERVAL`), by either way. What it cannot show, stated: 17.0 runs the
 *   job (`_callback`) and only then writes `nextcall`/`lastcall` (`_process_job`), so a job
 *   running longer than `grace` looks overdue — its next run is late either way; and `_callback`
 *   catches the job's exception and `nextcall` still advances: a failing cron never shows here
 *   (17.0 keeps no failure column; 18.0 adds `failure_count`). The name is `cron_name` (stored,
 *   en_US), else `ir_act_server.name->>'en_US'` (jsonb since 16.0).
 * - mail_mail (addons/mail/models/mail_mail.py, 17.0): `process_email_queue` sends mails with
 *   `state = 'outgoing' AND (scheduled_date IS NULL OR scheduled_date <= now)`. Due mails are the
 *   backlog (`odoo_mail_queued`, age from `greatest(create_date, scheduled_date)`: when it became
 *   due); mails scheduled for later are counted apart (`odoo_mail_scheduled`); `exception` too.
 *   Sent mails are usually deleted (auto_delete), so the table stays small and its unindexed
 *   `state` is cheap to scan.
 */
import { pgTimestamp, type SqlQuery } from '../db/query.ts';
import { COUNTERS, GAUGES, emptyBatch } from '../signals.ts';
import type { SqlSource } from './source.ts';

// OCA/queue 17.0 queue_job/models/queue_job.py: state and channel index=True; STATES in queue_job/job.py
export const SQL_QUEUE_JOBS = `SELECT COALESCE(channel, 'root') AS channel, state, count(*)::int4 AS n,
    GREATEST(EXTRACT(EPOCH FROM ($1::timestamp - min(GREATEST(date_created, COALESCE(eta, date_created))))), 0)::float8 AS oldest
  FROM queue_job WHERE state IN ('wait_dependencies', 'pending', 'enqueued', 'started', 'failed') GROUP BY 1, state`;
// OCA/queue 17.0 queue_job/job.py set_failed: state only, no date — failures are ids newly failed
export const SQL_FAILED_JOBS = `SELECT id, COALESCE(channel, 'root') AS channel FROM queue_job WHERE state = 'failed'`;
/**
 * odoo/addons/base/models/ir_cron.py (17.0) `_get_all_ready_jobs`, overdue by `grace`.
 * `$numbercall` is `AND c.numbercall != 0` where the column exists (16.0/17.0; 18.0 dropped it).
 */
const sqlOverdueCrons = (
  numbercall: string,
): string => `SELECT c.id, COALESCE(c.cron_name, s.name->>'en_US', 'ir_cron#' || c.id) AS name,
    EXTRACT(EPOCH FROM ($1::timestamp - LEAST(c.nextcall, COALESCE(t.call_at, c.nextcall))))::float8 AS late
  FROM ir_cron c LEFT JOIN ir_act_server s ON s.id = c.ir_actions_server_id
  LEFT JOIN (SELECT cron_id, min(call_at) AS call_at FROM ir_cron_trigger WHERE call_at <= $1::timestamp GROUP BY cron_id) t ON t.cron_id = c.id
  WHERE c.active${numbercall}
    AND LEAST(c.nextcall, COALESCE(t.call_at, c.nextcall)) < $1::timestamp - make_interval(secs => $2)`;
export const SQL_OVERDUE_CRONS = sqlOverdueCrons(' AND c.numbercall != 0');
/**
 * addons/mail/models/mail_mail.py (17.0) `process_email_queue` domain, due vs scheduled.
 * `$sched` is `scheduled_date` (17.0: Datetime) or, in 16.0 where it is a Char, its cast.
 */
const sqlMail = (
  sched: string,
): string => `SELECT CASE WHEN state = 'outgoing' AND ${sched} > $1::timestamp THEN 'scheduled' ELSE state END AS state, count(*)::int4 AS n,
    GREATEST(EXTRACT(EPOCH FROM ($1::timestamp - min(GREATEST(create_date, COALESCE(${sched}, create_date))))), 0)::float8 AS oldest
  FROM mail_mail WHERE state IN ('outgoing', 'exception') GROUP BY 1`;
export const SQL_MAIL = sqlMail('scheduled_date');

export function queueJobSource(): SqlSource {
  let failed = new Map<number, string>();
  const pairs = new Set<string>();
  return {
    name: 'queue_job',
    tables: ['queue_job'],
    async prime(q: SqlQuery) {
      const { rows } = await q.query<{ id: number; channel: string }>(SQL_FAILED_JOBS);
      failed = new Map(rows.map((r) => [r.id, r.channel]));
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const { rows } = await q.query<{ channel: string; state: string; n: number; oldest: number }>(SQL_QUEUE_JOBS, [
        pgTimestamp(ctx.now),
      ]);
      const { rows: failedRows } = await q.query<{ id: number; channel: string }>(SQL_FAILED_JOBS);
      const now = new Map(failedRows.map((r) => [r.id, r.channel]));
      const failures = new Map<string, number>();
      for (const [id, channel] of now) if (!failed.has(id)) failures.set(channel, (failures.get(channel) ?? 0) + 1);
      failed = now;
      const channels = new Set<string>();
      for (const r of rows) {
        pairs.add(`${r.channel}\u0000${r.state}`);
        channels.add(r.channel);
      }
      for (const key of pairs) channels.add(key.split('\u0000')[0]);
      // a (channel, state) pair once seen reports 0 when empty, instead of vanishing
      for (const key of pairs) {
        const [channel, state] = key.split('\u0000');
        const r = rows.find((x) => x.channel === channel && x.state === state);
        batch.gauges.push({ name: GAUGES.queueJobs, labels: { channel, state }, value: r?.n ?? 0 });
      }
      for (const channel of channels) {
        const pending = rows.find((x) => x.channel === channel && x.state === 'pending');
        batch.gauges.push({ name: GAUGES.oldestPendingJob, labels: { channel }, value: pending?.oldest ?? 0 });
        batch.counters.push({ name: COUNTERS.queueFailures, labels: { channel }, value: failures.get(channel) ?? 0 });
      }
      return batch;
    },
  };
}

export function cronSource(opts: { graceSeconds: number }): SqlSource {
  let sql = SQL_OVERDUE_CRONS;
  return {
    name: 'ir_cron',
    tables: ['ir_cron', 'ir_act_server', 'ir_cron_trigger'],
    async prime(q) {
      const { rows } = await q.query<{ n: number }>(
        `SELECT count(*)::int4 AS n FROM information_schema.columns WHERE table_name = 'ir_cron' AND column_name = 'numbercall' AND table_schema = ANY(current_schemas(false))`,
      );
      sql = sqlOverdueCrons((rows[0]?.n ?? 0) > 0 ? ' AND c.numbercall != 0' : '');
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const { rows } = await q.query<{ id: number; name: string; late: number }>(sql, [
        pgTimestamp(ctx.now),
        opts.graceSeconds,
      ]);
      batch.gauges.push({ name: GAUGES.cronOverdue, labels: {}, value: rows.length });
      const byName = new Map<string, number>();
      for (const r of rows) byName.set(r.name, Math.max(byName.get(r.name) ?? 0, r.late));
      for (const [cron, late] of byName)
        batch.gauges.push({ name: GAUGES.cronOverdueSeconds, labels: { cron }, value: late });
      return batch;
    },
  };
}

export function mailSource(): SqlSource {
  let sql = SQL_MAIL;
  return {
    name: 'mail_mail',
    tables: ['mail_mail'],
    async prime(q) {
      // 16.0 declared scheduled_date as a Char ('YYYY-MM-DD HH:MM:SS' or empty); a value that is
      // not a date makes this source fail rather than guess (stated limit)
      const { rows } = await q.query<{ type: string }>(
        `SELECT data_type AS type FROM information_schema.columns WHERE table_name = 'mail_mail' AND column_name = 'scheduled_date' AND table_schema = ANY(current_schemas(false))`,
      );
      sql = sqlMail(rows[0]?.type === 'character varying' ? `NULLIF(scheduled_date, '')::timestamp` : 'scheduled_date');
    },
    async read(q, ctx) {
      const batch = emptyBatch();
      const { rows } = await q.query<{ state: string; n: number; oldest: number }>(sql, [pgTimestamp(ctx.now)]);
      const outgoing = rows.find((r) => r.state === 'outgoing');
      batch.gauges.push({ name: GAUGES.mailQueued, labels: {}, value: outgoing?.n ?? 0 });
      batch.gauges.push({
        name: GAUGES.mailScheduled,
        labels: {},
        value: rows.find((r) => r.state === 'scheduled')?.n ?? 0,
      });
      batch.gauges.push({
        name: GAUGES.mailException,
        labels: {},
        value: rows.find((r) => r.state === 'exception')?.n ?? 0,
      });
      batch.gauges.push({ name: GAUGES.oldestQueuedMail, labels: {}, value: outgoing?.oldest ?? 0 });
      return batch;
    },
  };
}
