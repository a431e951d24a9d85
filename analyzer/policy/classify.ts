import type { Classification, Effect, Harm } from '../types.ts';

export interface IntervalRule {
  harm: Harm;
  /** allowed relative change, already scaled by the release class */
  tolerance: number;
  /** e-value in the harmful direction ('either': two-sided) */
  evidence: number;
  /** evidence needed to call a failure: 1 / per-metric alpha */
  threshold: number;
  /** confidence sequence of the relative effect at the per-metric alpha */
  effect: Effect;
}

const EPS = 1e-9;

export const formatPercent = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%` : x > 0 ? '+∞' : '−∞';

export const formatEffect = (e: Effect): string => `${formatPercent(e.relative)} [${formatPercent(e.low)}, ${formatPercent(e.high)}]`;

/**
 * The sequential judge's per-metric rule (DESIGN.md, "Statistics"): a metric fails only when its
 * evidence crosses the threshold AND its effect's interval lies beyond the tolerance on the harmful
 * side; it passes when the interval lies within the tolerance on that side; otherwise it is
 * undecided. Requiring both keeps a statistically clear but practically irrelevant shift (a large
 * release's +1% latency) from rolling anything back.
 */
export function classifyByInterval(rule: IntervalRule): { classification: Classification; reason: string } {
  const { harm, tolerance, evidence, threshold, effect } = rule;
  const shown = `${formatEffect(effect)}, evidence ${formatEvidence(evidence)} (needs ${formatEvidence(threshold)})`;
  // Interval ends are parameters an e-process has rejected (the truth lies strictly inside), so an
  // end sitting exactly on the tolerance already puts the effect beyond it; EPS absorbs rounding.
  const beyondHigh = effect.low >= tolerance - EPS;
  const beyondLow = effect.high <= -tolerance + EPS;
  const convincing = evidence >= threshold;
  if (harm !== 'decrease' && convincing && beyondHigh) return { classification: 'high', reason: `${shown}: higher than tolerance ${formatPercent(tolerance)}` };
  if (harm !== 'increase' && convincing && beyondLow) return { classification: 'low', reason: `${shown}: lower than tolerance ${formatPercent(-tolerance)}` };
  const withinHigh = effect.high <= tolerance + EPS;
  const withinLow = effect.low >= -tolerance - EPS;
  const passed = harm === 'increase' ? withinHigh : harm === 'decrease' ? withinLow : withinHigh && withinLow;
  if (passed) return { classification: 'pass', reason: `${shown}: within tolerance ${formatPercent(tolerance)}` };
  return { classification: 'undecided', reason: `${shown}: not yet conclusive` };
}

export function formatEvidence(e: number): string {
  if (!Number.isFinite(e)) return e > 0 ? '∞' : '0';
  if (e >= 1e4) return e.toExponential(1);
  return e >= 10 ? e.toFixed(0) : e.toFixed(2);
}
