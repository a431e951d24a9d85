/**
 * Per-instance metrics of `release-health analyze-worker`, through OpenTelemetry with the
 * Prometheus exporter, served by our own `node:http` server (the pattern of
 * collector/observe/metricsListener.ts: port 0 works, `close()` owns the lifecycle).
 *
 * Everything is read at collection time from `Pipeline.stats()`, the rebalance counters and
 * `Bus.lag()`, so the hot path (one handler per batch) records nothing. Counters are totals
 * (Prometheus' `rate()` gives batches/s and samples/s over any window); the `*_per_second` gauges
 * are the same rates over the last ten seconds, for a glance at /metrics without a Prometheus.
 */
import { createPrometheusExposition } from '../collector/observe/exposition.ts';
import { listenForMetrics } from '../collector/observe/metricsListener.ts';
import type { GroupLag } from '../collector/index.ts';
import type { PipelineStats } from '../pipeline/index.ts';

export const WORKER_METRIC_PREFIX = 'release_health_worker';

export interface WorkerMetricsSources {
  stats: () => PipelineStats;
  /** releases held in memory by this instance */
  releases: () => number;
  /** partitions of the samples topic this instance holds, and rebalances it went through */
  partitions: () => { assigned: number; rebalances: number };
  lag: () => Promise<GroupLag[]>;
  /** the consumer group on the samples topic (its lag is reported) */
  group: string;
}

export interface WorkerMetrics {
  /** the served URL (port 0 resolved) */
  readonly url: string;
  close(): Promise<void>;
}

const RATE_WINDOW_MS = 10_000;

/** Samples (time, batches, samples) once a second so the rate gauges need no hot-path hook. */
function rateTracker(stats: () => PipelineStats): { rates(): { batches: number; samples: number }; stop(): void } {
  const points: { at: number; batches: number; samples: number }[] = [];
  const take = (): void => {
    const s = stats();
    const at = Date.now();
    points.push({ at, batches: s.batches, samples: s.samples });
    while (points.length > 2 && points[1].at <= at - RATE_WINDOW_MS) points.shift();
  };
  take();
  const timer = setInterval(take, 1000);
  timer.unref();
  return {
    rates() {
      take();
      const first = points[0];
      const last = points[points.length - 1];
      const seconds = (last.at - first.at) / 1000;
      if (seconds <= 0) return { batches: 0, samples: 0 };
      return { batches: (last.batches - first.batches) / seconds, samples: (last.samples - first.samples) / seconds };
    },
    stop: () => clearInterval(timer),
  };
}

export async function createWorkerMetrics(
  sources: WorkerMetricsSources,
  listen: { host: string; port: number },
): Promise<WorkerMetrics> {
  const exposition = createPrometheusExposition({ meterName: 'release-health-worker', targetInfo: true });
  const { meter } = exposition;
  const name = (suffix: string): string => `${WORKER_METRIC_PREFIX}_${suffix}`;

  const totals: [Exclude<keyof PipelineStats, 'lookLagMs'>, string, string][] = [
    ['batches', 'batches', 'Sample batches handled (including skipped redeliveries).'],
    ['samples', 'samples', 'Samples ingested by the engines.'],
    ['verdicts', 'verdicts', 'Verdicts stored for the first time.'],
    ['duplicateVerdicts', 'duplicate_verdicts', 'Verdicts the store already had (replay after a move or restart).'],
    ['skippedBatches', 'skipped_batches', 'Redelivered batches already covered by a checkpoint.'],
    ['ignoredBatches', 'ignored_batches', 'Batches of unknown or closed releases, acknowledged and dropped.'],
    ['checkpoints', 'checkpoints', 'Engine checkpoints saved.'],
    [
      'checkpointsRefused',
      'checkpoints_refused',
      'Engine checkpoints the store refused: its own was further along (another instance has the release).',
    ],
    ['storeErrors', 'store_errors', 'Store failures (retried).'],
    ['publishErrors', 'verdict_publish_errors', 'Verdicts that could not be published on the verdicts topic.'],
  ];
  for (const [key, suffix, description] of totals) {
    meter
      .createObservableCounter(name(`${suffix}_total`), { description })
      .addCallback((r) => r.observe(sources.stats()[key]));
  }
  meter
    .createObservableGauge(name('held_acks'), { description: 'Acknowledgements waiting for a checkpoint.' })
    .addCallback((r) => r.observe(sources.stats().heldAcks));
  meter
    .createObservableGauge(name('releases'), { description: 'Releases this instance holds in memory.' })
    .addCallback((r) => r.observe(sources.releases()));
  meter
    .createObservableGauge(name('assigned_partitions'), {
      description: 'Partitions of the samples topic this instance owns.',
    })
    .addCallback((r) => r.observe(sources.partitions().assigned));
  meter
    .createObservableCounter(name('rebalances_total'), { description: 'Partition assignments received (group joins).' })
    .addCallback((r) => r.observe(sources.partitions().rebalances));
  meter
    .createObservableCounter(name('looks_total'), { description: 'Looks taken by the look scheduler.' })
    .addCallback((r) => r.observe(sources.stats().looks));
  const lag = meter.createObservableGauge(name('look_lag_ms'), {
    description:
      'How late looks started after their due time (boundary + the release offset), over the last 10,000 looks, by quantile.',
  });
  lag.addCallback((r) => {
    const l = sources.stats().lookLagMs;
    r.observe(l.p50, { quantile: '0.5' });
    r.observe(l.p99, { quantile: '0.99' });
    r.observe(l.max, { quantile: '1' });
  });
  const tracker = rateTracker(sources.stats);
  meter
    .createObservableGauge(name('batches_per_second'), {
      description: 'Batches handled per second over the last 10 s.',
    })
    .addCallback((r) => r.observe(tracker.rates().batches));
  meter
    .createObservableGauge(name('samples_per_second'), {
      description: 'Samples ingested per second over the last 10 s.',
    })
    .addCallback((r) => r.observe(tracker.rates().samples));
  meter
    .createObservableGauge(name('lag_batches'), {
      description: "The group's backlog on the samples topic: batches not yet committed (Kafka consumer lag).",
    })
    .addCallback(async (r) => {
      try {
        for (const g of await sources.lag())
          if (g.topic === 'samples' && g.group === sources.group) r.observe(g.pendingBatches, { group: g.group });
      } catch {
        // broker unreachable: no reading rather than a wrong one
      }
    });

  const listener = await listenForMetrics(() => exposition.text(), listen);
  let closing: Promise<void> | undefined;
  return {
    url: listener.url,
    close() {
      closing ??= (async () => {
        tracker.stop();
        await listener.close();
        await exposition.shutdown();
      })();
      return closing;
    },
  };
}
