import { classifyFixed, decide, resolvePolicy, scoreRelease, type MetricSpec } from '../analyzer/index.ts';
import { bestOf, lognormal, seeded } from './timing.ts';

/**
 * One fixed-horizon judgement of a 50-metric release with 10,000 samples per cohort per metric
 * (the `analyze` path): Mann-Whitney + Hodges-Lehmann on each, score and decision.
 */
export async function run({ quick }: { quick: boolean }): Promise<Record<string, unknown>> {
  const metricsCount = 50;
  const perCohort = quick ? 2_000 : 10_000;
  const random = seeded(42);
  const specs: MetricSpec[] = [];
  const data: { baseline: Float64Array; canary: Float64Array }[] = [];
  for (let i = 0; i < metricsCount; i++) {
    specs.push({
      name: `metric_${i}`,
      group: i % 2 ? 'business' : 'application',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.1,
    });
    const baseline = new Float64Array(perCohort).map(() => lognormal(random, 0.3, 0.6));
    const canary = new Float64Array(perCohort).map(() => lognormal(random, i === 7 ? 0.39 : 0.3, 0.6));
    data.push({ baseline, canary });
  }
  const policy = resolvePolicy('standard');
  const context = { alpha: policy.alpha / metricsCount, minSamples: policy.minSamples };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const { ms, result } = bestOf(quick ? 2 : 5, () => {
    const verdicts = specs.map((spec, i) => classifyFixed(spec, { shape: 'values', ...data[i] }, context));
    const score = scoreRelease(verdicts, byName);
    return decide({ metrics: verdicts, score, policy, observedFor: policy.observeMs, mode: 'fixed' });
  });
  console.log(
    `fixed-horizon judgement: ${metricsCount} metrics × ${perCohort.toLocaleString('en-US')} samples per cohort: ${ms.toFixed(1)} ms (decision ${result.decision})`,
  );
  return {
    metrics: metricsCount,
    samplesPerCohort: perCohort,
    judgementMs: Number(ms.toFixed(2)),
    decision: result.decision,
  };
}
