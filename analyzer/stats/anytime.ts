/**
 * The seam between the sequential statistics and the engine (types only).
 *
 * An anytime-valid test keeps bounded, JSON-serialisable state, is updated with each batch of
 * observations, and may be read after every update: its `evidence` is an e-process (its value
 * exceeds 1/alpha with probability at most alpha, at any stopping time, when the null holds), and
 * its `effect` is a confidence sequence (it covers the true effect at all times simultaneously with
 * probability at least 1 - alpha).
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** A relative effect canary vs baseline: 0.18 means canary is 18% higher. */
export interface EffectInterval {
  estimate: number;
  low: number;
  high: number;
}

export interface AnytimeTest<State> {
  /** e-value against "no difference"; 'greater' = canary higher than baseline */
  evidence(alternative: Alternative): number;
  /**
   * time-uniform confidence bounds for the relative effect: each end alone holds at all times with
   * probability ≥ 1 − alpha (the interval as a whole is a (1 − 2·alpha) confidence sequence). The
   * judge's decisions are one-sided — a failure reads only the end on the harmful side, a pass only
   * the other — so each decision's error stays ≤ alpha.
   */
  effect(alpha: number): EffectInterval;
  /** observations so far per cohort (events for count tests, observations for distributions) */
  readonly n: { baseline: number; canary: number };
  /** JSON-serialisable state; `restore(snapshot)` on the test's factory gives an equal test */
  snapshot(): State;
}
