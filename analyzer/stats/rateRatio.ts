import type { Alternative, AnytimeTest, EffectInterval } from './anytime.ts';
import { StatsInputError } from './errors.ts';

/** A rate-ratio test: an `AnytimeTest` fed per-batch counts (see `createRateRatioTest`). */
export interface RateRatioTest extends AnytimeTest<RateRatioState> {
  /** add one batch: events of each cohort, and the canary's share of traffic in that batch */
  update(canaryCount: number, baselineCount: number, canaryShare: number): void;
  /** natural log of `evidence(alternative)`, finite even when the evidence overflows */
  logEvidence(alternative: Alternative): number;
}

export interface RateRatioOptions {
  /** sd of the normal prior on log ρ behind the grid weights, or several for an equal mixture (default [0.15, 1]) */
  priorSd?: number | readonly number[];
}

/** JSON-serialisable state; `restoreRateRatioTest(state)` rebuilds an identical test. */
export interface RateRatioState {
  version: 1;
  priorSd: number | number[];
  /** events counted so far per cohort */
  canary: number;
  baseline: number;
  /** batches fed so far, including empty ones */
  batches: number;
  /** ℓ_k: accumulated log-likelihood ratio of ρ_k vs ρ = 1, one per grid point */
  logLikelihood: number[];
}

const FN = 'rateRatioTest';
const HALF = 100;
const SIZE = 2 * HALF + 1;
const HALF_WIDTH = 3;
const CENTRE_SPACING = 0.005;

/** log ρ grid: θ_k = a sinh(b k / HALF) with θ_{±HALF} = ±HALF_WIDTH and spacing CENTRE_SPACING at 0. */
const THETA = ((): Float64Array => {
  // sinh(b) / b = HALF_WIDTH / (CENTRE_SPACING · HALF); the left side increases in b
  const target = HALF_WIDTH / (CENTRE_SPACING * HALF);
  let lo = 1e-6;
  let hi = 50;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (Math.sinh(mid) / mid < target) lo = mid;
    else hi = mid;
  }
  const b = (lo + hi) / 2;
  const a = HALF_WIDTH / Math.sinh(b);
  const theta = new Float64Array(SIZE);
  for (let k = 1; k <= HALF; k++) {
    const value = k === HALF ? HALF_WIDTH : a * Math.sinh((b * k) / HALF);
    theta[HALF + k] = value;
    theta[HALF - k] = -value;
  }
  return theta;
})();
const RHO_MINUS_ONE = THETA.map(Math.expm1);

interface Weights {
  /** normalised log weights of the whole grid */
  log: Float64Array;
  /** log of the total weight of the ρ > 1 and ρ < 1 halves */
  logUpper: number;
  logLower: number;
}

function priorWeights(priorSd: number | readonly number[]): Weights {
  const sds = typeof priorSd === 'number' ? [priorSd] : priorSd;
  const raw = new Float64Array(SIZE);
  for (let k = 0; k < SIZE; k++) {
    const left = THETA[Math.max(k - 1, 0)];
    const right = THETA[Math.min(k + 1, SIZE - 1)];
    let density = 0;
    for (const sd of sds) {
      const z = THETA[k] / sd;
      density += Math.exp(-0.5 * z * z) / sd;
    }
    raw[k] = density * ((right - left) / 2);
  }
  let total = 0;
  let upper = 0;
  let lower = 0;
  for (let k = 0; k < SIZE; k++) {
    total += raw[k];
    if (k > HALF) upper += raw[k];
    if (k < HALF) lower += raw[k];
  }
  const log = raw.map((w) => Math.log(w / total));
  return { log, logUpper: Math.log(upper / total), logLower: Math.log(lower / total) };
}

function checkPriorSd(priorSd: unknown): number | number[] {
  const ok = (x: unknown) => typeof x === 'number' && x > 0 && Number.isFinite(x);
  if (Array.isArray(priorSd) && priorSd.length > 0 && priorSd.every(ok)) return [...priorSd] as number[];
  if (!ok(priorSd)) {
    throw new StatsInputError(
      FN,
      `priorSd must be a finite positive number or a non-empty list of them, got ${String(priorSd)}`,
    );
  }
  return priorSd as number;
}

/**
 * Default prior: an equal mixture of normals on log ρ with sd 0.15 and 1. The narrow component
 * is tuned to the 5–20% tolerances decided on thousands of events (Howard et al.'s `best_rho`
 * for intrinsic time in the hundreds), the wide one to outages (error ratio ×3 is log ρ ≈ 1.1,
 * which a single sd-0.15 prior would price at ~27 nats); each regime pays at most log 2 for the other.
 */
const DEFAULT_PRIOR_SD: readonly number[] = [0.15, 1];

/**
 * Anytime-valid test and confidence sequence for the canary/baseline rate ratio ρ of a count
 * metric, fed one batch (e.g. one minute) at a time.
 *
 * Model (Lindon, Sanden & Shirikian 2022, "Rapid Regression Detection in Software Deployments
 * through Sequential Testing", KDD): in batch i each cohort's count is Poisson with a rate
 * proportional to its traffic share, so given the batch total N_i = xc_i + xb_i,
 *   xc_i ~ Binomial(N_i, p_i),  p_i = ρ s_i / (ρ s_i + 1 − s_i),  s_i = canary share of traffic.
 * The shared (unknown, time-varying) base rate cancels in the conditioning. Against ρ = 1 the
 * batch's likelihood ratio is exp(xc_i log ρ − N_i log(1 + s_i (ρ − 1))), so for each ρ_k on a
 * fixed grid the state keeps ℓ_k = Σ_i [xc_i log ρ_k − N_i log1p(s_i (ρ_k − 1))].
 *
 * Evidence: E = Σ_k w_k exp(ℓ_k), a mixture of likelihood ratios with fixed weights, hence a
 * nonnegative martingale with E[E] = 1 under ρ = 1 however the shares s_i move from batch to batch
 * (each s_i may be set in advance or measured alongside the batch, e.g. from traffic, as long as
 * xc_i given s_i and N_i is Binomial(N_i, p_i) under the model). By Ville's inequality
 * P(sup_t E_t ≥ 1/α) ≤ α (Howard, Ramdas, McAuliffe & Sekhon 2021, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences", Ann. Statist. 49(2), §3, mixture method). 'greater' and
 * 'less' restrict the mixture to the grid points with ρ > 1 or ρ < 1 (weights renormalised);
 * 'two-sided' uses the whole grid.
 *
 * Confidence sequence: for any ρ0 the mixture LR against ρ0 is Σ_k w_k exp(ℓ_k − ℓ(ρ0)) =
 * E / exp(ℓ(ρ0)), a martingale under ρ0; its (1 − α) CS is {ρ0 : ℓ(ρ0) > log E + log α}
 * (Howard et al. 2021, duality of tests and CSs). ℓ is concave in log ρ0, so that set is an
 * interval containing the grid MLE. ℓ is known only on the grid, so the reported ends are the
 * first REJECTED grid points on either side: the exact continuous CS lies strictly inside them,
 * hence coverage holds for every true ρ, on or off the grid. When the CS reaches the end of the
 * grid the reported end is −1 (ρ → 0) or +Infinity. The estimate is the grid MLE of log ρ refined
 * by a parabola through its neighbours (clamped to the grid), as a relative effect ρ − 1; it is
 * 0 before any event.
 *
 * Grid: 201 points log ρ_k = a sinh(b k / 100), k = −100..100, spanning log ρ ∈ [−3, 3]
 * (ρ ∈ [0.05, 20]), spaced 0.005 at ρ = 1 (so CS ends are resolved to ~0.5% where tolerances
 * of 5–20% are decided) and ~0.11 at the ends, where only outages live. Weights: a prior on
 * log ρ integrated over each point's cell — by default an equal mixture of normals with sd 0.15
 * and 1 (see DEFAULT_PRIOR_SD): the narrow one is what Howard et al.'s `best_rho` picks for
 * intrinsic time v ≈ 45–700 (Fisher information of log ρ, ≈ N s(1 − s): a retail hour's orders),
 * where 5–20% tolerances are decided; the wide one keeps outages detected within a minute or two.
 *
 * Ratio metrics (bad events / total events): call with xc, xb = bad events and s = the canary's
 * share of total events in the batch. Under binomial sampling with equal bad-event probability,
 * xc given xc + xb = N is hypergeometric, which is smaller in the convex order than
 * Binomial(N, s) (Hoeffding 1963, "Probability inequalities for sums of bounded random
 * variables", JASA, Thm 4). Each batch factor exp(xc log ρ_k − N log1p(s(ρ_k − 1))) is convex in
 * xc, so its conditional expectation is ≤ 1: the mixture is a nonnegative supermartingale and the
 * evidence stays valid (conservative). The CS for ratio metrics treats ρ as the ratio of
 * bad-event probabilities; it is exact in the Poisson limit (rare bad events) and approximate
 * otherwise.
 *
 * Input rule: counts finite and ≥ 0 (guarantees are for integer counts; non-integer sums are
 * accepted because the likelihood ratio extends to them), share strictly inside (0, 1), else
 * `StatsInputError`. A batch with N = 0 carries no information and changes only `batches`.
 * Everything is in log space: counts of 1e9 per batch and 1e5 batches do not overflow. State is
 * 201 numbers plus counters (~4 KB as JSON). `evidence` may be +Infinity when the evidence
 * overwhelms doubles; `logEvidence` is always finite.
 *
 * @example
 * const test = createRateRatioTest();
 * test.update(180, 400, 0.25); // 180 canary events, 400 baseline events, canary had 25% of traffic
 * test.evidence('greater');    // ≈ 64 (> 1/0.05: the canary's rate per unit of traffic is higher)
 * test.effect(0.05);           // ≈ { estimate: 0.35, low: 0.01, high: 0.81 }
 * const copy = restoreRateRatioTest(JSON.parse(JSON.stringify(test.snapshot())));
 */
export function createRateRatioTest(options: RateRatioOptions = {}): RateRatioTest {
  for (const key of Object.keys(options)) {
    if (key !== 'priorSd') throw new StatsInputError(FN, `unknown option '${key}' (known: priorSd)`);
  }
  const priorSd = checkPriorSd(options.priorSd ?? DEFAULT_PRIOR_SD);
  return build({
    version: 1,
    priorSd,
    canary: 0,
    baseline: 0,
    batches: 0,
    logLikelihood: new Array<number>(SIZE).fill(0),
  });
}

/** Rebuild a rate-ratio test from `snapshot()` output (e.g. after JSON round trip); throws on a foreign or damaged state. */
export function restoreRateRatioTest(snapshot: RateRatioState): RateRatioTest {
  const s = snapshot as Partial<RateRatioState> | null;
  if (typeof s !== 'object' || s === null) throw new StatsInputError(FN, 'snapshot must be an object');
  if (s.version !== 1) throw new StatsInputError(FN, `unsupported snapshot version ${String(s.version)}`);
  const priorSd = checkPriorSd(s.priorSd);
  for (const key of ['canary', 'baseline', 'batches'] as const) {
    const value = s[key];
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      throw new StatsInputError(FN, `snapshot.${key} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  const ll = s.logLikelihood;
  if (!Array.isArray(ll) || ll.length !== SIZE)
    throw new StatsInputError(FN, `snapshot.logLikelihood must hold ${SIZE} numbers`);
  if (!ll.every((v) => typeof v === 'number' && Number.isFinite(v)) || ll[HALF] !== 0) {
    throw new StatsInputError(FN, 'snapshot.logLikelihood is damaged (non-finite values, or ρ = 1 not at 0)');
  }
  return build({
    version: 1,
    priorSd,
    canary: s.canary!,
    baseline: s.baseline!,
    batches: s.batches!,
    logLikelihood: ll,
  });
}

function build(state: RateRatioState): RateRatioTest {
  const weights = priorWeights(state.priorSd);
  const ll = Float64Array.from(state.logLikelihood);
  let canary = state.canary;
  let baseline = state.baseline;
  let batches = state.batches;

  /** log Σ_{k in [from, to)} w_k exp(ℓ_k), with the max factored out */
  const logMix = (from: number, to: number): number => {
    const logW = weights.log;
    let max = -Infinity;
    for (let k = from; k < to; k++) max = Math.max(max, logW[k] + ll[k]);
    let sum = 0;
    for (let k = from; k < to; k++) sum += Math.exp(logW[k] + ll[k] - max);
    return max + Math.log(sum);
  };

  const logEvidence = (alternative: Alternative): number => {
    switch (alternative) {
      case 'two-sided':
        return logMix(0, SIZE);
      case 'greater':
        return logMix(HALF + 1, SIZE) - weights.logUpper;
      case 'less':
        return logMix(0, HALF) - weights.logLower;
      default:
        throw new StatsInputError(FN, `unknown alternative '${String(alternative)}' (two-sided, greater, less)`);
    }
  };

  return {
    update(canaryCount: number, baselineCount: number, canaryShare: number): void {
      if (!(canaryCount >= 0) || !Number.isFinite(canaryCount))
        throw new StatsInputError(FN, `canaryCount must be finite and >= 0, got ${canaryCount}`);
      if (!(baselineCount >= 0) || !Number.isFinite(baselineCount))
        throw new StatsInputError(FN, `baselineCount must be finite and >= 0, got ${baselineCount}`);
      if (!(canaryShare > 0 && canaryShare < 1))
        throw new StatsInputError(FN, `canaryShare must be strictly between 0 and 1, got ${canaryShare}`);
      batches++;
      const total = canaryCount + baselineCount;
      if (total === 0) return;
      canary += canaryCount;
      baseline += baselineCount;
      for (let k = 0; k < SIZE; k++) {
        ll[k] += canaryCount * THETA[k] - total * Math.log1p(canaryShare * RHO_MINUS_ONE[k]);
      }
    },

    logEvidence,

    evidence(alternative: Alternative): number {
      return Math.exp(logEvidence(alternative));
    },

    effect(alpha: number): EffectInterval {
      if (!(alpha > 0 && alpha < 1)) throw new StatsInputError(FN, `alpha must be in (0, 1), got ${alpha}`);
      if (canary + baseline === 0) return { estimate: 0, low: -1, high: Infinity };
      // One-sided ends: ρ_j is rejected from below when the mixture over the alternatives above it,
      // Σ_{k>j} w_k exp(ℓ_k − ℓ_j) / Σ_{k>j} w_k, reaches 1/alpha (and from above symmetrically).
      // In a monotone-likelihood-ratio family that e-process is a supermartingale for every true
      // ρ ≤ ρ_j, so each end alone errs with probability ≤ alpha.
      const logW = weights.log;
      let max = -Infinity;
      let best = 0;
      for (let k = 0; k < SIZE; k++) {
        max = Math.max(max, logW[k] + ll[k]);
        if (ll[k] > ll[best]) best = k;
      }
      const mass = new Float64Array(SIZE); // w_k exp(ℓ_k − max)
      const weight = new Float64Array(SIZE);
      for (let k = 0; k < SIZE; k++) {
        mass[k] = Math.exp(logW[k] + ll[k] - max);
        weight[k] = Math.exp(logW[k]);
      }
      const threshold = -Math.log(alpha);
      let low = -1;
      let aboveMass = 0;
      let aboveWeight = 0;
      const rejectedFromBelow = new Uint8Array(SIZE);
      for (let j = SIZE - 1; j >= 0; j--) {
        rejectedFromBelow[j] = aboveWeight > 0 && Math.log(aboveMass / aboveWeight) + max - ll[j] >= threshold ? 1 : 0;
        aboveMass += mass[j];
        aboveWeight += weight[j];
      }
      for (let j = 0; j < SIZE && rejectedFromBelow[j]; j++) low = RHO_MINUS_ONE[j];
      let high = Infinity;
      let belowMass = 0;
      let belowWeight = 0;
      const rejectedFromAbove = new Uint8Array(SIZE);
      for (let j = 0; j < SIZE; j++) {
        rejectedFromAbove[j] = belowWeight > 0 && Math.log(belowMass / belowWeight) + max - ll[j] >= threshold ? 1 : 0;
        belowMass += mass[j];
        belowWeight += weight[j];
      }
      for (let j = SIZE - 1; j >= 0 && rejectedFromAbove[j]; j--) high = RHO_MINUS_ONE[j];
      const estimate = Math.min(high, Math.max(low, Math.expm1(refineMaximum(ll, best))));
      return { estimate, low, high };
    },

    get n(): { baseline: number; canary: number } {
      return { baseline, canary };
    },

    snapshot(): RateRatioState {
      return { version: 1, priorSd: state.priorSd, canary, baseline, batches, logLikelihood: Array.from(ll) };
    },
  };
}

/** Vertex of the parabola through the grid maximum and its neighbours, kept between the neighbours. */
function refineMaximum(ll: Float64Array, k: number): number {
  if (k === 0 || k === SIZE - 1) return THETA[k];
  const [x0, x1, x2] = [THETA[k - 1], THETA[k], THETA[k + 1]];
  const [y0, y1, y2] = [ll[k - 1], ll[k], ll[k + 1]];
  const numerator = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0);
  const denominator = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0);
  if (!(denominator > 0) || !Number.isFinite(numerator)) return x1;
  return Math.min(x2, Math.max(x0, x1 - numerator / (2 * denominator)));
}
