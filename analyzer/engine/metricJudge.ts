import type { Cohort, MetricSpec, MetricVerdict } from '../types.ts';

/** The part a sample metric plays for one metric spec. */
export type InputRole = 'value' | 'count' | 'exposure' | 'numerator' | 'denominator';

export interface JudgeContext {
  /** per-metric alpha (the release alpha shared among metrics) */
  alpha: number;
  minSamples: number;
  /** traffic share of the canary when no exposure metric says otherwise */
  canaryShare: number;
  /**
   * set (to the reason) when the release's own traffic shows that the declared canary share is
   * wrong (sample-ratio mismatch): counts without an exposure metric then cannot be compared
   */
  trafficSplitMismatch?: string;
}

/**
 * One metric's judge inside a release engine: it takes the samples routed to it, closes a batch at
 * each interval boundary, and gives a verdict on everything so far. The fixed-horizon and the
 * sequential judges implement it; the engine does not care which.
 */
export interface MetricJudge {
  readonly spec: MetricSpec;
  add(role: InputRole, cohort: Cohort, value: number, labels: Record<string, string> | undefined): void;
  endBatch(context: JudgeContext): void;
  verdict(context: JudgeContext): MetricVerdict;
  /** JSON-serialisable state (sequential judges; fixed judges keep raw data and return undefined) */
  snapshot(): unknown;
  /**
   * traffic seen so far, both cohorts: observations (latency, gauge), events (count) or
   * denominator events (ratio), and a ratio metric's baseline ratio — for the power projection
   */
  observedTotals(): { observations: number; ratio?: number; sigma?: number };
}

/** Which sample metrics feed which spec, and as what. */
export function inputsOf(spec: MetricSpec): { metric: string; role: InputRole }[] {
  switch (spec.kind) {
    case 'ratio':
      return [
        { metric: spec.numerator as string, role: 'numerator' },
        { metric: spec.denominator as string, role: 'denominator' },
      ];
    case 'count':
      return spec.exposure
        ? [
            { metric: spec.name, role: 'count' },
            { metric: spec.exposure, role: 'exposure' },
          ]
        : [{ metric: spec.name, role: 'count' }];
    default:
      return [{ metric: spec.name, role: 'value' }];
  }
}

export const emptyEffect = (): MetricVerdict['effect'] => ({ relative: 0, low: 0, high: 0 });

/** Per-batch sums of one cohort pair, reused by count and ratio judges. */
export class CohortSums {
  baseline = 0;
  canary = 0;
  add(cohort: Cohort, value: number): void {
    if (cohort === 'canary') this.canary += value;
    else this.baseline += value;
  }
  reset(): void {
    this.baseline = 0;
    this.canary = 0;
  }
}
