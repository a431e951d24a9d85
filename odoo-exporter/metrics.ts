/**
 * Exposition: OpenTelemetry `sdk-metrics` with the Prometheus exporter as the metric reader,
 * served by our own `node:http` server (the collector/observe pattern: port 0 works, `close()`
 * owns the lifecycle).
 *
 * The OpenTelemetry setup is the service's one (collector/observe/exposition.ts: a private
 * MeterProvider, not sdk-node's global one).
 *
 * Counters and the histogram are synchronous instruments fed with each scrape's increments
 * (cumulative in-process). Gauges are observable: each callback reports the last successful
 * values per (db, source); a source that fails or becomes absent drops its gauges rather than
 * exporting stale numbers, while `odoo_exporter_up{db}` goes to 0.
 *
 * With cumulative temporality (what Prometheus needs) sdk-metrics keeps re-exporting every
 * attribute set an observable gauge ever reported (TemporalMetricProcessor merges with the last
 * collection). So each collection records which series the callbacks really observed, and
 * gauge points not observed this time are filtered out before serializing — dropping a series
 * is the Prometheus way to say "no current value".
 */
import type { Attributes, Counter, Histogram, ObservableResult } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createPrometheusExposition } from '../collector/observe/exposition.ts';
import { listenForMetrics } from '../collector/observe/metricsListener.ts';
import {
  COUNTERS,
  EXPORTER_METRICS,
  GAUGES,
  HISTOGRAMS,
  RESERVATION_BUCKETS,
  type CounterName,
  type GaugeName,
  type Labels,
  type SignalBatch,
  type SourceOutcome,
} from './signals.ts';

const HELP: Record<string, string> = {
  [COUNTERS.saleCreated]: 'Sale orders created (sale_order.create_date).',
  [COUNTERS.saleConfirmed]: 'Sale orders confirmed (state sale/done, date_order = confirmation time).',
  [COUNTERS.posOrders]:
    'POS orders, each counted once when first seen out of draft, by that state (read by id: late till syncs count).',
  [COUNTERS.payments]:
    'Checkout payment transactions reaching done, cancel or error (each state once per transaction; error can be followed by done).',
  [COUNTERS.queueFailures]: 'queue_job jobs newly seen in state failed, by channel.',
  [COUNTERS.movesPosted]: 'Journal entries (account_move) reaching state posted.',
  [GAUGES.payments]: 'Payment transactions now pending or authorized.',
  [GAUGES.movesWaiting]:
    'Outgoing moves of storable products from internal locations waiting for availability (confirmed, partially_available), by age since creation.',
  [GAUGES.oldestWaitingMove]: 'Age of the oldest outgoing stock move waiting for availability.',
  [GAUGES.queueJobs]: 'queue_job jobs by channel and live state.',
  [GAUGES.oldestPendingJob]: 'Age of the oldest pending job of a channel (from max(date_created, eta)).',
  [GAUGES.cronOverdue]:
    'Scheduled actions (ir_cron) ready (nextcall or a trigger past, numbercall != 0) for longer than the grace period; a job running longer than that shows too.',
  [GAUGES.cronOverdueSeconds]: 'How late an overdue scheduled action is.',
  [GAUGES.mailQueued]: 'Outgoing mails due (mail_mail state outgoing, scheduled_date empty or past).',
  [GAUGES.mailScheduled]: 'Outgoing mails scheduled for later (scheduled_date in the future).',
  [GAUGES.mailException]: 'Outgoing mails in exception (mail_mail state exception).',
  [GAUGES.oldestQueuedMail]: 'Age of the oldest due outgoing mail, since it became due.',
};

export interface OdooMetricsOptions {
  host?: string;
  /** default 9469; 0 picks a free port */
  port?: number;
  endpoint?: string;
  /** false: record only; `collect()` reads the exposition */
  serve?: boolean;
  /** stock-reservation histogram bounds (seconds); default RESERVATION_BUCKETS */
  reservationBuckets?: readonly number[];
}

export interface OdooMetrics {
  readonly url: string | undefined;
  /** records one tenant scrape; returns the failed outcomes (for the log) */
  record(db: string, outcomes: SourceOutcome[], seconds: number, at: number): SourceOutcome[];
  /** forgets a tenant's gauges (tenant removed) */
  forget(db: string): void;
  collect(): Promise<string>;
  close(): Promise<void>;
}

export async function createOdooMetrics(options: OdooMetricsOptions = {}): Promise<OdooMetrics> {
  const endpoint = options.endpoint ?? '/metrics';
  const exposition = createPrometheusExposition({ meterName: 'release-health-odoo-exporter', targetInfo: true });
  // instrument name → attribute keys observed by its callback in the collection under way
  const observed = new Map<string, Set<string>>();
  const key = (attrs: Attributes): string => JSON.stringify(Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : 1)));
  const observe = (r: ObservableResult<Attributes>, name: string, value: number, attrs: Attributes): void => {
    r.observe(value, attrs);
    let set = observed.get(name);
    if (!set) observed.set(name, (set = new Set()));
    set.add(key(attrs));
  };
  const { meter } = exposition;

  const counters = new Map<CounterName, Counter>();
  for (const name of Object.values(COUNTERS))
    counters.set(name, meter.createCounter(name, { description: HELP[name] }));
  const reservation: Histogram = meter.createHistogram(HISTOGRAMS.reservationLatency, {
    description:
      "Time from an outgoing stock move's confirmation to its first stock_move_line (reservation); storable products from internal locations only.",
    unit: 's',
    advice: { explicitBucketBoundaries: [...(options.reservationBuckets ?? RESERVATION_BUCKETS)] },
  });
  const errors = meter.createCounter(EXPORTER_METRICS.scrapeErrors, {
    description: 'Failed reads of a tenant database, by source (connection = could not connect or probe).',
  });

  // db → source → gauge observations of the last successful read
  const gauges = new Map<string, Map<string, { name: GaugeName; labels: Labels; value: number }[]>>();
  const up = new Map<string, number>();
  const duration = new Map<string, number>();
  const sourceDuration = new Map<string, Map<string, number>>();
  const last = new Map<string, number>();

  for (const name of Object.values(GAUGES)) {
    meter
      .createObservableGauge(name, { description: HELP[name], ...(name.endsWith('_seconds') ? { unit: 's' } : {}) })
      .addCallback((result) => {
        for (const [db, bySource] of gauges)
          for (const list of bySource.values())
            for (const g of list) if (g.name === name) observe(result, name, g.value, { db, ...g.labels });
      });
  }
  meter
    .createObservableGauge(EXPORTER_METRICS.up, {
      description: '1 when every source of the tenant was read in the last scrape, else 0.',
    })
    .addCallback((r) => {
      for (const [db, v] of up) observe(r, EXPORTER_METRICS.up, v, { db });
    });
  meter
    .createObservableGauge(EXPORTER_METRICS.scrapeDuration, {
      description: 'Duration of the last scrape of a tenant.',
      unit: 's',
    })
    .addCallback((r) => {
      for (const [db, v] of duration) observe(r, EXPORTER_METRICS.scrapeDuration, v, { db });
    });
  meter
    .createObservableGauge(EXPORTER_METRICS.sourceDuration, {
      description: 'Database time of each source in the last scrape of a tenant.',
      unit: 's',
    })
    .addCallback((r) => {
      for (const [db, m] of sourceDuration)
        for (const [source, v] of m) observe(r, EXPORTER_METRICS.sourceDuration, v, { db, source });
    });
  meter
    .createObservableGauge(EXPORTER_METRICS.lastScrape, {
      description: 'When a tenant was last scraped (seconds since the epoch).',
      unit: 's',
    })
    .addCallback((r) => {
      for (const [db, v] of last) observe(r, EXPORTER_METRICS.lastScrape, v / 1000, { db });
    });

  const apply = (db: string, source: string, batch: SignalBatch): void => {
    for (const c of batch.counters) counters.get(c.name)!.add(c.value, { db, ...c.labels });
    for (const h of batch.histograms) for (const v of h.values) reservation.record(v, { db, ...h.labels });
    const bySource = gauges.get(db) ?? new Map();
    bySource.set(source, batch.gauges);
    gauges.set(db, bySource);
  };

  const gaugeNames = new Set<string>([
    ...Object.values(GAUGES),
    EXPORTER_METRICS.up,
    EXPORTER_METRICS.scrapeDuration,
    EXPORTER_METRICS.sourceDuration,
    EXPORTER_METRICS.lastScrape,
  ]);
  // one collection at a time: `observed` belongs to the collection under way
  let queue: Promise<unknown> = Promise.resolve();
  const collect = (): Promise<string> => {
    const next = queue.then(collectNow, collectNow);
    queue = next.catch(() => undefined);
    return next;
  };
  const collectNow = async (): Promise<string> => {
    observed.clear();
    const resourceMetrics = await exposition.collect();
    const current: ResourceMetrics = {
      ...resourceMetrics,
      scopeMetrics: resourceMetrics.scopeMetrics.map((sm) => ({
        ...sm,
        metrics: sm.metrics.map((m) => {
          if (!gaugeNames.has(m.descriptor.name)) return m;
          const seen = observed.get(m.descriptor.name) ?? new Set<string>();
          return { ...m, dataPoints: m.dataPoints.filter((p) => seen.has(key(p.attributes))) } as typeof m;
        }),
      })),
    };
    return exposition.text(current);
  };

  const listener =
    options.serve === false
      ? undefined
      : await listenForMetrics(collect, {
          host: options.host ?? '127.0.0.1',
          port: options.port ?? 9469,
          path: endpoint,
        });
  let closing: Promise<void> | undefined;
  return {
    url: listener?.url,
    record(db, outcomes, seconds, at) {
      const failed = outcomes.filter((o) => o.error);
      const bySource = gauges.get(db) ?? new Map();
      gauges.set(db, bySource);
      if (outcomes.length === 1 && outcomes[0].error) bySource.clear(); // no connection: nothing is current
      const times = new Map<string, number>();
      for (const o of outcomes) {
        times.set(o.source, o.seconds);
        if (o.error) {
          errors.add(1, { db, source: o.source });
          bySource.delete(o.source);
        } else if (o.absent) bySource.delete(o.source);
        else if (o.batch) apply(db, o.source, o.batch);
      }
      up.set(db, failed.length === 0 ? 1 : 0);
      duration.set(db, seconds);
      sourceDuration.set(db, times);
      last.set(db, at);
      return failed;
    },
    forget(db) {
      gauges.delete(db);
      up.delete(db);
      duration.delete(db);
      sourceDuration.delete(db);
      last.delete(db);
    },
    collect,
    close() {
      closing ??= (async () => {
        await listener?.close();
        await exposition.shutdown();
      })();
      return closing;
    },
  };
}
