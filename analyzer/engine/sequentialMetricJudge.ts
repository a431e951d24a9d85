import {
  createLatencyShiftTest,
  createRateRatioTest,
  restoreLatencyShiftTest,
  restoreRateRatioTest,
  type LatencyShiftState,
  type RateRatioState,
  proportionConfidenceSequence,
  type Alternative,
  type LatencyShiftTest,
  type RateRatioTest,
} from '../stats/index.ts';
import { checkSlo } from '../judge/sloGuard.ts';
import { classifyAndExplain } from '../judge/classifyAndExplain.ts';
import { bucketEdge, isBucketCount, preprocessValue } from '../judge/preprocess.ts';
import type { Cohort, MetricSpec, MetricVerdict } from '../types.ts';
import { CohortSums, emptyEffect, type InputRole, type JudgeContext, type MetricJudge } from './metricJudge.ts';

/** JSON has no Infinity: an unbounded interval end is written as ±1e9 (a relative change of ±10^11 %). */
const UNBOUNDED = 1e9;
const finite = (x: number): number => (Number.isNaN(x) ? 0 : Math.max(-UNBOUNDED, Math.min(UNBOUNDED, x)));

/** Serialisable state of one sequential metric judge (engine checkpoints). */
export interface SequentialJudgeState {
  version: 1;
  metric: string;
  test: LatencyShiftState | RateRatioState;
  cumulative: { events: { baseline: number; canary: number }; exposure: { baseline: number; canary: number } };
  open: {
    events: { baseline: number; canary: number };
    exposure: { baseline: number; canary: number };
    buckets?: { baseline: number[]; canary: number[] };
  };
  invalid: number;
  /**
   * count and ratio metrics: batches in which each cohort reported its events at all (a silent
   * cohort is missing data, never a count of zero); absent in older checkpoints
   */
  reported?: { open: { baseline: boolean; canary: boolean }; batches: { baseline: number; canary: number } };
}

/** A count or ratio judge's sums: the open batch, the closed ones, and which cohorts reported. */
class Counting {
  readonly events = new CohortSums();
  readonly exposure = new CohortSums();
  readonly cumulative = { events: new CohortSums(), exposure: new CohortSums() };
  /** did each cohort report events in the open batch, and in how many closed batches */
  readonly reportedOpen = { baseline: false, canary: false };
  readonly reportedBatches = new CohortSums();
}

const NO_TOTALS = { events: new CohortSums(), exposure: new CohortSums() } as const;

/**
 * The reason as one flat string. A template literal builds a rope of pieces (~30 B per piece);
 * the release's last verdict keeps 20 reasons for as long as the release runs, and the ropes were
 * ~8 KiB of every release's memory (bench/scale.ts heap snapshot).
 */
const flat = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

const HARMFUL: Record<MetricSpec['harm'], Alternative> = { increase: 'greater', decrease: 'less', either: 'two-sided' };

/**
 * Sequential (anytime-valid) judge of one metric. State is bounded whatever the sample count:
 * latency and gauge metrics keep two bucket histograms and one e-process per tilt; count and ratio
 * metrics keep per-batch sums and the rate-ratio mixture.
 *  - latency/gauge: `latencyShiftTest` on raw values (log-spaced buckets) or histogram buckets;
 *  - count: rate ratio of the canary's count vs the baseline's given the traffic shares (exposure
 *    metric's per-cohort totals in the batch, else the release's canary weight, else 50/50);
 *  - ratio: the same rate-ratio test on the numerators with the denominators as exposure.
 */
export class SequentialMetricJudge implements MetricJudge {
  private latency?: LatencyShiftTest;
  private rates?: RateRatioTest;
  /** count and ratio metrics only (a latency judge has none: a live gate holds 20,000 judges) */
  private readonly counting?: Counting;
  private invalid = 0;
  /** histogram metrics only (absent otherwise: 20,000 judges in a live gate): bucket index by `le` value, and the open batch's counts */
  private bucketIndex?: Map<number, number>;
  private batchBuckets?: { baseline: Float64Array; canary: Float64Array };

  /** `spec.tolerance` is the one to enforce: the release class's scale is already applied (ReleaseEngine) */
  constructor(readonly spec: MetricSpec) {
    if (spec.kind === 'latency' || spec.kind === 'gauge') {
      // Anchor the log buckets on the harmful tolerance so the shift interval can end exactly on it.
      const tolerance = spec.tolerance;
      const anchor =
        tolerance < 0.003 || tolerance >= 0.99
          ? undefined
          : spec.harm === 'decrease'
            ? 1 / (1 - tolerance)
            : 1 + tolerance;
      const quantile = spec.quantile ?? spec.slo?.quantile ?? 0.5;
      if (spec.histogram && spec.buckets) {
        const edges = [...spec.buckets, Number.POSITIVE_INFINITY];
        this.bucketIndex = new Map(edges.map((edge, i) => [edge, i]));
        this.batchBuckets = { baseline: new Float64Array(edges.length), canary: new Float64Array(edges.length) };
        this.latency = createLatencyShiftTest({ quantile, edges });
      } else {
        // the anchor row on the harmful side is the one the verdict reads (shiftConfidenceSequence.ts, EXACT_ROWS)
        this.latency = createLatencyShiftTest({ quantile, ...(anchor ? { anchor, harm: spec.harm } : {}) });
      }
    } else {
      this.rates = createRateRatioTest();
      this.counting = new Counting();
    }
  }

  add(role: InputRole, cohort: Cohort, raw: number, labels: Record<string, string> | undefined): void {
    let value = raw;
    // a finite value ≥ 0 is used as it is (what preprocessValue says, without its result object:
    // this runs once per sample); NaN, ±Infinity and negatives go through the shared rules
    if (!(raw >= 0 && raw <= Number.MAX_VALUE)) {
      const input = preprocessValue(this.spec, raw);
      if (!input.use) {
        if (input.invalid) this.invalid++;
        return;
      }
      value = input.value;
    }
    if (role === 'value') {
      if (this.spec.histogram) this.addBucket(cohort, value, labels);
      else this.latency!.observe(cohort, value);
      return;
    }
    // a sum that overflows to Infinity makes the whole batch invalid input (endBatch)
    const counting = this.counting!; // only count and ratio specs route these roles (inputsOf)
    const sums = role === 'count' || role === 'numerator' ? counting.events : counting.exposure;
    sums.add(cohort, value);
    if (role === 'count') counting.reportedOpen[cohort] = true;
  }

  private addBucket(cohort: Cohort, value: number, labels: Record<string, string> | undefined): void {
    const index = this.bucketIndex?.get(bucketEdge(labels));
    if (index === undefined || !this.batchBuckets || !isBucketCount(value)) {
      this.invalid++;
      return;
    }
    this.batchBuckets[cohort][index] += value;
  }

  endBatch(context: JudgeContext): void {
    // Sums past 1.8e308 overflow to Infinity (each input was finite): the batch is invalid input
    // for this metric, as a NaN is, and the metric goes on with its other batches.
    if (!this.batchIsFinite()) {
      this.invalid++;
      this.counting?.events.reset();
      this.counting?.exposure.reset();
      this.batchBuckets?.baseline.fill(0);
      this.batchBuckets?.canary.fill(0);
      if (this.counting) {
        this.counting.reportedOpen.baseline = false;
        this.counting.reportedOpen.canary = false;
      }
      if (this.latency) this.latency.endBatch();
      return;
    }
    if (this.latency) {
      if (this.batchBuckets) {
        this.latency.observeBuckets('baseline', this.batchBuckets.baseline);
        this.latency.observeBuckets('canary', this.batchBuckets.canary);
        this.batchBuckets.baseline.fill(0);
        this.batchBuckets.canary.fill(0);
      }
      this.latency.endBatch();
      return;
    }
    const { events, exposure, cumulative, reportedOpen, reportedBatches } = this.counting!;
    const { baseline, canary } = events;
    const totalExposure = exposure.baseline + exposure.canary;
    const share =
      this.spec.kind === 'count' && !this.spec.exposure
        ? context.canaryShare
        : totalExposure > 0
          ? exposure.canary / totalExposure
          : undefined;
    for (const cohort of ['baseline', 'canary'] as const) if (reportedOpen[cohort]) reportedBatches.add(cohort, 1);
    // a count whose cohort said nothing in this batch is missing data: a canary that stopped
    // reporting must not read as a canary whose orders dropped to zero
    const silent = this.spec.kind === 'count' && (!reportedOpen.baseline || !reportedOpen.canary);
    reportedOpen.baseline = false;
    reportedOpen.canary = false;
    // (a silent batch is left out of the test; the engine's freshness check withholds a promotion)
    if (!silent && share !== undefined && share > 0 && share < 1 && baseline + canary > 0) {
      this.rates!.update(canary, baseline, share);
    } else if (!silent && baseline + canary > 0) {
      // events without exposure in this batch cannot be split fairly; counted, not guessed
      this.invalid++;
    }
    cumulative.events.add('baseline', baseline);
    cumulative.events.add('canary', canary);
    cumulative.exposure.add('baseline', exposure.baseline);
    cumulative.exposure.add('canary', exposure.canary);
    events.reset();
    exposure.reset();
  }

  /** The open batch's sums, and the cumulative sums they would make, are all finite. */
  private batchIsFinite(): boolean {
    const { counting, batchBuckets } = this;
    for (const cohort of ['baseline', 'canary'] as const) {
      if (
        counting &&
        (!Number.isFinite(counting.cumulative.events[cohort] + counting.events[cohort]) ||
          !Number.isFinite(counting.cumulative.exposure[cohort] + counting.exposure[cohort]))
      )
        return false;
      if (batchBuckets && !batchBuckets[cohort].every(Number.isFinite)) return false;
    }
    return true;
  }

  verdict(context: JudgeContext): MetricVerdict {
    try {
      return this.judge(context);
    } catch (error) {
      // e.g. a ratio whose numerator exceeds its denominator: the metric is in error (never a pass),
      // the release goes on being judged on the others
      const message = error instanceof Error ? error.message : String(error);
      const declaredCritical = this.spec.critical === true;
      return {
        metric: this.spec.name,
        classification: 'error',
        code: 'input-error',
        effect: emptyEffect(),
        evidence: 1,
        method: 'none',
        n: this.sampleCounts(),
        reason: message,
        declaredCritical,
        criticalFailure: false,
        critical: false,
      };
    }
  }

  private judge(context: JudgeContext): MetricVerdict {
    const { spec } = this;
    const test = this.latency ?? this.rates!;
    const method = this.latency
      ? 'latency-shift-e-process'
      : spec.kind === 'ratio'
        ? 'rate-ratio-mixture (ratio)'
        : 'rate-ratio-mixture';
    const n = this.sampleCounts();
    const declaredCritical = spec.critical === true;
    const invalidNote = this.invalid > 0 ? ` (${this.invalid} invalid input(s) ignored)` : '';
    const base = { metric: spec.name, method, n, declaredCritical, criticalFailure: false, critical: false };
    const reported = this.counting?.reportedBatches;
    if (spec.kind === 'count' && reported && (reported.baseline === 0 || reported.canary === 0)) {
      const quiet = reported.canary === 0 ? 'canary' : 'baseline';
      return {
        ...base,
        classification: 'nodata',
        code: 'cohort-silent',
        effect: emptyEffect(),
        evidence: 1,
        reason: `no ${quiet} data reported yet (missing data, not a count of zero)${invalidNote}`,
      };
    }
    const enough =
      spec.kind === 'count'
        ? n.baseline + n.canary >= context.minSamples
        : n.baseline >= context.minSamples && n.canary >= context.minSamples;
    if (!enough) {
      return {
        ...base,
        classification: 'nodata',
        code: 'too-few-observations',
        effect: emptyEffect(),
        evidence: 1,
        reason: `too few observations (baseline ${n.baseline}, canary ${n.canary}; need ${context.minSamples})${invalidNote}`,
      };
    }
    if (spec.kind === 'count' && !spec.exposure && context.trafficSplitMismatch) {
      return {
        ...base,
        classification: 'nodata',
        code: 'traffic-split-mismatch',
        effect: emptyEffect(),
        evidence: 1,
        reason: `${context.trafficSplitMismatch}; a count without an exposure metric cannot be compared${invalidNote}`,
      };
    }
    const effectInterval = test.effect(context.alpha);
    const effect = {
      relative: finite(effectInterval.estimate),
      low: finite(effectInterval.low),
      high: finite(effectInterval.high),
    };
    const evidence = finite(test.evidence(HARMFUL[spec.harm]));
    const threshold = 1 / context.alpha;
    const slo = this.sloBreach(context.alpha);
    if (slo) {
      return {
        ...base,
        classification: slo.classification,
        code: 'slo-breach',
        criticalFailure: true,
        critical: true,
        effect,
        evidence,
        reason: slo.reason,
      };
    }
    const classified = classifyAndExplain({ spec, effect, evidence, threshold, evidenceStyle: 'e-value' });
    // what { ...base, ...classified, effect, evidence, reason } makes, keys in the same order (the
    // verdict's JSON is stored and compared), without two object spreads per metric and look
    const metric = spec.name;
    const { criticalFailure, critical, classification, code, assurance, detectable } = classified;
    const reason = flat(classified.reason + invalidNote);
    return assurance === undefined
      ? {
          metric,
          method,
          n,
          declaredCritical,
          criticalFailure,
          critical,
          classification,
          code,
          detectable,
          reason,
          effect,
          evidence,
        }
      : {
          metric,
          method,
          n,
          declaredCritical,
          criticalFailure,
          critical,
          classification,
          code,
          assurance,
          detectable,
          reason,
          effect,
          evidence,
        };
  }

  observedTotals(): { observations: number; ratio?: number; sigma?: number } {
    const n = this.sampleCounts();
    if (this.latency && n.baseline >= 20) {
      // spread of the log-values from the baseline's quartiles (a normal's IQR is 1.349 sd)
      const q = (p: number) => this.latency!.quantileEstimate('baseline', p);
      const sigma = (Math.log(q(0.75)) - Math.log(q(0.25))) / 1.349;
      if (Number.isFinite(sigma) && sigma > 0) return { observations: n.baseline + n.canary, sigma };
    }
    const { events, exposure } = this.counting?.cumulative ?? NO_TOTALS;
    if (this.spec.kind === 'ratio' && exposure.baseline > 0)
      return { observations: n.baseline + n.canary, ratio: events.baseline / exposure.baseline };
    return { observations: n.baseline + n.canary };
  }

  private sampleCounts(): { baseline: number; canary: number } {
    if (this.latency) return { ...this.latency.n };
    const { events, exposure } = this.counting!.cumulative;
    if (this.spec.kind === 'ratio') return { baseline: exposure.baseline, canary: exposure.canary };
    return { baseline: events.baseline, canary: events.canary };
  }

  /** Anytime-valid SLO guard on the canary: a breach needs the whole confidence sequence past the objective. */
  private sloBreach(alpha: number): ReturnType<typeof checkSlo> {
    const { slo } = this.spec;
    if (!slo) return undefined;
    if (this.latency) return checkSlo(this.spec, this.latency.quantile('canary', slo.quantile ?? 0.95, alpha));
    if (this.spec.kind === 'ratio') {
      const events = this.counting!.cumulative.events.canary;
      const total = this.counting!.cumulative.exposure.canary;
      if (total <= 0) return undefined;
      return checkSlo(this.spec, proportionConfidenceSequence(events, total, { alpha }));
    }
    return undefined;
  }

  snapshot(): SequentialJudgeState {
    const pair = (sums: CohortSums) => ({ baseline: sums.baseline, canary: sums.canary });
    // a latency judge writes the zeros it would have kept, so checkpoints keep one shape
    const counting = this.counting ?? new Counting();
    return {
      version: 1,
      metric: this.spec.name,
      test: (this.latency ?? this.rates!).snapshot(),
      cumulative: { events: pair(counting.cumulative.events), exposure: pair(counting.cumulative.exposure) },
      open: {
        events: pair(counting.events),
        exposure: pair(counting.exposure),
        ...(this.batchBuckets
          ? {
              buckets: {
                baseline: Array.from(this.batchBuckets.baseline),
                canary: Array.from(this.batchBuckets.canary),
              },
            }
          : {}),
      },
      invalid: this.invalid,
      reported: {
        open: { ...counting.reportedOpen },
        batches: pair(counting.reportedBatches),
      },
    };
  }

  /** Continues from `snapshot()` output taken of a judge with the same spec. */
  restore(state: SequentialJudgeState): void {
    if (state?.version !== 1 || state.metric !== this.spec.name)
      throw new Error(`checkpoint of "${state?.metric}" does not fit metric "${this.spec.name}"`);
    if (this.latency) this.latency = restoreLatencyShiftTest(state.test as LatencyShiftState);
    else this.rates = restoreRateRatioTest(state.test as RateRatioState);
    const set = (sums: CohortSums, from: { baseline: number; canary: number }) => {
      sums.baseline = from.baseline;
      sums.canary = from.canary;
    };
    if (this.batchBuckets && state.open.buckets) {
      this.batchBuckets.baseline.set(state.open.buckets.baseline);
      this.batchBuckets.canary.set(state.open.buckets.canary);
    }
    this.invalid = state.invalid;
    const { counting } = this;
    if (!counting) return; // a latency judge's sums are always zero (no input role feeds them)
    set(counting.cumulative.events, state.cumulative.events);
    set(counting.cumulative.exposure, state.cumulative.exposure);
    set(counting.events, state.open.events);
    set(counting.exposure, state.open.exposure);
    if (state.reported) {
      counting.reportedOpen.baseline = state.reported.open.baseline === true;
      counting.reportedOpen.canary = state.reported.open.canary === true;
      set(counting.reportedBatches, state.reported.batches);
    } else {
      // a checkpoint from before silence was tracked: every closed batch counted as reported
      const batches = (state.test as RateRatioState).batches ?? 0;
      set(counting.reportedBatches, { baseline: batches, canary: batches });
    }
  }
}
