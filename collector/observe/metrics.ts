/**
 * The collector's own metrics (self-observability), through OpenTelemetry with the Prometheus
 * exporter as the metric reader: per target, scrape duration, scrape errors by kind, samples
 * produced and the time of the last successful scrape; plus the bus backlog (`Bus.lag()`).
 *
 * The exporter (exposition.ts, the one OpenTelemetry setup) is served by metricsListener.ts, so
 * that port 0 works (tests) and `close()` owns the whole lifecycle.
 */
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { createPrometheusExposition } from './exposition.ts';
import { listenForMetrics } from './metricsListener.ts';
import type { GroupLag } from '../bus/index.ts';

export const COLLECTOR_METRIC_PREFIX = 'release_health_collector';

/** The Prometheus names the collector exposes (OpenTelemetry instrument name → exposition name). */
export const COLLECTOR_METRIC_NAMES = Object.freeze({
  scrapeDuration: `${COLLECTOR_METRIC_PREFIX}_scrape_duration_seconds`,
  scrapeErrors: `${COLLECTOR_METRIC_PREFIX}_scrape_errors_total`,
  samples: `${COLLECTOR_METRIC_PREFIX}_samples_total`,
  busPending: `${COLLECTOR_METRIC_PREFIX}_bus_pending_batches`,
  lastSuccess: `${COLLECTOR_METRIC_PREFIX}_last_success_timestamp_seconds`,
});

/** Scrape durations span fast local exporters (ms) to the 10 s default timeout. */
export const SCRAPE_DURATION_BUCKETS = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

export interface CollectorMetricsOptions {
  /** listen address of the /metrics server (default 127.0.0.1) */
  host?: string;
  /** listen port (default 9465); 0 picks a free port (see `url`) */
  port?: number;
  /** path of the metrics endpoint (default /metrics) */
  endpoint?: string;
  /** source of `bus_pending_batches`, read at every collection */
  lag?: () => Promise<GroupLag[]>;
  /** false: do not listen at all (metrics still recorded; `collect()` reads them) */
  serve?: boolean;
}

export interface ScrapeRecord {
  target: string;
  /** seconds */
  durationSeconds: number;
  /** samples the scrape produced */
  samples: number;
  /** epoch ms of the scrape (its samples' timestamp) */
  at: number;
}

export interface CollectorMetrics {
  /** the /metrics URL actually served (port 0 resolved), undefined when not serving */
  readonly url: string | undefined;
  /** a successful scrape */
  recordScrape(record: ScrapeRecord): void;
  /** a failed scrape (or a conversion problem / publish failure): `kind` e.g. `http-status`, `timeout` */
  recordError(target: string, kind: string, durationSeconds?: number): void;
  /** the current exposition text, as /metrics would answer */
  collect(): Promise<string>;
  /** stops serving and shuts the meter provider down; idempotent */
  close(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', port: 9465, endpoint: '/metrics' };
const KNOWN = new Set(['host', 'port', 'endpoint', 'lag', 'serve']);

export async function createCollectorMetrics(options: CollectorMetricsOptions = {}): Promise<CollectorMetrics> {
  for (const key of Object.keys(options))
    if (!KNOWN.has(key))
      throw new TypeError(`unknown collector metrics option "${key}"; known: ${[...KNOWN].join(', ')}`);
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? DEFAULTS.port;
  const endpoint = options.endpoint ?? DEFAULTS.endpoint;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`port must be an integer 0..65535, got ${String(port)}`);

  // target_info on, as the exporter's own endpoint wrote it before
  const exposition = createPrometheusExposition({ meterName: 'release-health-collector', targetInfo: true });
  const { meter } = exposition;

  const duration = meter.createHistogram(COLLECTOR_METRIC_NAMES.scrapeDuration, {
    description: 'Duration of scrapes of a target, successful or not.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...SCRAPE_DURATION_BUCKETS] },
  });
  const errors = meter.createCounter(COLLECTOR_METRIC_NAMES.scrapeErrors, {
    description: 'Failed scrapes (and per-metric conversion or publish problems) by target and error kind.',
  });
  const samples = meter.createCounter(COLLECTOR_METRIC_NAMES.samples, {
    description: 'Samples produced by scrapes of a target.',
  });
  const pending = meter.createObservableGauge(COLLECTOR_METRIC_NAMES.busPending, {
    description: 'Sample batches / verdicts published and not yet acknowledged, per bus topic and consumer group.',
  });
  const lastSuccess = meter.createObservableGauge(COLLECTOR_METRIC_NAMES.lastSuccess, {
    description: 'Time of the last successful scrape of a target (seconds since the epoch).',
    unit: 's',
  });

  const lastSuccessByTarget = new Map<string, number>();
  lastSuccess.addCallback((result: ObservableResult<Attributes>) => {
    for (const [target, ms] of lastSuccessByTarget) result.observe(ms / 1000, { target });
  });
  if (options.lag) {
    const lag = options.lag;
    pending.addCallback(async (result) => {
      let groups: GroupLag[];
      try {
        groups = await lag();
      } catch {
        return; // a closed bus has no backlog to report
      }
      for (const g of groups) result.observe(g.pendingBatches, { topic: g.topic, group: g.group });
    });
  }

  const listener =
    options.serve === false
      ? undefined
      : await listenForMetrics(() => exposition.text(), { host, port, path: endpoint });
  let closing: Promise<void> | undefined;
  return {
    url: listener?.url,
    recordScrape({ target, durationSeconds, samples: count, at }) {
      duration.record(durationSeconds, { target });
      samples.add(count, { target });
      lastSuccessByTarget.set(target, at);
    },
    recordError(target, kind, durationSeconds) {
      errors.add(1, { target, kind });
      if (durationSeconds !== undefined && Number.isFinite(durationSeconds))
        duration.record(durationSeconds, { target });
    },
    collect: () => exposition.text(),
    close() {
      closing ??= (async () => {
        await listener?.close();
        await exposition.shutdown();
      })();
      return closing;
    },
  };
}
