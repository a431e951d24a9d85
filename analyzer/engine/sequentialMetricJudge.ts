import {
  createLatencyShiftTest,
  createRateRatioTest,
  proportionConfidenceSequence,
  type Alternative,
  type LatencyShiftTest,
  type RateRatioTest,
} from '../stats/index.ts';
import { classifyByInterval } from '../policy/index.ts';
import { checkSlo } from '../judge/index.ts';
import type { Cohort, MetricSpec, MetricVerdict } from '../types.ts';
import { CohortSums, emptyEffect, type InputRole, type JudgeContext, type MetricJudge } from './metricJudge.ts';

/** JSON has no Infinity: an unbounded interval end is written as ±1e9 (a relative change of ±10^11 %). */
const UNBOUNDED = 1e9;
const finite = (x: number): number => (Number.isNaN(x) ? 0 : Math.max(-UNBOUNDED, Math.min(UNBOUNDED, x)));

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
  private readonly latency?: LatencyShiftTest;
  private readonly rates?: RateRatioTest;
  private readonly events = new CohortSums();
  private readonly exposure = new CohortSums();
  private readonly cumulative = { events: new CohortSums(), exposure: new CohortSums() };
  private invalid = 0;
  private readonly bucketEdges?: number[];
  private readonly bucketIndex = new Map<string, number>();
  private batchBuckets?: { baseline: number[]; canary: number[] };

  constructor(
    readonly spec: MetricSpec,
    toleranceScale = 1,
  ) {
    if (spec.kind === 'latency' || spec.kind === 'gauge') {
      // Anchor the log buckets on the harmful tolerance so the shift interval can end exactly on it.
      const tolerance = spec.tolerance * toleranceScale;
      const anchor = tolerance < 0.003 || tolerance >= 0.99 ? undefined : spec.harm === 'decrease' ? 1 / (1 - tolerance) : 1 + tolerance;
      this.latency = createLatencyShiftTest({ quantile: spec.quantile ?? spec.slo?.quantile ?? 0.5, ...(anchor ? { anchor } : {}) });
    } else {
      this.rates = createRateRatioTest();
    }
  }

  add(role: InputRole, cohort: Cohort, value: number, labels: Record<string, string> | undefined): void {
    if (Number.isNaN(value)) {
      if ((this.spec.nanStrategy ?? 'remove') === 'remove') return;
      value = 0;
    }
    if (!Number.isFinite(value) || value < 0) {
      this.invalid++;
      return;
    }
    if (role === 'value') {
      if (this.spec.histogram) this.addBucket(cohort, value, labels);
      else this.latency!.observe(cohort, value);
    } else if (role === 'count' || role === 'numerator') this.events.add(cohort, value);
    else this.exposure.add(cohort, value);
  }

  private addBucket(cohort: Cohort, value: number, labels: Record<string, string> | undefined): void {
    const le = labels?.le;
    const index = le === undefined ? undefined : this.bucketIndex.get(le);
    if (index === undefined || !this.batchBuckets) {
      this.invalid++;
      return;
    }
    this.batchBuckets[cohort][index] += value;
  }

  endBatch(context: JudgeContext): void {
    if (this.latency) {
      this.latency.endBatch();
      return;
    }
    const { baseline, canary } = this.events;
    const totalExposure = this.exposure.baseline + this.exposure.canary;
    const share = this.spec.kind === 'count' && !this.spec.exposure ? context.canaryShare : totalExposure > 0 ? this.exposure.canary / totalExposure : undefined;
    if (share !== undefined && share > 0 && share < 1 && baseline + canary > 0) {
      this.rates!.update(canary, baseline, share);
    } else if (baseline + canary > 0) {
      // events without exposure in this batch cannot be split fairly; counted, not guessed
      this.invalid++;
    }
    this.cumulative.events.add('baseline', baseline);
    this.cumulative.events.add('canary', canary);
    this.cumulative.exposure.add('baseline', this.exposure.baseline);
    this.cumulative.exposure.add('canary', this.exposure.canary);
    this.events.reset();
    this.exposure.reset();
  }

  verdict(context: JudgeContext): MetricVerdict {
    const { spec } = this;
    const tolerance = spec.tolerance * context.toleranceScale;
    const test = this.latency ?? this.rates!;
    const method = this.latency ? 'latency-shift-e-process' : spec.kind === 'ratio' ? 'rate-ratio-mixture (ratio)' : 'rate-ratio-mixture';
    const n = this.sampleCounts();
    const enough = spec.kind === 'count' ? n.baseline + n.canary >= context.minSamples : n.baseline >= context.minSamples && n.canary >= context.minSamples;
    const invalidNote = this.invalid > 0 ? ` (${this.invalid} invalid input(s) ignored)` : '';
    if (!enough) {
      return { metric: spec.name, classification: 'nodata', effect: emptyEffect(), evidence: 1, method, n, reason: `too few observations (baseline ${n.baseline}, canary ${n.canary}; need ${context.minSamples})${invalidNote}` };
    }
    const effectInterval = test.effect(context.alpha);
    const effect = { relative: finite(effectInterval.estimate), low: finite(effectInterval.low), high: finite(effectInterval.high) };
    const evidence = finite(test.evidence(HARMFUL[spec.harm]));
    const slo = this.sloBreach(context.alpha);
    if (slo) return { metric: spec.name, classification: slo.classification, critical: true, effect, evidence, method, n, reason: slo.reason };
    const { classification, reason } = classifyByInterval({ harm: spec.harm, tolerance, evidence, threshold: 1 / context.alpha, effect });
    const critical = (classification === 'high' || classification === 'low') && spec.critical === true;
    return { metric: spec.name, classification, critical, effect, evidence, method, n, reason: reason + invalidNote };
  }

  private sampleCounts(): { baseline: number; canary: number } {
    if (this.latency) return { ...this.latency.n };
    if (this.spec.kind === 'ratio') return { baseline: this.cumulative.exposure.baseline, canary: this.cumulative.exposure.canary };
    return { baseline: this.cumulative.events.baseline, canary: this.cumulative.events.canary };
  }

  /** Anytime-valid SLO guard on the canary: a breach needs the whole confidence sequence past the objective. */
  private sloBreach(alpha: number): ReturnType<typeof checkSlo> {
    const { slo } = this.spec;
    if (!slo) return undefined;
    if (this.latency) return checkSlo(this.spec, this.latency.quantile('canary', slo.quantile ?? 0.95, alpha));
    if (this.spec.kind === 'ratio') {
      const events = this.cumulative.events.canary;
      const total = this.cumulative.exposure.canary;
      if (total <= 0) return undefined;
      return checkSlo(this.spec, proportionConfidenceSequence(events, total, { alpha }));
    }
    return undefined;
  }

  snapshot(): unknown {
    return {
      test: (this.latency ?? this.rates!).snapshot(),
      cumulative: { events: { ...this.cumulative.events }, exposure: { ...this.cumulative.exposure } },
      invalid: this.invalid,
      bucketEdges: this.bucketEdges,
    };
  }
}
