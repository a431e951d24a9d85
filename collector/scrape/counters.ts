/**
 * Per-interval increments from successive scrapes of cumulative counters, treated the way
 * Prometheus's `rate()`/`increase()` treat them (promql/functions.go, `extrapolatedRate`):
 *  - a value lower than the previous one is a counter reset (a pod restarted); the new value is
 *    taken as the increase since the reset, because the counter restarted from zero;
 *  - a series seen for the first time has no increment — its value is not an increase over
 *    anything we saw (no data, not zero);
 *  - a series absent from `staleAfterScrapes` consecutive scrapes is forgotten, so label churn
 *    (pods come and go during a rollout) does not grow memory without bound; until then it
 *    keeps its last value and a reappearance continues from it.
 * Pure bookkeeping: no clock, no I/O. Keys are caller-chosen series identities.
 */

export interface CounterTrackerOptions {
  /** scrapes a series may be missing before its state is dropped (default 5) */
  staleAfterScrapes?: number;
}

export const COUNTER_TRACKER_DEFAULTS = Object.freeze({ staleAfterScrapes: 5 });

interface CounterState {
  kind: 'counter';
  value: number;
  lastSeen: number;
}

interface HistogramState {
  kind: 'histogram';
  le: number[];
  /** non-cumulative bucket counts (totals since the process started) */
  buckets: number[];
  count: number;
  lastSeen: number;
}

export class CounterTracker {
  private readonly series = new Map<string, CounterState | HistogramState>();
  private readonly staleAfter: number;
  private scrape = 0;

  constructor(options: CounterTrackerOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!(key in COUNTER_TRACKER_DEFAULTS)) throw new TypeError(`unknown CounterTracker option "${key}"`);
    }
    this.staleAfter = options.staleAfterScrapes ?? COUNTER_TRACKER_DEFAULTS.staleAfterScrapes;
    if (!Number.isInteger(this.staleAfter) || this.staleAfter < 1)
      throw new TypeError(`staleAfterScrapes must be a positive integer, got ${this.staleAfter}`);
  }

  /** Number of series currently remembered. */
  get size(): number {
    return this.series.size;
  }

  /**
   * The increase of a counter series since its previous observation, or `undefined` on first
   * sight. A NaN value gives a NaN increment (missing data, never zero) and leaves the last good
   * value in place, so the next good value's increment spans the gap and totals are kept.
   * @example
   * t.counter('a', 10); // → undefined (first sight)
   * t.counter('a', 25); // → 15
   * t.counter('a', 4);  // → 4 (reset: the pod restarted and has counted 4 since)
   */
  counter(key: string, value: number): number | undefined {
    const prev = this.series.get(key);
    if (prev === undefined || prev.kind !== 'counter') {
      if (!Number.isNaN(value)) this.series.set(key, { kind: 'counter', value, lastSeen: this.scrape });
      return undefined;
    }
    prev.lastSeen = this.scrape;
    if (Number.isNaN(value)) return Number.NaN;
    const increment = value >= prev.value ? value - prev.value : value;
    prev.value = value;
    return increment;
  }

  /**
   * Per-bucket increments of a histogram series, NON-cumulative (bucket i counts observations in
   * (le[i-1], le[i]]), or `undefined` on first sight or when the bucket layout changed (the
   * series is then re-based, like a new series). A reset — `_count` decreasing, or any bucket's
   * own count decreasing (which includes any cumulative bucket decreasing) — applies to the whole
   * series: the current counts are the increments since the reset, as for counters.
   * @param cumulative cumulative counts per `le`, ascending, last `+Inf` (`histogramBuckets`)
   * @param count the `_count` sample; the `+Inf` bucket when absent
   */
  histogram(key: string, le: readonly number[], cumulative: readonly number[], count?: number): number[] | undefined {
    const buckets = cumulative.map((c, i) => (i === 0 ? c : c - cumulative[i - 1]));
    const total = count ?? cumulative[cumulative.length - 1];
    const prev = this.series.get(key);
    if (prev === undefined || prev.kind !== 'histogram' || !sameLayout(prev.le, le)) {
      this.series.set(key, { kind: 'histogram', le: [...le], buckets, count: total, lastSeen: this.scrape });
      return undefined;
    }
    prev.lastSeen = this.scrape;
    const reset = total < prev.count || buckets.some((b, i) => b < prev.buckets[i]);
    const increments = reset ? buckets : buckets.map((b, i) => b - prev.buckets[i]);
    prev.buckets = buckets;
    prev.count = total;
    return increments;
  }

  /** Closes a scrape: forgets series missing for `staleAfterScrapes` scrapes; returns how many. */
  endScrape(): number {
    let forgotten = 0;
    for (const [key, state] of this.series) {
      if (this.scrape - state.lastSeen >= this.staleAfter) {
        this.series.delete(key);
        forgotten++;
      }
    }
    this.scrape++;
    return forgotten;
  }
}

function sameLayout(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
