/**
 * PromQL metrics of a long-running service: for every active release, every metric spec that
 * carries a `query` is evaluated per cohort as a range query over each interval just ended, and
 * the samples go to the bus as one batch per (release, interval).
 *
 * Windows follow the engine's grid: `[startedAt + k·interval, startedAt + (k+1)·interval)`, so with
 * `intervalMs` equal to the engine's interval one batch is exactly one look of the sequential
 * judge. Its points are evaluated at `start, start + step, …` strictly before `end` (a point at
 * `end` would belong to the next look), and it is queried as soon as its last point is `delayMs`
 * old — a value at time t depends only on samples up to t, so waiting for `end` would add
 * nothing. With `delayMs` below `stepMs` that is before `end`: the batch reaches the engine
 * before any scraped sample past the boundary can close the look (which would make these samples
 * `late`). `delayMs` (default min(5 s, step / 2), always below the step) covers Prometheus's
 * ingestion lag (the scrape duration); for recording rules, make the step at least their
 * evaluation interval.
 * A release is collected from the window containing its registration on (no backfill of windows
 * already over); after a stall at most `maxCatchUp` missed windows are queried, older ones are
 * skipped and counted.
 *
 * What the analyzer receives is Prometheus's values as they are, stamped with the evaluation
 * time. So the query must already give the quantity the metric's kind expects:
 *  - `count`: events per step — `increase(x[15s])` with the range equal to the step, so that
 *    consecutive points do not overlap: the points of an interval then sum to its count.
 *    Overlapping ranges (`increase(x[1m])` every 15 s) count every event several times and
 *    overstate the evidence of the Poisson test;
 *  - `gauge` / `latency` (plain values): any instant vector, e.g. `rate(...)`, `histogram_quantile(...)`;
 *  - a query that expands to the same text for both cohorts is refused (it could never show a
 *    difference, and the release would pass on data that cannot tell);
 *  - `ratio` specs read numerator and denominator samples, which one query cannot give, and
 *    `histogram: true` latency needs per-bucket (not cumulative) counts: both are refused at
 *    registration — write the ratio as a `gauge` of `errors / requests`, or scrape them.
 * A query that matches nothing gives no sample (the judge sees `nodata`, never zeros). A failed
 * query (Prometheus down, timeout, bad PromQL) is reported to `onError` with the query named and
 * counted; that metric gets nothing for the window, the others and other releases go on.
 *
 * A metric with a `query` must not also be produced by a scrape target: the judge would see both.
 * Batches use producer `promql` and sequence = the window's end (ms), strictly increasing.
 */
import type { AnalysisSpec, MetricSpec, Release, Sample } from '../../analyzer/types.ts';
import type { SampleBatch } from '../bus/index.ts';
import {
  createPromqlSource,
  expandForCohorts,
  PromqlError,
  type CohortValues,
  type PromqlSource,
} from '../promql/index.ts';
import { ConcurrencyLimit, instantiateCohortValues, PROBE_RELEASE, unsupported } from './promqlCollectorCohorts.ts';

export interface PromqlCollectorOptions {
  /** Prometheus base URL, e.g. `http://prometheus:9090` */
  url: string;
  /** per HTTP request, ms (default 10 s) */
  timeoutMs?: number;
  /** resolution of the range queries, ms (default 15 s): the metric's natural sampling period */
  stepMs?: number;
  /** window length, ms (default 60 s); use the engine's interval so a batch is one look */
  intervalMs?: number;
  /** query a window this long after its last evaluation point, ms (default min(5 s, step / 2)); see above */
  delayMs?: number;
  /** missed windows queried after a stall (default 10) */
  maxCatchUp?: number;
  /** metric queries in flight at once, over every release (default 8; each sends one request per cohort) */
  maxConcurrentQueries?: number;
  /** extra request headers (auth, tenant) */
  headers?: Record<string, string>;
  /** cohort values for every release, `{{release.x}}` templates (see `promqlCollectorCohorts.ts`) */
  cohorts?: CohortValues;
  /** awaited, so a slow bus slows the queries (back-pressure) */
  publish: (batch: SampleBatch) => Promise<void>;
  onError?: (error: Error, context: { releaseId?: string; metric?: string; query?: string }) => void;
  /** one window of one release answered (at least one query succeeded): for self-observability */
  onWindow?: (record: { releaseId: string; durationSeconds: number; samples: number; at: number }) => void;
  /** epoch ms; default Date.now (the demo passes its virtual clock) */
  clock?: () => number;
}

export interface PromqlCollectorStats {
  /** (release, window) pairs queried */
  windows: number;
  batches: number;
  samples: number;
  /** failed queries, publish failures and registration problems */
  errors: number;
  errorsByKind: Record<string, number>;
  /** per-cohort queries that matched nothing */
  emptyQueries: number;
  /** windows skipped after a stall longer than `maxCatchUp` windows */
  skippedWindows: number;
}

interface ReleaseEntry {
  release: Release;
  metrics: MetricSpec[];
  cohorts: CohortValues;
  /** end of the next window to query */
  nextEnd: number;
}

const POLL_MS = 1000;

export class PromqlCollector {
  readonly source: PromqlSource;
  private readonly opts: Required<Pick<PromqlCollectorOptions, 'intervalMs' | 'delayMs' | 'maxCatchUp'>> & {
    lastPointMs: number;
  };
  private readonly cohortsTemplate?: CohortValues;
  private readonly publish: PromqlCollectorOptions['publish'];
  private readonly onError: NonNullable<PromqlCollectorOptions['onError']>;
  private readonly onWindow?: PromqlCollectorOptions['onWindow'];
  private readonly clock: () => number;
  private readonly releases = new Map<string, ReleaseEntry>();
  private readonly counters: PromqlCollectorStats = {
    windows: 0,
    batches: 0,
    samples: 0,
    errors: 0,
    errorsByKind: {},
    emptyQueries: 0,
    skippedWindows: 0,
  };
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: ReturnType<typeof setTimeout>;
  private running = false;
  private readonly limit: ConcurrencyLimit;

  constructor(options: PromqlCollectorOptions) {
    const intervalMs = options.intervalMs ?? 60_000;
    const stepMs = options.stepMs ?? 15_000;
    if (!(intervalMs >= stepMs)) throw new RangeError(`intervalMs (${intervalMs}) must be at least stepMs (${stepMs})`);
    this.source = createPromqlSource({
      url: options.url,
      timeoutMs: options.timeoutMs ?? 10_000,
      stepMs,
      ...(options.headers ? { headers: options.headers } : {}),
    });
    // offset of a window's last evaluation point from its start
    const lastPointMs = Math.floor((intervalMs - 1) / stepMs) * stepMs;
    this.opts = {
      intervalMs,
      delayMs: options.delayMs ?? Math.min(5_000, Math.floor(stepMs / 2)),
      maxCatchUp: options.maxCatchUp ?? 10,
      lastPointMs,
    };
    if (!(this.opts.maxCatchUp >= 1)) throw new RangeError('maxCatchUp must be ≥ 1');
    // at or past the step the batch would come after the look's boundary (see above): raise the step instead
    if (!(this.opts.delayMs >= 0 && this.opts.delayMs < stepMs))
      throw new RangeError(
        `delayMs (${this.opts.delayMs}) must be ≥ 0 and below stepMs (${stepMs}); for data that lags more, raise the step`,
      );
    // checked once with every field filled, so a typo fails at start, not at the first release
    if (options.cohorts !== undefined) instantiateCohortValues(options.cohorts, PROBE_RELEASE);
    this.cohortsTemplate = options.cohorts;
    this.publish = options.publish;
    this.onError = options.onError ?? ((error) => console.error(error.message));
    this.onWindow = options.onWindow;
    this.clock = options.clock ?? Date.now;
    this.limit = new ConcurrencyLimit(options.maxConcurrentQueries ?? 8);
  }

  /**
   * Begins collecting a release's metrics that carry a `query`. `cohorts` (concrete values) wins
   * over the configured template. Returns the problems of metrics that cannot be collected (each
   * also reported to `onError` and counted); the others are collected.
   */
  addRelease(release: Release, spec: Pick<AnalysisSpec, 'metrics'>, cohorts?: CohortValues): Error[] {
    const problems: Error[] = [];
    const fail = (error: Error, metric?: string, query?: string) => {
      problems.push(error);
      this.count('registration');
      this.onError(error, { releaseId: release.id, metric, query });
    };
    let values: CohortValues;
    try {
      values = cohorts ?? instantiateCohortValues(this.cohortsTemplate, release);
    } catch (error) {
      fail(error as Error);
      values = {};
    }
    const metrics: MetricSpec[] = [];
    for (const m of spec.metrics) {
      if (m.query === undefined) continue;
      const why = unsupported(m);
      if (why) {
        fail(new Error(why), m.name, m.query);
        continue;
      }
      if (Object.keys(values).length === 0) continue; // the cohort problem is reported once above
      try {
        const expanded = expandForCohorts(m.query, release, values); // placeholders checked now, not at every window
        // the same query for both cohorts gives both the same series: no difference could ever show,
        // and the release would pass on data that cannot tell (e.g. a Kayenta metricName with no scope)
        if (expanded.length > 1 && expanded.every((e) => e.query === expanded[0].query)) {
          fail(
            new Error(
              `metric "${m.name}": the query is the same for baseline and canary (${expanded[0].query}); tell them apart with "$cohort", "$version" or "$service"`,
            ),
            m.name,
            m.query,
          );
          continue;
        }
        metrics.push(m);
      } catch (error) {
        fail(
          new PromqlError('template', m.query, (error as Error).message, { metric: m.name, cause: error }),
          m.name,
          m.query,
        );
      }
    }
    const { intervalMs } = this.opts;
    const start = Math.trunc(release.startedAt);
    const k = Math.max(0, Math.floor((this.clock() - start) / intervalMs));
    this.releases.set(release.id, { release, metrics, cohorts: values, nextEnd: start + (k + 1) * intervalMs });
    if (this.running) this.schedule();
    return problems;
  }

  removeRelease(releaseId: string): void {
    this.releases.delete(releaseId);
  }

  releaseIds(): string[] {
    return [...this.releases.keys()];
  }

  /** The metrics collected for a release (those with a usable `query`). */
  metricsOf(releaseId: string): string[] {
    return this.releases.get(releaseId)?.metrics.map((m) => m.name) ?? [];
  }

  stats(): PromqlCollectorStats {
    return { ...this.counters, errorsByKind: { ...this.counters.errorsByKind } };
  }

  /**
   * Queries every window that is due by `now` (see above) for every release; returns the
   * number of samples published. Calls never overlap: a tick waits for the one before it.
   */
  tick(now: number): Promise<number> {
    const next = this.chain.then(() => this.collectDue(now));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Starts the timer: it fires when a window is due (and at least every second). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const now = this.clock();
    let due = Infinity;
    for (const e of this.releases.values()) due = Math.min(due, this.dueAt(e.nextEnd));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.tick(this.clock()).finally(() => {
          if (this.running && this.timer === undefined) this.schedule();
        });
      },
      Math.min(POLL_MS, Math.max(0, due - now)),
    );
  }

  /** when the window ending at `end` can be queried: its last point, plus the ingestion delay */
  private dueAt(end: number): number {
    return end - this.opts.intervalMs + this.opts.lastPointMs + this.opts.delayMs;
  }

  private async collectDue(now: number): Promise<number> {
    const counts = await Promise.all([...this.releases.values()].map((entry) => this.collectRelease(entry, now)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async collectRelease(entry: ReleaseEntry, now: number): Promise<number> {
    const { intervalMs, maxCatchUp } = this.opts;
    const due = Math.floor((now - this.dueAt(entry.nextEnd)) / intervalMs) + 1;
    if (due <= 0) return 0;
    if (due > maxCatchUp) {
      this.counters.skippedWindows += due - maxCatchUp;
      entry.nextEnd += (due - maxCatchUp) * intervalMs;
    }
    let published = 0;
    while (this.dueAt(entry.nextEnd) <= now && this.releases.get(entry.release.id) === entry) {
      const end = entry.nextEnd;
      entry.nextEnd += intervalMs;
      published += await this.collectWindow(entry, end - intervalMs, end);
    }
    return published;
  }

  private async collectWindow(entry: ReleaseEntry, start: number, end: number): Promise<number> {
    if (entry.metrics.length === 0) return 0;
    const releaseId = entry.release.id;
    const t0 = performance.now();
    this.counters.windows++;
    let answered = 0;
    const perMetric = await Promise.all(
      entry.metrics.map(async (spec): Promise<Sample[]> => {
        try {
          // the points are start, start + step, … strictly before the window's end
          const result = await this.limit.run(() =>
            this.source.queryRangeResult(spec, entry.release, entry.cohorts, {
              start,
              end: start + this.opts.lastPointMs,
            }),
          );
          this.counters.emptyQueries += result.cohorts.filter((c) => c.empty).length;
          answered++;
          return result.samples;
        } catch (error) {
          const e = error instanceof Error ? error : new Error(String(error));
          this.count(e instanceof PromqlError ? e.kind : e.name);
          this.onError(e, { releaseId, metric: spec.name, query: e instanceof PromqlError ? e.query : spec.query });
          return [];
        }
      }),
    );
    // removed while its queries ran (analysis over): nothing more for it
    if (this.releases.get(releaseId) !== entry) return 0;
    const samples = perMetric.flat();
    // the engine closes a look at the first sample past its boundary: feed them in time order
    samples.sort((a, b) => a.ts - b.ts);
    // a window where every query failed is not a success for self-observability (its errors are counted)
    if (answered > 0)
      this.onWindow?.({
        releaseId,
        durationSeconds: (performance.now() - t0) / 1000,
        samples: samples.length,
        at: end,
      });
    if (samples.length === 0) return 0; // nothing matched or every query failed: nodata, never zeros
    try {
      await this.publish({ releaseId, batchId: `promql:${end}`, producer: 'promql', sequence: end, samples });
      this.counters.batches++;
      this.counters.samples += samples.length;
      return samples.length;
    } catch (error) {
      this.count('publish');
      this.onError(error as Error, { releaseId });
      return 0;
    }
  }

  private count(kind: string): void {
    this.counters.errors++;
    this.counters.errorsByKind[kind] = (this.counters.errorsByKind[kind] ?? 0) + 1;
  }
}
