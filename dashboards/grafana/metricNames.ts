/**
 * Every metric and label name the generated dashboards query, in one place, so that aligning with
 * the exporters that serve them is a one-file change:
 *  - `RELEASE_HEALTH`: the gate's verdict gauges (`GET /metrics`, `gate/metrics.ts`);
 *  - `ODOO`: the odoo-exporter's business signals (checked by `businessNames.test.ts`);
 *  - `POSTGRES`, `REDIS`, `TRAEFIK`: the real names of postgres_exporter 0.11, redis_exporter 1.45 and
 *    Traefik v3 (checked against live / recorded expositions by `platformNames.test.ts`).
 */

/** The gate's gauges; each carries `release_id`, `service`, `environment` and `decision`. */
export const RELEASE_HEALTH = {
  /** 1 for the release's current decision (`decision` label), 0 or absent otherwise */
  verdict: 'release_health_verdict',
  /** 0..100 */
  score: 'release_health_score',
  /** relative effect per metric; `bound` is `relative` (point estimate), `low` or `high` */
  effect: 'release_health_metric_effect',
  /** e-value (sequential) or 1/p (fixed-horizon) per metric */
  evidence: 'release_health_metric_evidence',
  /** smallest harmful relative effect per metric the data so far would catch with even odds */
  detectable: 'release_health_metric_detectable',
} as const;

export const RELEASE_HEALTH_LABELS = {
  releaseId: 'release_id',
  service: 'service',
  environment: 'environment',
  decision: 'decision',
  metric: 'metric',
  bound: 'bound',
  /** empty (absent for Prometheus) on releases registered without a tier: the variable's "All" still matches them */
  tenantTier: 'tenant_tier',
} as const;

/** Values of the effect gauge's `bound` label. */
export const EFFECT_BOUNDS = { point: 'relative', low: 'low', high: 'high' } as const;

/** Tag of the annotations the gate posts to Grafana's annotation API. */
export const ANNOTATION_TAG = 'release-health';

/**
 * odoo-exporter: one series per tenant database (`db` label). Checked against the
 * exporter's own exposition by `businessNames.test.ts`.
 */
export const ODOO = {
  ordersCreated: 'odoo_sale_orders_created_total',
  ordersConfirmed: 'odoo_sale_orders_confirmed_total',
  /** gauge by `state`: transactions now pending or authorized */
  paymentTransactions: 'odoo_payment_transactions',
  /** counter by `state`: transactions reaching done, cancel or error */
  paymentTransactionsTotal: 'odoo_payment_transactions_total',
  stockReservationLatencyBucket: 'odoo_stock_reservation_latency_seconds_bucket',
  /** gauge by `channel` and live `state` (wait_dependencies, pending, enqueued, started, failed) */
  queueJobs: 'odoo_queue_jobs',
  /** counter by `channel`: jobs newly seen failed */
  queueJobFailures: 'odoo_queue_job_failures_total',
  queueOldestPendingAge: 'odoo_queue_job_oldest_pending_age_seconds',
  cronOverdue: 'odoo_cron_overdue',
  mailQueued: 'odoo_mail_queued',
} as const;

export const ODOO_LABELS = {
  /** the tenant database */
  tenant: 'db',
  state: 'state',
  channel: 'channel',
} as const;

/** payment_transaction states that end a checkout, and the one that means success. */
export const PAYMENT_STATES = {
  done: 'done',
  finished: ['done', 'error', 'cancel'],
  open: ['pending', 'authorized'],
} as const;
/** queue_job states that mean "waiting to run". */
export const QUEUE_WAITING_STATES = ['pending', 'enqueued', 'wait_dependencies'] as const;

/** postgres_exporter 0.11 (Debian prometheus-postgres-exporter). */
export const POSTGRES = {
  /** gauge `{datname, state, server}` */
  activityCount: 'pg_stat_activity_count',
  /** gauge `{datname, mode, server}` */
  locksCount: 'pg_locks_count',
  /** counters `{datid, datname, server}` */
  xactCommit: 'pg_stat_database_xact_commit',
  xactRollback: 'pg_stat_database_xact_rollback',
  deadlocks: 'pg_stat_database_deadlocks',
  /**
   * gauge `{application_name, client_addr, state, ...}`: bytes between the primary's current WAL
   * position and what each standby replayed. Exported only for rows of `pg_stat_replication`, i.e.
   * on a primary with connected standbys — see `CONDITIONAL_SERIES`.
   */
  replicationLagBytes: 'pg_stat_replication_pg_wal_lsn_diff',
} as const;

/** redis_exporter 1.45. */
export const REDIS = {
  /** counter `{cmd}`: seconds spent in each command */
  commandsDurationSeconds: 'redis_commands_duration_seconds_total',
  /** counter `{cmd}`: calls of each command */
  commandsTotal: 'redis_commands_total',
  memoryUsedBytes: 'redis_memory_used_bytes',
  memoryMaxBytes: 'redis_memory_max_bytes',
  evictedKeys: 'redis_evicted_keys_total',
  connectedClients: 'redis_connected_clients',
} as const;

/** Traefik v3 with `--metrics.prometheus.addServicesLabels=true`. */
export const TRAEFIK = {
  /** counter `{code, method, protocol, service}` */
  serviceRequests: 'traefik_service_requests_total',
  serviceDurationBucket: 'traefik_service_request_duration_seconds_bucket',
} as const;

/**
 * Series a platform panel may query although a healthy test service does not expose them, each
 * with why. The exposition test accepts these only when the exporter's own binary names them.
 */
export const CONDITIONAL_SERIES: Readonly<
  Record<string, { exporter: 'postgres_exporter' | 'redis_exporter'; why: string; parts: string[] }>
> = {
  [POSTGRES.replicationLagBytes]: {
    exporter: 'postgres_exporter',
    why: 'one series per row of pg_stat_replication: present only on a primary with connected standbys',
    // postgres_exporter 0.11 builds the name from its builtin map: namespace + "_" + column
    parts: ['pg_stat_replication', 'pg_wal_lsn_diff'],
  },
};
