/**
 * Public face of collector/observe: the collector's own metrics (scrape durations, errors,
 * samples, bus backlog, last success) through OpenTelemetry, served for Prometheus.
 */
export {
  COLLECTOR_METRIC_NAMES,
  COLLECTOR_METRIC_PREFIX,
  SCRAPE_DURATION_BUCKETS,
  createCollectorMetrics,
} from './metrics.ts';
export type { CollectorMetrics, CollectorMetricsOptions, ScrapeRecord } from './metrics.ts';
export { recordedTarget, redactUrl, redactSecrets } from './redact.ts';
export type { RecordedPath } from './redact.ts';
