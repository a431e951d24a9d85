/**
 * The explain stage: turns a classified metric (its code and statistics) into the one line a
 * person reads in `reason`. Only text is made here; no decision ever reads it back.
 */
import type { Effect, Harm, VerdictCode } from '../types.ts';
import { formatEffect, formatEvidence, formatPercent } from './format.ts';

export interface Explained {
  code: VerdictCode;
  harm: Harm;
  tolerance: number;
  effect: Effect;
  evidence: number;
  threshold: number;
  /** 'high' or 'low' for failures */
  direction?: 'high' | 'low';
  detectable?: number;
  /** how the evidence is written: e-value (sequential) or p-value (fixed) */
  evidenceStyle: 'e-value' | 'p-value';
}

export function explain(x: Explained): string {
  const evidence =
    x.evidenceStyle === 'p-value'
      ? `p=${(1 / Math.max(x.evidence, 1)).toPrecision(3)} (alpha ${(1 / x.threshold).toPrecision(3)})`
      : `evidence ${formatEvidence(x.evidence)} (needs ${formatEvidence(x.threshold)})`;
  const shown = `${formatEffect(x.effect)}, ${evidence}`;
  const side =
    x.direction === 'low'
      ? `lower than tolerance ${formatPercent(-x.tolerance)}`
      : `higher than tolerance ${formatPercent(x.tolerance)}`;
  switch (x.code) {
    case 'interval-beyond-tolerance':
      return `${shown}: ${side}`;
    case 'estimate-beyond-tolerance':
      return `${shown}: ${side} (point estimate; the change itself is proven)`;
    case 'within-tolerance':
      return `${shown}: within tolerance ${formatPercent(x.tolerance)} (harm ruled out)`;
    case 'not-detected':
      return `${shown}: no harm detected; effects from ${formatPercent(x.detectable ?? Number.NaN).replace('+', '')} would have been caught`;
    case 'harmless-change':
      return `${shown}: changed in the harmless direction`;
    default:
      return shown;
  }
}
