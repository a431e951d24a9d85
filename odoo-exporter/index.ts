/**
 * Public face of odoo-exporter/: Odoo business signals (SQL on Odoo's PostgreSQL schema, or
 * Odoo JSON-RPC) exposed as Prometheus metrics. Other rooms import from here (the simulator
 * also from `./db/index.ts`).
 *
 * Series (every one labelled `db`; see signals.ts; their meaning in Odoo terms: docs/odoo-signals.md):
 *   odoo_sale_orders_created_total{company}, odoo_sale_orders_confirmed_total{company},
 *   odoo_pos_orders_total{company,state}, odoo_payment_transactions_total{company,state},
 *   odoo_payment_transactions{company,state}, odoo_account_moves_posted_total{company,move_type},
 *   odoo_stock_reservation_latency_seconds{company} (histogram), odoo_stock_moves_waiting{company,age},
 *   odoo_stock_move_oldest_waiting_age_seconds{company}, odoo_queue_jobs{channel,state},
 *   odoo_queue_job_oldest_pending_age_seconds{channel}, odoo_queue_job_failures_total{channel},
 *   odoo_cron_overdue, odoo_cron_overdue_seconds{cron}, odoo_mail_queued, odoo_mail_scheduled, odoo_mail_exception,
 *   odoo_mail_oldest_queued_age_seconds; self: odoo_exporter_up, odoo_exporter_scrape_errors_total{source},
 *   odoo_exporter_scrape_duration_seconds, odoo_exporter_source_duration_seconds{source},
 *   odoo_exporter_last_scrape_timestamp_seconds.
 */
export { startOdooExporter, readerFor, type OdooExporter, type OdooExporterOptions } from './exporter.ts';
export {
  OdooConfigError,
  OdooExporterConfigSchema,
  parseOdooExporterConfig,
  parseOdooExporterConfigText,
  type OdooExporterConfig,
  type OdooExporterConfigInput,
  type TenantConfig,
} from './config.ts';
export { createOdooMetrics, type OdooMetrics, type OdooMetricsOptions } from './metrics.ts';
export {
  COUNTERS,
  EXPORTER_METRICS,
  GAUGES,
  HISTOGRAMS,
  RESERVATION_BUCKETS,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type SignalBatch,
  type SourceOutcome,
  type TenantReader,
} from './signals.ts';
export { createSqlReader, createSqlSources, type SqlReaderOptions } from './sql/reader.ts';
export { pgConnection, type PgConnectionOptions, type SqlConnection } from './sql/connect.ts';
export {
  SQL_FOLLOWED_MOVES,
  SQL_NEW_MOVE_LINES,
  SQL_NEW_MOVES,
  SQL_WAITING_MOVES,
  WAITING_AGE_CLASSES,
} from './sql/stock.ts';
export { SQL_SALE_CONFIRMED, SQL_SALE_CREATED } from './sql/orders.ts';
export { SQL_FAILED_JOBS, SQL_MAIL, SQL_OVERDUE_CRONS, SQL_QUEUE_JOBS } from './sql/jobs.ts';
export { CHECKOUT, SQL_PAYMENTS_OPEN } from './sql/payments.ts';
export { LateCommitWindow, LifecycleTracker } from './sql/tracker.ts';
export {
  createJsonRpcReader,
  createJsonRpcClient,
  odooDatetime,
  OdooRpcError,
  type JsonRpcReaderOptions,
} from './jsonrpc/index.ts';
export * from './db/index.ts';
