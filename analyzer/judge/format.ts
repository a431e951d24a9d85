/** How effects and evidence are written in reasons (the explain stage, analyzer/judge/explain.ts). */
import type { Effect } from '../types.ts';

export const formatPercent = (x: number): string =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%` : x > 0 ? '+∞' : '−∞';

export const formatEffect = (e: Effect): string =>
  `${formatPercent(e.relative)} [${formatPercent(e.low)}, ${formatPercent(e.high)}]`;

export function formatEvidence(e: number): string {
  if (!Number.isFinite(e)) return e > 0 ? '∞' : '0';
  if (e >= 1e4) return e.toExponential(1);
  return e >= 10 ? e.toFixed(0) : e.toFixed(2);
}
