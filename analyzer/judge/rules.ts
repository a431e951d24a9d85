/**
 * The classify stage of the judge: pure rules from a metric's statistics to a classification and
 * a code. No text here (analyzer/judge/explain.ts writes it) and no I/O; both judges call these.
 *
 *   preprocess (analyzer/judge/preprocess.ts) → statistics (analyzer/stats) → classify (this file)
 *   → explain (explain.ts) → score (score.ts) → decide (analyzer/policy/decide.ts)
 *
 * A metric fails when the evidence of a change on its harmful side is convincing and the effect is
 * beyond its tolerance, in one of two senses (`FailureRule`): the whole interval beyond it
 * (`interval`), or the point estimate beyond it (`estimate`, Kayenta's effect-size question).
 * Either way a release without change fails a metric with probability at most its alpha, because
 * the evidence is what must be convincing. Without a failure a metric is either `ruled-out` (its
 * interval inside the tolerance on the harmful side) or `not-detected`, with the smallest effect the
 * data would have caught by now.
 */
import type { Assurance, Classification, Effect, FailureRule, Harm, MetricKind, VerdictCode } from '../types.ts';

/**
 * Default failure question per metric kind, chosen from the detection bench (`npm run bench --
 * detection`, docs/judging.md): at a small tenant's traffic the interval of a latency, ratio or
 * count effect cannot get beyond a 5–10% tolerance within an hour, so `interval` leaves real
 * regressions unacted on (order conversion −20%: 0 of 4 caught) while `estimate` catches them with
 * the same false-alarm bound. `interval` stays available for metrics where only a proven excess
 * should act.
 */
export const DEFAULT_FAILURE_RULE: Readonly<Record<MetricKind, FailureRule>> = {
  latency: 'estimate',
  gauge: 'estimate',
  ratio: 'estimate',
  count: 'estimate',
};

export function failureRuleOf(spec: { kind: MetricKind; failWhen?: FailureRule }): FailureRule {
  return spec.failWhen ?? DEFAULT_FAILURE_RULE[spec.kind];
}

export interface ClassifyInput {
  harm: Harm;
  /** allowed relative change, already scaled by the release class */
  tolerance: number;
  /** e-value (sequential) or 1/p (fixed) of a change on the harmful side */
  evidence: number;
  /** evidence needed to call a failure: 1 / per-metric alpha */
  threshold: number;
  /** interval of the relative effect at the per-metric alpha */
  effect: Effect;
  rule: FailureRule;
}

export interface Classified {
  classification: Classification;
  code: VerdictCode;
  assurance?: Assurance;
  detectable: number;
}

const EPS = 1e-9;

/**
 * Smallest harmful effect the data so far would call a failure with about even odds: an effect of
 * the interval's half-width on the harmful side puts the far end of the interval at zero, the point
 * where the evidence becomes convincing; and nothing within the tolerance is ever a failure.
 */
export function detectableEffect(harm: Harm, tolerance: number, effect: Effect): number {
  const up = effect.high - effect.relative;
  const down = effect.relative - effect.low;
  const halfWidth = harm === 'increase' ? up : harm === 'decrease' ? down : Math.max(up, down);
  return Math.max(tolerance, Number.isFinite(halfWidth) ? halfWidth : Number.POSITIVE_INFINITY);
}

/** The per-metric rule shared by both judges. */
export function classifyEffect(input: ClassifyInput): Classified {
  const { harm, tolerance, evidence, threshold, effect, rule } = input;
  const detectable = detectableEffect(harm, tolerance, effect);
  const convincing = evidence >= threshold;
  // Interval ends are parameters the test has rejected (the truth lies strictly inside), so an end
  // sitting exactly on the tolerance already puts the effect beyond it; EPS absorbs rounding.
  const intervalUp = effect.low >= tolerance - EPS;
  const intervalDown = effect.high <= -tolerance + EPS;
  const estimateUp = effect.relative > tolerance;
  const estimateDown = effect.relative < -tolerance;
  if (convincing && harm !== 'decrease' && (intervalUp || (rule === 'estimate' && estimateUp))) {
    return {
      classification: 'high',
      code: intervalUp ? 'interval-beyond-tolerance' : 'estimate-beyond-tolerance',
      detectable,
    };
  }
  if (convincing && harm !== 'increase' && (intervalDown || (rule === 'estimate' && estimateDown))) {
    return {
      classification: 'low',
      code: intervalDown ? 'interval-beyond-tolerance' : 'estimate-beyond-tolerance',
      detectable,
    };
  }
  const withinHigh = effect.high <= tolerance + EPS;
  const withinLow = effect.low >= -tolerance - EPS;
  const ruledOut = harm === 'increase' ? withinHigh : harm === 'decrease' ? withinLow : withinHigh && withinLow;
  if (ruledOut) return { classification: 'pass', code: 'within-tolerance', assurance: 'ruled-out', detectable };
  return { classification: 'undecided', code: 'not-detected', assurance: 'not-detected', detectable };
}
