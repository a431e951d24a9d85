/**
 * Business impact avoided by stopping a release: what the regression would have cost had the
 * release run on to the end of its observation window instead of being stopped at detection.
 *
 * At the first stopping verdict V (decision rollback or reduce-traffic) of a release:
 *   w  = release.canaryWeight — the canary's traffic share at detection; 1 when the strategy has
 *        no split (before-after, rolling: all traffic runs the new version) or no weight is given;
 *   s  = w for a rollback (the canary goes to 0), w/2 for reduce-traffic (the gate's Traefik
 *        action halves the weight; docker-compose.yml);
 *   e  = V.policy.observedFor — time observed before detection (ms);
 *   W  = the release class's observation window (resolvePolicy(class, spec.policy).observeMs);
 *   R  = max(0, W − e) — the rest of the window the canary would have kept running.
 *
 *   checkout minutes protected = s × R / 60 000
 *       (full-traffic-equivalent minutes of checkout that did not run on the regressed version);
 *
 *   orders protected = max over V's business count metrics with harm "decrease"/"either"
 *                      classified "low" of   (n.baseline + n.canary) / e × s × |effect.high| × R
 *       where (n.baseline + n.canary) / e is the metric's event rate in both cohorts (events per
 *       ms; for count metrics `n` is the event count), s of it ran on the canary, and |effect.high|
 *       is the end of the confidence interval nearest zero: the smallest loss consistent with the
 *       data, so the figure is a lower bound, never inflated. The max, not the sum, because order
 *       metrics (created, confirmed) measure the same orders twice.
 */
import { resolvePolicy, UnknownReleaseClassError } from '../../analyzer/index.ts';
import type { MetricSpec, Verdict } from '../../analyzer/index.ts';
import type { ScorecardReleaseRecord } from './types.ts';

const MINUTE = 60_000;

export interface Impact {
  ordersProtected: number;
  checkoutMinutesProtected: number;
  /** set when the release class is unknown (no window, impact counted as 0) */
  warning?: string;
}

export function impactAvoided(record: ScorecardReleaseRecord, stop: Verdict): Impact {
  const { release, spec } = record;
  let windowMs: number;
  try {
    windowMs = resolvePolicy(release.class, spec.policy ?? {}).observeMs;
  } catch (err) {
    if (!(err instanceof UnknownReleaseClassError)) throw err;
    return {
      ordersProtected: 0,
      checkoutMinutesProtected: 0,
      warning: `release ${release.id}: ${err.message}; impact not estimated`,
    };
  }
  const w = release.canaryWeight ?? 1;
  const share = stop.decision === 'rollback' ? w : stop.decision === 'reduce-traffic' ? w / 2 : 0;
  const observed = stop.policy.observedFor;
  const remaining = Math.max(0, windowMs - observed);

  const specs = new Map<string, MetricSpec>(spec.metrics.map((m) => [m.name, m]));
  let ordersProtected = 0;
  if (observed > 0) {
    for (const m of stop.metrics) {
      const s = specs.get(m.metric);
      if (!s || s.group !== 'business' || s.kind !== 'count' || s.harm === 'increase' || m.classification !== 'low')
        continue;
      const ratePerMs = (m.n.baseline + m.n.canary) / observed;
      const loss = Math.abs(Math.min(0, m.effect.high));
      ordersProtected = Math.max(ordersProtected, ratePerMs * share * loss * remaining);
    }
  }
  return { ordersProtected, checkoutMinutesProtected: (share * remaining) / MINUTE };
}
