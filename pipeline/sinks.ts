/**
 * Simple verdict sinks. The metrics sink counts verdicts by decision for this process (the gate
 * serves `/metrics`; this is what it can read). Replayed verdicts (already stored by an earlier
 * run) are not counted again, so a restart does not inflate the counts of the process that
 * replays.
 */
import type { Decision, Verdict } from '../analyzer/index.ts';
import type { VerdictDelivery, VerdictSink } from './types.ts';

export const DECISIONS: readonly Decision[] = ['continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive'];

export interface MetricsSink extends VerdictSink {
  /** verdicts seen per decision (every decision present, zeros included) */
  counts(): Record<Decision, number>;
  /** decision changes per decision (a verdict whose decision differs from the previous one) */
  changes(): Record<Decision, number>;
  /** the latest verdict per release id */
  latest(): ReadonlyMap<string, Verdict>;
}

const zeros = (): Record<Decision, number> =>
  Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;

export function createMetricsSink(name = 'metrics'): MetricsSink {
  const counts = zeros();
  const changes = zeros();
  const latest = new Map<string, Verdict>();
  return {
    name,
    async onVerdict(verdict: Verdict, previous: Verdict | undefined, _record, delivery?: VerdictDelivery) {
      latest.set(verdict.releaseId, verdict);
      if (delivery?.replayed) return;
      // an unknown decision string is counted under its own name rather than dropped
      counts[verdict.decision] = (counts[verdict.decision] ?? 0) + 1;
      if (previous?.decision !== verdict.decision) changes[verdict.decision] = (changes[verdict.decision] ?? 0) + 1;
    },
    counts: () => ({ ...counts }),
    changes: () => ({ ...changes }),
    latest: () => latest,
  };
}
