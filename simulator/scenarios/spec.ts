/**
 * The `AnalysisSpec` describing a generated scenario: the release and the four metrics a retail
 * canary is judged on. Tolerances follow the issue: checkout latency may move 5%, stock reservation
 * 10%, error ratio 20%, orders 10%. All four are critical: each is a signal a retail platform rolls
 * back on by itself (slow checkout and missing orders lose money; slow reservations oversell), and
 * with four metrics one non-critical failure would leave the score at 83, above the marginal 75.
 */
import type { AnalysisSpec, MetricSpec } from '../../analyzer/types.ts';
import { METRIC } from './regressions.ts';
import type { ResolvedOptions, ScenarioOptions } from './options.ts';

export const SCENARIO_METRICS: readonly MetricSpec[] = [
  {
    name: METRIC.checkoutLatency,
    group: 'application',
    kind: 'latency',
    harm: 'increase',
    tolerance: 0.05,
    critical: true,
  },
  { name: METRIC.stockLatency, group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1, critical: true },
  {
    name: METRIC.errorRatio,
    group: 'ingress',
    kind: 'ratio',
    harm: 'increase',
    tolerance: 0.2,
    critical: true,
    numerator: METRIC.httpErrors,
    denominator: METRIC.httpRequests,
  },
  // exposure: orders are compared per request served, so the traffic split does not read as a drop
  {
    name: METRIC.orders,
    group: 'business',
    kind: 'count',
    harm: 'decrease',
    tolerance: 0.1,
    critical: true,
    exposure: METRIC.httpRequests,
  },
];

/**
 * A small retail tenant as rollouts meet it: about 50 checkout requests a minute per cohort at a
 * 50/50 split, 1% errors, 30% of requests confirming an order. Its spec is the one a platform
 * team writes: checkout latency (5%) and the error ratio (10%) critical; orders per request (5%)
 * and stock reservation latency (10%) non-critical business signals. At this traffic no 5–10%
 * tolerance can be proven within an hour, which is what the decision rule must live with.
 */
export const SMALL_TENANT: Readonly<{ options: Partial<ScenarioOptions>; metrics: readonly MetricSpec[] }> = {
  options: {
    canaryShare: 0.5,
    httpRequestsPerMinute: 100,
    checkoutPerMinute: 96,
    stockPerMinute: 30,
    errorRatio: 0.01,
    conversion: 0.3,
  },
  metrics: [
    {
      name: METRIC.checkoutLatency,
      group: 'application',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.05,
      critical: true,
    },
    {
      name: METRIC.errorRatio,
      group: 'ingress',
      kind: 'ratio',
      harm: 'increase',
      tolerance: 0.1,
      critical: true,
      numerator: METRIC.httpErrors,
      denominator: METRIC.httpRequests,
    },
    {
      name: METRIC.orders,
      group: 'business',
      kind: 'count',
      harm: 'decrease',
      tolerance: 0.05,
      exposure: METRIC.httpRequests,
    },
    { name: METRIC.stockLatency, group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.1 },
  ],
};

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
    metrics: (o.metrics ?? SCENARIO_METRICS).map((m) => ({ ...m })),
    policy: { alpha: o.alpha, observeMs: o.durationMinutes * 60_000 },
  };
}
