/**
 * The classify and explain stages as both judges call them: from a metric's effect interval and
 * evidence to the verdict fields that say what happened (classification, code, assurance,
 * detectable, critical failure) and the line a person reads.
 */
import type { Effect, MetricSpec, MetricVerdict } from '../types.ts';
import { explain } from './explain.ts';
import { classifyEffect, failureRuleOf } from './rules.ts';

/** JSON has no Infinity: an effect nothing could have detected is written as 1e9 (10^11 %). */
const UNBOUNDED = 1e9;

export type ClassifiedFields = Pick<
  MetricVerdict,
  'classification' | 'code' | 'assurance' | 'detectable' | 'criticalFailure' | 'critical' | 'reason'
>;

export function classifyAndExplain(input: {
  spec: Pick<MetricSpec, 'harm' | 'tolerance' | 'critical' | 'kind' | 'failWhen'>;
  effect: Effect;
  evidence: number;
  /** 1 / the metric's alpha */
  threshold: number;
  evidenceStyle: 'e-value' | 'p-value';
}): ClassifiedFields {
  const { spec, effect, evidence, threshold, evidenceStyle } = input;
  const { harm, tolerance } = spec;
  const { classification, code, assurance, detectable } = classifyEffect({
    harm,
    tolerance,
    evidence,
    threshold,
    effect,
    rule: failureRuleOf(spec),
  });
  const failed = classification === 'high' || classification === 'low';
  const criticalFailure = failed && spec.critical === true;
  return {
    classification,
    code,
    ...(assurance ? { assurance } : {}),
    detectable: Number.isFinite(detectable) ? detectable : UNBOUNDED,
    criticalFailure,
    critical: criticalFailure,
    reason: explain({
      code,
      harm,
      tolerance,
      effect,
      evidence,
      threshold,
      detectable,
      evidenceStyle,
      ...(failed ? { direction: classification } : {}),
    }),
  };
}
