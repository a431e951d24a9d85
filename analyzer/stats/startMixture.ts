/**
 * Mixture over start times for products of per-batch e-values — how an anytime-valid test keeps
 * its power when a regression starts after the release did.
 *
 * A plain product Π_t e_t bets from the first batch on: if the canary is healthy for ten minutes and
 * then regresses, the bets lost in those ten minutes must be won back first. Instead, for every
 * start s let M^(s)_t = Π_{s≤u≤t} e_u (and 1 before s); each is a test supermartingale when every
 * e_u has conditional expectation ≤ 1, so any fixed mixture E_t = Σ_s w_s M^(s)_t with Σ w_s = 1 is
 * one too (Ville's inequality applies; Shin, Ramdas & Rinaldo 2024, "E-detectors: a nonparametric
 * framework for sequential change detection", use the same family for detection). With
 * w_s = 1 / ((s + 1)(s + 2)) the mixture has an O(1) recursion: R_t = e_t · (R_{t−1} + w_t) holds
 * the started terms and the not-yet-started ones add Σ_{s>t} w_s = 1 / (t + 2). A regression that
 * starts at batch s costs log(1/w_s) ≈ 2 log s nats of evidence (log 2 at the start).
 *
 * Logs are kept; `EMPTY` stands for log 0 (JSON has no −Infinity).
 *
 * @example
 * let logR = EMPTY;
 * logR = advanceStartMixture(logR, logEOfBatch0, 0);
 * Math.exp(startMixtureLogEvidence(logR, 1)); // the e-value after one batch
 */
export const EMPTY = -1e9;

export function logAddExp(a: number, b: number): number {
  if (a === b) return a + Math.LN2;
  const max = Math.max(a, b);
  const gap = Math.min(a, b) - max;
  // Past FAR_GAP the correction log1p(e^gap) ≤ e^−40 ≈ 4.3e-18 is below half an ulp of any
  // |max| ≥ NOT_TINY (≥ 0.125 · 2^−54 ≈ 6.9e-18), so max + correction rounds to max: returning max
  // is the same number, without the exp and log1p. The e-processes hit this all the time: a row's
  // hopeless side sits far below the batch's start weight, a rejected side far above it.
  if (gap < FAR_GAP && (max >= NOT_TINY || max <= -NOT_TINY)) return max;
  return max + Math.log1p(Math.exp(gap));
}
const FAR_GAP = -40;
const NOT_TINY = 0.125;

/** Closes batch `t` (0-based) with its log e-value. */
export function advanceStartMixture(logR: number, logEBatch: number, t: number): number {
  return advanceWithLogWeight(logR, logEBatch, startLogWeight(t));
}

/** log w_t, the weight of the start at batch t (0-based): computed once per batch when many e-processes close it */
export const startLogWeight = (t: number): number => -Math.log((t + 1) * (t + 2));

/** `advanceStartMixture` given `startLogWeight(t)` */
export function advanceWithLogWeight(logR: number, logEBatch: number, logWeight: number): number {
  return Math.max(EMPTY, logEBatch + logAddExp(logR, logWeight));
}

/** log E_t after `closed` batches: started terms plus the weight of starts still to come. */
export function startMixtureLogEvidence(logR: number, closed: number): number {
  return logAddExp(logR, -Math.log(closed + 1));
}

/**
 * log of the equal-weight mixture, over `count` tilts, of log E_t after `closed` batches:
 * (1/m) Σ_k (R_k + 1/(closed + 1)) = mean_k R_k + 1/(closed + 1), with R_k = exp(logR[from + k]).
 * Equal to averaging `startMixtureLogEvidence` over the tilts, with one logarithm and m
 * exponentials instead of m log-sum-exps: the look reads this for every grid shift.
 */
export function meanStartMixtureLogEvidence(
  logR: ArrayLike<number>,
  from: number,
  count: number,
  closed: number,
): number {
  return meanLogEvidenceWithTail(logR, from, count, -Math.log(closed + 1));
}

/** `meanStartMixtureLogEvidence` with the weight of the starts still to come given by its log */
export function meanLogEvidenceWithTail(logR: ArrayLike<number>, from: number, count: number, logTail: number): number {
  let max = -Infinity;
  for (let k = from; k < from + count; k++) if (logR[k] > max) max = logR[k];
  let sum = 0;
  for (let k = from; k < from + count; k++) sum += Math.exp(logR[k] - max);
  return logAddExp(max + Math.log(sum / count), logTail);
}
