import type { AnalysisSpec, Sample } from '../types.ts';

const WEEK = 7 * 24 * 3_600_000;

/**
 * Before/after alignment (release strategy `before-after`, docs/architecture.md, "Where cohorts come from"):
 * samples from before the release become the baseline, moved forward in time onto the moment of
 * the observation window they are compared with — by one window (`previous-window`) or by whole
 * weeks (`previous-weeks`: same weekday and hour, so a diurnal ramp or a weekly promotion that
 * also happened in history is in both cohorts). Samples arrive in time order, so all history is
 * here before the window's batches close; it waits in `pending`, sorted once, and is drained batch
 * by batch. Memory: the history that maps into the window (offline replay; a live collector can
 * instead query Prometheus with `offset 1w`, which aligns the same way).
 */
export class BeforeAfterAligner {
  private pending: Sample[] = [];
  private sorted = true;
  private next = 0;
  private readonly weeksSeen = new Set<number>();
  /** undefined until decided: with no `beforeAfter.baseline` in the spec, the history decides */
  private chosen: 'previous-window' | 'previous-weeks' | undefined;
  /** history kept as it came while the mode is undecided */
  private undecided: Sample[] = [];
  private readonly weeks: number;
  /** history samples outside the configured weeks/window, or landing past the window's end */
  dropped = 0;

  constructor(
    private readonly spec: AnalysisSpec,
    private readonly observeMs: number,
  ) {
    this.chosen = spec.beforeAfter?.baseline;
    this.weeks = spec.beforeAfter?.weeks ?? 2;
  }

  /**
   * Where the baseline comes from. Asked for in the spec, that; otherwise `previous-weeks` as soon
   * as the history reaches one week back — the same weekday and hour carry the same ramp, where
   * the hour just before a Monday-morning release is always quieter and faster than the hour
   * after it and `previous-window` would call every such release a regression — and
   * `previous-window` only when there is no such history.
   */
  get mode(): 'previous-window' | 'previous-weeks' {
    return this.chosen ?? (this.reachesLastWeek() ? 'previous-weeks' : 'previous-window');
  }

  private reachesLastWeek(): boolean {
    const start = this.spec.release.startedAt;
    return this.undecided.some((s) => s.ts < start - WEEK + this.observeMs && s.ts >= start - this.weeks * WEEK);
  }

  /** Takes a pre-release sample as baseline history; returns false if it maps nowhere useful. */
  take(sample: Sample): boolean {
    if (this.chosen === undefined) {
      // decided at the first drain, when all history is in (samples arrive in time order)
      const start = this.spec.release.startedAt;
      if (sample.ts < start - this.weeks * WEEK) return this.drop();
      this.undecided.push(sample);
      return true;
    }
    return this.align(sample);
  }

  private align(sample: Sample): boolean {
    const start = this.spec.release.startedAt;
    let shifted: number;
    if (this.mode === 'previous-window') {
      if (sample.ts < start - this.observeMs) return this.drop();
      shifted = sample.ts + this.observeMs;
    } else {
      const k = Math.ceil((start - sample.ts) / WEEK);
      if (k > this.weeks) return this.drop();
      shifted = sample.ts + k * WEEK;
      if (shifted >= start + this.observeMs) return this.drop();
      this.weeksSeen.add(k);
    }
    if (this.pending.length > 0 && shifted < this.pending[this.pending.length - 1].ts) this.sorted = false;
    this.pending.push({ ...sample, ts: shifted, cohort: 'baseline' });
    return true;
  }

  /** History samples whose aligned time falls before `boundary`, in time order. */
  drain(boundary: number, into: (sample: Sample) => void): void {
    if (this.chosen === undefined) {
      this.chosen = this.mode;
      const history = this.undecided;
      this.undecided = [];
      for (const sample of history) this.align(sample);
    }
    if (!this.sorted) {
      const rest = this.pending.slice(this.next).sort((a, b) => a.ts - b.ts);
      this.pending = rest;
      this.next = 0;
      this.sorted = true;
    }
    while (this.next < this.pending.length && this.pending[this.next].ts < boundary) into(this.pending[this.next++]);
    if (this.next > 4096 && this.next * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.next);
      this.next = 0;
    }
  }

  /**
   * The canary's share of exposure for count metrics without an exposure metric: the canary is one
   * period, the baseline as many periods as history supplied (weeks actually seen, or one window).
   */
  canaryShare(): number {
    return this.mode === 'previous-window' ? 0.5 : 1 / (1 + Math.max(1, this.weeksSeen.size));
  }

  private drop(): false {
    this.dropped++;
    return false;
  }
}
