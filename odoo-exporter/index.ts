/**
 * Public face of odoo-exporter/: Odoo business signals (SQL on Odoo's PostgreSQL schema, or
 * Odoo JSON-RPC) exposed as Prometheus metrics. Other rooms import from here (the simulator
 * also from `./schema/index.ts`).
 */
export { startOdooExporter, readerFor, type OdooExporter, type OdooExporterOptions } from './exporter.ts';
export { odooExporterCommand, ODOO_EXPORTER_USAGE, type Writer } from './cli.ts';
export {
  OdooConfigError, OdooExporterConfigSchema, parseOdooExporterConfig, parseOdooExporterConfigText,
  type OdooExporterConfig, type OdooExporterConfigInput, type TenantConfig,
} from './config.ts';
export { createOdooMetrics, type OdooMetrics, type OdooMetricsOptions } from './metrics.ts';
export {
  COUNTERS, EXPORTER_METRICS, GAUGES, HISTOGRAMS, RESERVATION_BUCKETS,
  type CounterName, type GaugeName, type HistogramName, type SignalBatch, type SourceOutcome, type TenantReader,
} from './signals.ts';
export { createSqlReader, createSqlSources, type SqlReaderOptions } from './sql/reader.ts';
export { pgConnection, type PgConnectionOptions, type SqlConnection } from './sql/connect.ts';
export { SQL_NEW_MOVE_LINES, SQL_WAITING_MOVES, WAITING_AGE_CLASSES } from './sql/stock.ts';
export { SQL_POS_ORDERS, SQL_SALE_CONFIRMED, SQL_SALE_CREATED } from './sql/orders.ts';
export { SQL_FAILED_JOBS, SQL_MAIL, SQL_OVERDUE_CRONS, SQL_QUEUE_JOBS } from './sql/jobs.ts';
export { SQL_PAYMENTS_OPEN } from './sql/payments.ts';
export { createScratchDatabase, hasSeries, sampleSum, type ScratchDatabase } from './testing.ts';
export { createJsonRpcReader, createJsonRpcClient, odooDatetime, OdooRpcError, type JsonRpcReaderOptions } from './jsonrpc/index.ts';
export * from './schema/index.ts';
