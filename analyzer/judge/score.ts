import type { MetricSpec, MetricVerdict } from '../types.ts';

/** Classifications that count as judged (Kayenta leaves NoData out of the denominator). */
const JUDGED = new Set(['pass', 'high', 'low', 'undecided']);
const HEALTHY = new Set(['pass', 'undecided']);

/**
 * Grouped, weighted release score in 0..100, as Kayenta's `WeightedSumScorer`: within a group,
 * the weighted share of judged metrics that did not fail; across groups, the mean of group scores
 * weighted by `groupWeights` (default 1). Metrics without data or in error are left out of the
 * denominators — the decision rule, not the score, refuses to promote on missing data.
 * An undecided metric (sequential judge, no harm shown yet) counts as healthy.
 */
export function scoreRelease(
  verdicts: readonly MetricVerdict[],
  specs: ReadonlyMap<string, MetricSpec>,
  groupWeights: Readonly<Record<string, number>> = {},
): number {
  const groups = new Map<string, { judged: number; healthy: number }>();
  for (const verdict of verdicts) {
    if (!JUDGED.has(verdict.classification)) continue;
    const spec = specs.get(verdict.metric);
    const group = spec?.group ?? 'default';
    const weight = spec?.weight ?? 1;
    const entry = groups.get(group) ?? { judged: 0, healthy: 0 };
    entry.judged += weight;
    if (HEALTHY.has(verdict.classification)) entry.healthy += weight;
    groups.set(group, entry);
  }
  let total = 0;
  let weightSum = 0;
  for (const [group, { judged, healthy }] of groups) {
    const groupWeight = groupWeights[group] ?? 1;
    if (judged === 0 || groupWeight === 0) continue;
    total += groupWeight * (healthy / judged);
    weightSum += groupWeight;
  }
  return weightSum === 0 ? 0 : Math.round((1000 * total) / weightSum) / 10;
}
