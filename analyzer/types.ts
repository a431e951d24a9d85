/**
 * Core types: the contracts between rooms (docs/architecture.md, "Rooms").
 * JSON on the wire uses exactly these names; timestamps are epoch milliseconds.
 * Runtime validation of anything read from files or the network lives in `validation.ts`.
 */

export type Cohort = 'baseline' | 'canary';
export const COHORTS: readonly Cohort[] = ['baseline', 'canary'];

/**
 * One observation. `value` is `NaN` when the source reported missing data (`null` in NDJSON);
 * the metric's NaN strategy decides what happens to it.
 *
 * Histogram input (latency metrics with `histogram: true`): `labels.le` is the bucket's upper
 * edge (`"+Inf"` for the last) and `value` the number of observations that fell in that bucket
 * — above the previous edge, at or below `le` — since the previous sample of the same bucket.
 * Prometheus exposes cumulative buckets; the collector differences them before they get here.
 */
export interface Sample {
  ts: number;
  metric: string;
  cohort: Cohort;
  value: number;
  labels?: Record<string, string>;
}

export type MetricKind = 'latency' | 'count' | 'ratio' | 'gauge';
export type Harm = 'increase' | 'decrease' | 'either';
export type NanStrategy = 'remove' | 'replace';

/** Absolute guard on the canary (Google SRE Workbook, "Canarying Releases"): canary and baseline
 * share infrastructure and can degrade together, so a relative test alone can miss a breach. */
export interface SloGuard {
  /** the canary's value must stay at or below this (error ratio, latency quantile) */
  max?: number;
  /** the canary's value must stay at or above this (success ratio, throughput) */
  min?: number;
  /** for latency metrics: which quantile the bound applies to (default 0.95) */
  quantile?: number;
}

export interface MetricSpec {
  name: string;
  group: 'business' | 'application' | 'database' | 'cache' | 'ingress' | (string & {});
  /** latency: distribution of durations; count: events per interval; ratio: bad/total; gauge: a level */
  kind: MetricKind;
  /** which direction hurts (orders down is bad, latency up is bad) */
  harm: Harm;
  /** allowed relative change before it matters, e.g. 0.10 */
  tolerance: number;
  /** a critical failure forces rollback whatever the score */
  critical?: boolean;
  weight?: number;
  /** PromQL or series selector where the collector needs one */
  query?: string;
  /** ratio metrics: the sample metric names of the numerator (bad events) and denominator (all events) */
  numerator?: string;
  denominator?: string;
  /** count metrics: a metric whose per-cohort totals give the traffic shares (e.g. requests) */
  exposure?: string;
  /** latency metrics: samples are histogram bucket counts (see `Sample`) rather than raw durations */
  histogram?: boolean;
  /** histogram metrics: the finite bucket upper edges (`le`), ascending; `+Inf` is implied */
  buckets?: number[];
  slo?: SloGuard;
  /** latency metrics: the quantile whose relative change is reported and judged (default 0.5) */
  quantile?: number;
  /** missing values: drop them (default) or count them as zero (Kayenta's `replace`) */
  nanStrategy?: NanStrategy;
  /** fixed-horizon judge only: drop values outside Tukey's fences before testing */
  removeOutliers?: boolean;
  /**
   * Which question calls a failure (see `FailureRule`); the default depends on the kind
   * (`defaultFailureRule` in analyzer/judge/rules.ts, chosen from the detection bench).
   */
  failWhen?: FailureRule;
  /**
   * Expected traffic for the whole service (both cohorts), per minute: observations (latency,
   * gauge), events (count) or denominator events (ratio). At registration and in `analyze` it says
   * what the window can detect (analyzer/judge/power.ts); the judge itself never reads it.
   */
  expected?: { perMinute: number; ratio?: number; sigma?: number };
}

/**
 * The two failure questions. Both keep false alarms on a release without change at or below the
 * metric's alpha (the evidence alone is what can be wrong, and it is an e-value or a p-value):
 *  - `interval`: the whole interval of the effect lies beyond the tolerance on the harmful side —
 *    proof that the harm exceeds the tolerance; needs much data when the tolerance is small;
 *  - `estimate`: evidence of a change on the harmful side plus a point estimate beyond the
 *    tolerance (Kayenta's `effectSize` question) — far more power at low traffic.
 */
export type FailureRule = 'interval' | 'estimate';

export type ReleaseStrategy = 'canary' | 'blue-green' | 'rolling' | 'before-after';
export type ReleaseClass =
  'emergency-fix' | 'standard' | 'infra-patch' | 'schema-change' | 'peak-season-restricted' | (string & {});

export interface Release {
  id: string;
  service: string;
  version: string;
  baselineVersion?: string;
  environment: string;
  tenant?: string;
  tenantTier?: string;
  strategy: ReleaseStrategy;
  class: ReleaseClass;
  startedAt: number;
  /** share of traffic routed to the canary (0..1); used for count metrics without an exposure metric */
  canaryWeight?: number;
  /** when the change was committed (epoch ms), if the pipeline says: the scorecard's lead time for changes */
  commitAt?: number;
}

export type Decision = 'continue' | 'promote' | 'reduce-traffic' | 'rollback' | 'inconclusive';
/**
 * `undecided` exists for the sequential judge: data is present but the
 * evidence has not yet settled the metric either way (a fixed-horizon judge never returns it).
 */
export type Classification = 'pass' | 'high' | 'low' | 'nodata' | 'error' | 'undecided';

export interface Effect {
  /** point estimate of the relative change canary vs baseline (0.18 = +18%) */
  relative: number;
  low: number;
  high: number;
}

/**
 * How sure a metric without a failure is (the "no harm found" half of the decision table):
 *  - `ruled-out`: its interval lies inside the tolerance on the harmful side — harm is excluded;
 *  - `not-detected`: no failure, but the data cannot yet exclude harm beyond the tolerance;
 *    `detectable` says how large a harmful effect would have been detected by now.
 */
export type Assurance = 'ruled-out' | 'not-detected';

export interface MetricVerdict {
  metric: string;
  classification: Classification;
  /** machine-readable reason (analyzer/judge/explain.ts turns it into `reason`); nothing branches on `reason` */
  code?: VerdictCode;
  /** metrics judged without a failure: how sure (absent for failures, no data and errors) */
  assurance?: Assurance;
  /**
   * the smallest harmful relative effect (e.g. 0.12 = 12%) that the data so far would have called a
   * failure with about even odds: the larger of the tolerance and the interval's half-width on the
   * harmful side (absent without data)
   */
  detectable?: number;
  /** confidence interval of the relative change */
  effect: Effect;
  /** e-value (sequential) or 1/p (fixed-horizon); `method` names which */
  evidence: number;
  method: string;
  n: { baseline: number; canary: number };
  reason: string;
  /** the spec declared the metric critical (its failure alone forces a rollback) */
  declaredCritical?: boolean;
  /** this metric failed critically: a failure of a critical metric, or an SLO breach */
  criticalFailure?: boolean;
  /**
   * API v1 name of `criticalFailure` (same value), kept so that existing readers keep their
   * meaning; it does NOT say whether the metric was declared critical — `declaredCritical` does
   */
  critical?: boolean;
}

/** Machine-readable per-metric outcomes of the classify stage (see analyzer/judge/rules.ts). */
export type VerdictCode =
  | 'too-few-observations'
  | 'no-exposure'
  | 'cohort-silent'
  | 'traffic-split-mismatch'
  | 'input-error'
  | 'slo-breach'
  | 'interval-beyond-tolerance'
  | 'estimate-beyond-tolerance'
  | 'within-tolerance'
  | 'not-detected'
  | 'harmless-change';

export interface Verdict {
  releaseId: string;
  at: number;
  decision: Decision;
  /** 0..100 */
  score: number;
  metrics: MetricVerdict[];
  reasons: string[];
  policy: { class: string; observedFor: number; frozen?: string };
}

/** Release-level knobs of an analysis; release classes (analyzer/policy) supply the defaults. */
export interface AnalysisPolicy {
  /** release-level false-alarm rate; split across metrics */
  alpha: number;
  /** observation window in ms: at its end the release is promoted or declared inconclusive */
  observeMs: number;
  /** score at or above which a release passes (Kayenta's `pass`) */
  passScore: number;
  /** score below which a release fails (Kayenta's `marginal`) */
  marginalScore: number;
  /** fewest observations per cohort before a metric may be judged */
  minSamples: number;
  /** sequential judge: earliest moment (ms after start) at which an all-pass release may be promoted early */
  minObserveMs: number;
  /** confidence level of effect intervals in the fixed-horizon judge */
  confidence: number;
}

/**
 * Before/after mode (release strategy `before-after`): no concurrent canary, so the baseline is the
 * time before the release, aligned onto the observation window.
 *  - `previous-window`: the `observeMs` just before the start, shifted forward by `observeMs`;
 *  - `previous-weeks`: the same weekday and hour of the `weeks` weeks before, each shifted forward by
 *    whole weeks — retail seasonality (the Monday-morning ramp, the weekly flash sale) then sits in
 *    both cohorts and cancels out.
 */
export interface BeforeAfterBaseline {
  baseline: 'previous-window' | 'previous-weeks';
  /** previous-weeks: how many earlier weeks to use (default 2) */
  weeks?: number;
}

/** What `analyze --spec` reads. */
export interface AnalysisSpec {
  release: Release;
  metrics: MetricSpec[];
  policy: Partial<AnalysisPolicy>;
  /** Kayenta's `classifier.groupWeights`: weight of each metric group in the score (default 1 each) */
  groupWeights?: Record<string, number>;
  /** strategy `before-after` only: where the baseline comes from (default previous-window) */
  beforeAfter?: BeforeAfterBaseline;
}

export interface TimelineEntry {
  at: number;
  decision: Decision;
  score: number;
}
