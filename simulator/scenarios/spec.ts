/**
 * The `AnalysisSpec` describing a generated scenario: the release and the four metrics a retail
 * canary is judged on. Tolerances follow the issue: checkout latency may move 5%, stock reservation
 * 10%, error ratio 20%, orders 10%. All four are critical: each is a signal a retail platform rolls
 * back on by itself (slow checkout and missing orders lose money; slow reservations oversell), and
 * with four metrics one non-critical failure would leave the score at 83, above the marginal 75.
 */
import type { AnalysisSpec, MetricSpec } from '../../analyzer/types.ts';
import { METRIC } from './regressions.ts';
import type { ResolvedOptions } from './options.ts';

export const SCENARIO_METRICS: readonly MetricSpec[] = [
  { name: METRIC.checkoutLatency, group: 'application', kind: 'latency', harm: 'increase', tolerance: 0.05, critical: true },
  { name: METRIC.stockLatency, group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1, critical: true },
  {
    name: METRIC.errorRatio, group: 'ingress', kind: 'ratio', harm: 'increase', tolerance: 0.2, critical: true,
    numerator: METRIC.httpErrors, denominator: METRIC.httpRequests,
  },
  // exposure: orders are compared per request served, so the traffic split does not read as a drop
  { name: METRIC.orders, group: 'business', kind: 'count', harm: 'decrease', tolerance: 0.1, critical: true, exposure: METRIC.httpRequests },
];

export function scenarioSpec(o: ResolvedOptions, canaryShare: number): AnalysisSpec {
  return {
    release: {
      id: `sim-${o.seed}-${o.regression}`,
      service: 'odoo-web',
      version: '17.0.42',
      baselineVersion: '17.0.41',
      environment: 'simulated',
      strategy: 'canary',
      class: 'standard',
      startedAt: o.startedAt,
      canaryWeight: canaryShare,
    },
    // copies, so a caller tweaking one scenario's spec cannot change the next one's
    metrics: SCENARIO_METRICS.map((m) => ({ ...m })),
    policy: { alpha: o.alpha, observeMs: o.durationMinutes * 60_000 },
  };
}
