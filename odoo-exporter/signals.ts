/**
 * What a tenant reader (SQL or JSON-RPC) hands the metrics layer: per source, counter increments,
 * gauge values (the whole current set: a gauge series not re-reported disappears) and histogram
 * observations. Names follow Prometheus conventions (base units, `_total` for counters); the `db`
 * label is added by the metrics layer.
 */

export const COUNTERS = {
  saleCreated: 'odoo_sale_orders_created_total',
  saleConfirmed: 'odoo_sale_orders_confirmed_total',
  posOrders: 'odoo_pos_orders_total',
  payments: 'odoo_payment_transactions_total',
  queueFailures: 'odoo_queue_job_failures_total',
  movesPosted: 'odoo_account_moves_posted_total',
} as const;

export const GAUGES = {
  payments: 'odoo_payment_transactions',
  movesWaiting: 'odoo_stock_moves_waiting',
  oldestWaitingMove: 'odoo_stock_move_oldest_waiting_age_seconds',
  queueJobs: 'odoo_queue_jobs',
  oldestPendingJob: 'odoo_queue_job_oldest_pending_age_seconds',
  cronOverdue: 'odoo_cron_overdue',
  cronOverdueSeconds: 'odoo_cron_overdue_seconds',
  mailQueued: 'odoo_mail_queued',
  mailScheduled: 'odoo_mail_scheduled',
  mailException: 'odoo_mail_exception',
  oldestQueuedMail: 'odoo_mail_oldest_queued_age_seconds',
} as const;

export const HISTOGRAMS = {
  reservationLatency: 'odoo_stock_reservation_latency_seconds',
} as const;

export const EXPORTER_METRICS = {
  up: 'odoo_exporter_up',
  scrapeErrors: 'odoo_exporter_scrape_errors_total',
  scrapeDuration: 'odoo_exporter_scrape_duration_seconds',
  sourceDuration: 'odoo_exporter_source_duration_seconds',
  lastScrape: 'odoo_exporter_last_scrape_timestamp_seconds',
} as const;

export type CounterName = (typeof COUNTERS)[keyof typeof COUNTERS];
export type GaugeName = (typeof GAUGES)[keyof typeof GAUGES];
export type HistogramName = (typeof HISTOGRAMS)[keyof typeof HISTOGRAMS];
export type Labels = Record<string, string>;

/** Stock reservation takes from under a second (stock on hand) to days (backorders). */
export const RESERVATION_BUCKETS: readonly number[] = Object.freeze([
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400,
]);

export interface SignalBatch {
  counters: { name: CounterName; labels: Labels; value: number }[];
  gauges: { name: GaugeName; labels: Labels; value: number }[];
  histograms: { name: HistogramName; labels: Labels; values: number[] }[];
}

export function emptyBatch(): SignalBatch {
  return { counters: [], gauges: [], histograms: [] };
}

/** One source's result in one scrape: `absent` = its module is not installed (not an error). */
export interface SourceOutcome {
  source: string;
  seconds: number;
  batch?: SignalBatch;
  absent?: boolean;
  error?: Error;
}

/** One tenant database, read by SQL or JSON-RPC. */
export interface TenantReader {
  readonly db: string;
  /** reads every source; `now` is epoch ms (the exporter's clock, injectable for replays) */
  scrape(now: number): Promise<SourceOutcome[]>;
  close(): Promise<void>;
}

/** A short classification of an error for the `odoo_exporter_scrape_errors_total` log line. */
export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const code = e?.code ? ` (${e.code})` : '';
  return `${e?.message ?? String(err)}${code}`;
}
