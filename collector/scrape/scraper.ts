/**
 * Runs scrape targets on their intervals. Each target has its own `setTimeout` chain, converter
 * and counter state, so a failing, hanging or slow target delays nobody else: its own next
 * scrape waits for the current one (never two in flight per target, as in Prometheus), and the
 * timeout bounds how long that is.
 */
import type { Sample } from '../../analyzer/types.ts';
import { parseScrapeTargets, type ScrapeTarget } from './config.ts';
import { ScrapeConverter } from './convert.ts';
import { COUNTER_TRACKER_DEFAULTS } from './counters.ts';
import { ScrapeError, scrapeOnce, type FetchLike } from './fetch.ts';

export interface ScraperOptions {
  /** validated with `parseScrapeTargets` (defaults filled, unknown keys rejected) */
  targets: unknown[];
  /** the samples of one scrape of one target; may be async (the next scrape of that target waits) */
  onSamples: (samples: Sample[], target: ScrapeTarget) => void | Promise<void>;
  /** scrape failures, per-metric conversion problems, and errors thrown by `onSamples` */
  onError?: (error: Error, target: ScrapeTarget) => void;
  /**
   * Spreads targets over their interval: each target's first scrape waits a random
   * `[0, jitter × intervalMs)`; later scrapes keep a steady cadence (steady intervals matter for
   * per-interval increments). 0 (default) scrapes every target at once on `start()`.
   */
  jitter?: number;
  /** scrapes a vanished series keeps its counter state (default 5) */
  staleAfterScrapes?: number;
  fetch?: FetchLike;
  /** source of randomness for jitter (default `Math.random`), for tests */
  random?: () => number;
}

/** Self-observability per target (exported later as `release_health_scrape_*` metrics). */
export interface TargetStats {
  scrapes: number;
  failures: number;
  /** duration of the last scrape attempt, successful or not; NaN before the first */
  lastDurationMs: number;
  /** series that matched no cohort in the last successful scrape */
  lastIgnoredSeries: number;
  lastError?: string;
}

const KNOWN = new Set(['targets', 'onSamples', 'onError', 'jitter', 'staleAfterScrapes', 'fetch', 'random']);

interface Running {
  target: ScrapeTarget;
  converter: ScrapeConverter;
  stats: TargetStats;
  timer?: ReturnType<typeof setTimeout>;
  inFlight?: Promise<void>;
}

export class Scraper {
  private readonly runs: Running[];
  private readonly onSamples: ScraperOptions['onSamples'];
  private readonly onError: NonNullable<ScraperOptions['onError']>;
  private readonly jitter: number;
  private readonly fetchImpl: FetchLike;
  private readonly random: () => number;
  private controller = new AbortController();
  private running = false;
  /** bumped by start(): a chain from before a stop()/start() pair must not reschedule itself */
  private generation = 0;

  constructor(options: ScraperOptions) {
    for (const key of Object.keys(options))
      if (!KNOWN.has(key)) throw new TypeError(`unknown Scraper option "${key}"; known: ${[...KNOWN].join(', ')}`);
    if (typeof options.onSamples !== 'function') throw new TypeError('Scraper needs an onSamples callback');
    this.jitter = options.jitter ?? 0;
    if (!(this.jitter >= 0 && this.jitter <= 1))
      throw new TypeError(`jitter must be between 0 and 1, got ${this.jitter}`);
    const staleAfterScrapes = options.staleAfterScrapes ?? COUNTER_TRACKER_DEFAULTS.staleAfterScrapes;
    this.runs = parseScrapeTargets(options.targets).map((target) => ({
      target,
      converter: new ScrapeConverter(target, { staleAfterScrapes }),
      stats: { scrapes: 0, failures: 0, lastDurationMs: Number.NaN, lastIgnoredSeries: 0 },
    }));
    this.onSamples = options.onSamples;
    // default: errors are reported to stderr rather than lost; the caller usually logs them itself
    this.onError = options.onError ?? ((error) => console.error(error.message));
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
  }

  /** Starts every target's chain; calling it twice is a no-op. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.controller = new AbortController();
    for (const run of this.runs) this.schedule(run, this.jitter * this.random() * run.target.intervalMs, Date.now());
  }

  /** Stops scheduling, aborts scrapes in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    this.controller.abort();
    for (const run of this.runs) clearTimeout(run.timer);
    await Promise.all(this.runs.map((r) => r.inFlight));
  }

  /** A snapshot of each target's counters, by target name. */
  stats(): Record<string, TargetStats> {
    return Object.fromEntries(this.runs.map((r) => [r.target.name, { ...r.stats }]));
  }

  private schedule(run: Running, delay: number, due: number): void {
    const generation = this.generation;
    run.timer = setTimeout(() => {
      run.inFlight = this.tick(run).finally(() => {
        run.inFlight = undefined;
        // next slot on the cadence; a scrape that overran skips to the next slot after now
        const interval = run.target.intervalMs;
        const now = Date.now();
        let next = due + delay + interval;
        if (next < now) next += Math.ceil((now - next) / interval) * interval;
        if (this.running && generation === this.generation) this.schedule(run, next - now, now);
      });
    }, delay);
  }

  private async tick(run: Running): Promise<void> {
    const { target, stats } = run;
    const t0 = performance.now();
    let samples: Sample[];
    try {
      const result = await scrapeOnce(target, this.fetchImpl, { signal: this.controller.signal });
      const converted = run.converter.convert(result);
      samples = converted.samples;
      stats.lastIgnoredSeries = Object.values(converted.ignored).reduce((a, b) => a + b, 0);
      for (const problem of converted.problems) this.report(problem, target);
    } catch (error) {
      // a scrape cut short by our own stop() is neither a scrape nor a failure of the target
      if (error instanceof ScrapeError && error.kind === 'aborted' && !this.running) return;
      stats.scrapes++;
      stats.failures++;
      stats.lastError = (error as Error).message;
      stats.lastDurationMs = performance.now() - t0;
      if (this.running) this.report(error as Error, target);
      return;
    }
    stats.scrapes++;
    stats.lastDurationMs = performance.now() - t0;
    delete stats.lastError;
    try {
      await this.onSamples(samples, target);
    } catch (error) {
      this.report(error as Error, target);
    }
  }

  /** onError must not break the chain either. */
  private report(error: Error, target: ScrapeTarget): void {
    try {
      this.onError(error, target);
    } catch {
      // a throwing error handler has nowhere left to report to; the scrape loop goes on
    }
  }
}
