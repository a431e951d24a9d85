import type { Decision, MetricVerdict } from '../types.ts';
import type { ReleaseClassPolicy } from './releaseClasses.ts';

export interface DecisionInput {
  metrics: readonly MetricVerdict[];
  score: number;
  policy: ReleaseClassPolicy;
  /** ms since the release started */
  observedFor: number;
  /** 'fixed': Kayenta-class judge, never promotes early; 'sequential': may promote early */
  mode: 'fixed' | 'sequential';
  /**
   * metrics whose data stopped coming (no input for a cohort in the last interval), as reasons:
   * they withhold a promotion — before the window's end the release continues, at the end it is
   * inconclusive — but never cause a rollback by themselves (their earlier evidence still counts)
   */
  stale?: readonly string[];
}

export interface DecisionOutcome {
  decision: Decision;
  reasons: string[];
}

const isFailure = (m: MetricVerdict): boolean => m.classification === 'high' || m.classification === 'low';
const isMissing = (m: MetricVerdict): boolean => m.classification === 'nodata' || m.classification === 'error';

/**
 * The release-level decision rule: what a rollout controller is told. Rows are tried in order;
 * the first that matches decides. "Failure" is a metric whose harm is established (classify stage,
 * analyzer/judge/rules.ts); "end" is `observedFor ≥ observeMs`.
 *
 * | # | when                                                                 | decision        |
 * |---|----------------------------------------------------------------------|-----------------|
 * | 1 | a critical failure (a critical metric failed, or an SLO breach)      | rollback        |
 * | 2 | a failure and score < marginalScore                                  | rollback        |
 * | 3 | a failure, before the end                                            | reduce-traffic  |
 * | 4 | a failure at the end, score ≥ passScore                              | promote         |
 * | 5 | a failure at the end, score < passScore                              | rollback        |
 * | 6 | before the end, sequential, every metric ruled out, ≥ minObserveMs,  | promote         |
 * |   | no stale data                                                        |                 |
 * | 7 | before the end, otherwise (warming up, observing, data missing)      | continue        |
 * | 8 | at the end, a metric without data, in error, or stale                | inconclusive    |
 * | 9 | at the end, the class requires `ruled-out` for critical metrics and  | inconclusive    |
 * |   | one is only `not-detected`                                           |                 |
 * |10 | at the end, otherwise (no harm found, fresh data)                    | promote         |
 *
 * So proven harm is never `inconclusive` and never merely `continue`; `inconclusive` is kept for
 * what a person must look at — missing or stale data, or a precision the release class demands
 * that the traffic did not reach (governance holds — backups, approvals — are added by the gate).
 * The marginal edge: a score exactly at `marginalScore` is not below it (row 3 or 5, not row 2);
 * a score exactly at `passScore` reaches it (row 4). Never promote on missing data: rows 6 and 10
 * need every metric judged and fresh.
 */
export function decide(input: DecisionInput): DecisionOutcome {
  const { metrics, score, policy, observedFor, mode } = input;
  const stale = input.stale ?? [];
  const failures = metrics.filter(isFailure);
  const critical = failures.filter((m) => m.criticalFailure ?? m.critical);
  const missing = metrics.filter(isMissing);
  const atEnd = observedFor >= policy.observeMs;
  const because = (list: readonly MetricVerdict[]): string[] => list.map((m) => `${m.metric}: ${m.reason}`);
  const failureReasons = because(failures);

  if (critical.length > 0) {
    return {
      decision: 'rollback',
      reasons: [`critical failure in ${critical.map((m) => m.metric).join(', ')}`, ...failureReasons],
    };
  }
  if (failures.length > 0) {
    const names = failures.map((m) => m.metric).join(', ');
    if (score < policy.marginalScore) {
      return {
        decision: 'rollback',
        reasons: [
          `harm established in ${names}; score ${score} below marginal ${policy.marginalScore}`,
          ...failureReasons,
        ],
      };
    }
    if (!atEnd) {
      return {
        decision: 'reduce-traffic',
        reasons: [
          `harm established in ${names} (score ${score}); rollback at the window's end unless the score reaches ${policy.passScore}`,
          ...failureReasons,
        ],
      };
    }
    if (score >= policy.passScore) {
      return {
        decision: 'promote',
        reasons: [`score ${score} ≥ ${policy.passScore} despite minor failures in ${names}`, ...failureReasons],
      };
    }
    return {
      decision: 'rollback',
      reasons: [
        `harm established in ${names}; score ${score} below pass ${policy.passScore} at the window's end`,
        ...failureReasons,
      ],
    };
  }

  const missingReasons = because(missing);
  if (!atEnd) {
    const allRuledOut = metrics.length > 0 && metrics.every((m) => m.classification === 'pass');
    if (mode === 'sequential' && allRuledOut && observedFor >= policy.minObserveMs) {
      if (stale.length === 0)
        return { decision: 'promote', reasons: ['every metric is within its tolerance (harm ruled out)'] };
      return {
        decision: 'continue',
        reasons: ['every metric is within its tolerance, but promotion waits for fresh data', ...stale],
      };
    }
    const reasons = [...missingReasons, ...stale];
    const minutes = `${Math.round(observedFor / 60_000)} of ${Math.round(policy.observeMs / 60_000)} min`;
    if (reasons.length === 0) reasons.push(`observing: no harm found so far, ${minutes}`);
    else reasons.unshift(`observing, ${minutes}`);
    return { decision: 'continue', reasons };
  }

  if (missing.length > 0 || stale.length > 0) {
    return {
      decision: 'inconclusive',
      reasons: ['observation window ended with missing data', ...missingReasons, ...stale],
    };
  }
  if (policy.requireRuledOut) {
    const unproven = metrics.filter((m) => (m.declaredCritical ?? false) && m.assurance !== 'ruled-out');
    if (unproven.length > 0) {
      return {
        decision: 'inconclusive',
        reasons: [
          'the release class requires harm ruled out on its critical metrics; the traffic did not reach that precision',
          ...because(unproven),
        ],
      };
    }
  }
  const notDetected = metrics.filter((m) => m.assurance === 'not-detected');
  return {
    decision: 'promote',
    reasons:
      notDetected.length === 0
        ? ['observation window ended with every metric within its tolerance (harm ruled out)']
        : [
            `observation window ended with no harm found (${notDetected.length} metric(s) not ruled out, see each metric's detectable effect)`,
          ],
  };
}
