import type { EffectInterval } from './anytime.ts';
import { batchShiftLogEValuesChecked, binomialBoundLogEValuesChecked, tiltPlan } from './batchShiftEValue.ts';
import { StatsInputError } from './errors.ts';
import {
  advanceWithLogWeight,
  EMPTY,
  meanLogEvidenceWithTail,
  meanStartMixtureLogEvidence,
  startLogWeight,
} from './startMixture.ts';

/** bucket shifts tested (ratio 1.025): dense near 0, where tolerances of 5–25% are decided; ±48 buckets ≈ ×0.31 … ×3.3 */
const BASE_SHIFTS = [0, 1, 2, 3, 4, 6, 8, 10, 13, 19, 28, 48];

/** The grid, with the anchor (a tolerance's exact multiple) and its neighbours added; one frozen copy per anchor. */
function shiftGrid(anchorSteps: number): readonly number[] {
  let grid = grids.get(anchorSteps);
  if (!grid) {
    const steps = new Set(BASE_SHIFTS);
    if (anchorSteps > 0) [anchorSteps - 1, anchorSteps, anchorSteps + 1].forEach((k) => steps.add(k));
    grid = Object.freeze([...steps].flatMap((k) => (k === 0 ? [0] : [-k, k])).sort((a, b) => a - b));
    grids.set(anchorSteps, grid);
  }
  return grid;
}
/** at most 201 entries (anchorSteps is an integer in [0, 200]) */
const grids = new Map<number, readonly number[]>();
/** tilts per side, λ = 0.02·2^k, k = 0..6 (normal-score units; a +10% shift at σ = 0.6 is ≈ 0.16) */
const LAMBDAS = Array.from({ length: 7 }, (_, k) => 0.02 * 2 ** k);
const TILTS = Float64Array.from([...LAMBDAS, ...LAMBDAS.map((l) => -l)]);
const T = TILTS.length;
/** the family's tilts, in the order of its rows and of `update`'s `unshifted` */
export const SHIFT_FAMILY_TILTS: readonly number[] = Object.freeze(Array.from(TILTS));
/** a row of the family's array: T log e-values, then its count of closed batches (LAZY_CLOSE) */
const ROW = T + 1;
/** one exponential per rank group for the 14 tilts (`TiltPlan`) */
const PLAN = tiltPlan(TILTS);
const FN = 'shiftConfidenceSequence';
/**
 * The betting window. A batch's bets are placed only on the grid shifts not yet rejected at the
 * reference level BET_LEVEL, and on the one rejected shift next to each end of that range
 * (BET_MARGIN), judged from the state before the batch (not the caller's alpha, which `update`
 * does not know: the window must be a function of the state alone, so a restored family bets
 * exactly as an uninterrupted one). Elsewhere the batch bets nothing (e = 1): an e-process that
 * stops betting keeps its value, so a shift rejected at 10⁻⁶ stays rejected for every caller's
 * alpha ≥ 10⁻⁶ (per-metric alphas are ~10⁻² to 10⁻⁴); a caller with a smaller alpha gets a valid,
 * wider interval. The rejected shift beside each end goes on betting so that the window follows
 * the data when the effect moves after the release starts (a regression with a later onset): its
 * e-process falls back under the level, the range grows by one, and the next one bets. Choosing
 * when to bet from the past keeps each e-process a test supermartingale (validity is unchanged);
 * only power for shifts far outside the range waits until the range comes near them, which the
 * start-time mixture allows at a cost of ≈ 2 log(batch) nats. Measured on the scale bench's dense
 * latencies (10 looks): 13.7 shifts bet per batch, against 17.3 with the window this replaced
 * (level 10⁻³, every shift within 3 grid points of that interval).
 */
const BET_LEVEL = Math.log(1e6);
const BET_MARGIN = 1;
/**
 * STORED_PRECISION. The family's log e-values are kept in single precision (half the memory of a
 * release at 20 metrics went to these 25 × 14 numbers per metric), each rounded towards −∞ when
 * stored. The update R ↦ e·(R + w) is increasing in R, so a stored value never exceeds the exact
 * e-process it tracks: what is stored is dominated by a test supermartingale and Ville's inequality
 * still bounds it (a rounding can only delay a rejection). The loss is at most 2^−23 relative per
 * batch — 10^−6 nats on a log e-value of 10, against a rejection threshold of log(1/alpha) ≈ 7–12.
 * Restoring a double-precision checkpoint rounds it down the same way.
 */
const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);
/** the largest single-precision number ≤ x (x finite or ±Infinity) */
export function float32Below(x: number): number {
  // Math.fround rounds to nearest as a store into F32 does, without the store and load (the look
  // stores ~180 of these per gauge metric)
  const rounded = Math.fround(x);
  if (!(rounded > x)) return rounded;
  // rounded up: one single-precision step towards −∞
  F32[0] = rounded;
  if (rounded > 0) F32_BITS[0]--;
  else if (rounded < 0) F32_BITS[0]++;
  else F32[0] = -1.401298464324817e-45;
  return F32[0];
}

/**
 * Scratch shared by every family (an update runs to completion): the occupied buckets of each
 * cohort, and the merged (baseline, canary) list of one shift and of the shift before it, whose
 * log e-values `shiftLogE` holds.
 */
let occupiedB = new Int32Array(64);
let occupiedC = new Int32Array(64);
let compactB = new Float64Array(64);
let compactC = new Float64Array(64);
let previousB = new Float64Array(64);
let previousC = new Float64Array(64);
const shiftLogE = new Float64Array(TILTS.length);
/** the row last closed by a bet in this update, as it was before (its T log e-values and count) */
const rowBefore = new Float32Array(ROW);
/** rank groups of the exact permutation e-values (`batchShiftLogEValues`' default) */
const GROUPS = 32;
/**
 * EXACT_ROWS. Which rows bet the exact permutation e-values and which the binomial bound
 * (`binomialBoundLogEValuesChecked`, 16 rank groups). The verdict reads three rows: shift 0 (is
 * there a change at all; the caller's own test computes it, `unshifted`) and ± the anchor, the
 * tolerance's exact multiple — the interval's end crosses the tolerance exactly when the anchor
 * row is rejected (a release is `ruled-out` when every row from +anchor up is rejected as
 * "faster", a failure proven when every row up to +anchor is rejected as "slower"; −anchor for a
 * decrease). Those bet exactly, so the decisions wait no longer than before; a family told which
 * side is harmful (`ExactAnchors`: 'up' or 'down') bets only that side's anchor exactly, the other
 * being read by no decision. The other rows place the interval's ends between grid points and are
 * rejected when the data are far from them: they bet the bound, ≤ the exact e-value for every outcome and a valid e-value in its own right, which
 * keeps 85–90% of the exact one's growth on lognormal latencies (so those ends move about 5% less
 * far in the same time) at a quarter of the cost at 300 values per cohort and batch, a tenth at
 * 1,000 and more: the exact e-values walk each rank group's law, the bound takes a logarithm. A
 * row's e-process is valid whichever e-value each batch bets (the choice is fixed by the grid), so
 * a family restored from a checkpoint written before this rule goes on validly.
 */
const BOUND_GROUPS = 16;
const EXACT = 0;
const BOUND = 1;

/**
 * Which anchor rows bet the exact e-values (EXACT_ROWS): +anchor ('up': a metric whose harm is an
 * increase), −anchor ('down': a decrease), or both (default).
 */
export type ExactAnchors = 'both' | 'up' | 'down';

export interface ShiftFamilyState {
  /** per grid shift, log of the started part of each start-time mixture (`startMixture.ts`) after
   * the row's `closed` batches: the first LAMBDAS.length bet on "slower than shifted", the rest on
   * "faster" */
  logE: number[][];
  /** batches closed */
  batches: number;
  /** per grid shift, the batches its row has closed (see LAZY_CLOSE); absent when every row has
   * closed all `batches` (and in checkpoints from before rows were closed lazily) */
  closed?: number[];
  /** the anchor's multiple of the bucket ratio (0: none), which fixes the grid */
  anchorSteps: number;
  /** the anchor rows that bet exactly, when not both (EXACT_ROWS) */
  exactAnchors?: 'up' | 'down';
}

export interface ShiftFamily {
  /**
   * multiplies in closed batch number `t` (0-based): the batch's non-cumulative bucket counts of the
   * log layout, aligned, for buckets `offset` … `offset + length − 1` of a layout of `buckets`
   * buckets (every bucket outside that range empty); by default the arrays are the whole layout.
   * `unshifted`: the batch's log e-values at the family's tilts (`SHIFT_FAMILY_TILTS`, in order) on
   * the unshifted table, when the caller has them (a latency test computes them for its own
   * tilts): grid shift 0 uses them instead of computing them again (the same numbers)
   */
  update(
    baseline: Float64Array,
    canary: Float64Array,
    t: number,
    offset?: number,
    buckets?: number,
    unshifted?: ArrayLike<number>,
  ): void;
  /** time-uniform (1 − alpha) confidence sequence for the multiplicative shift, as a relative change */
  interval(alpha: number, estimate: number): EffectInterval;
  snapshot(): ShiftFamilyState;
}

/**
 * Confidence sequence for a multiplicative latency shift (canary ≈ baseline × (1 + δ)), by
 * inverting a family of anytime-valid tests (Howard, Ramdas, McAuliffe & Sekhon 2021, §6:
 * confidence sequences are the sets of parameters no e-process has rejected).
 *
 * On log-spaced buckets of ratio r, dividing every canary latency by r^k moves it exactly k buckets
 * down, so "shift = r^k" can be tested with the same conditional-permutation e-values as "no shift"
 * (`batchShiftLogEValues`) on the canary histogram moved by k buckets — exact at shift 0 and at ±
 * the anchor, bounded with draws with replacement elsewhere (EXACT_ROWS). For each grid shift k the
 * family keeps two e-processes: "canary slower than baseline × r^k" (λ > 0) and "faster" (λ < 0).
 * The lower end is r^k − 1 for the largest k such that every grid shift ≤ k is rejected at level
 * alpha as "slower", and the upper end symmetrically (each end is a one-sided bound at alpha). Validity: if the true shift is r^{k*}, any
 * miss of the lower end implies that the grid's first shift k⁺ ≥ k* was rejected; the canary moved
 * by k⁺ is stochastically no slower than the baseline, under which a λ > 0 bet on a monotone rank
 * score has conditional expectation ≤ 1 (Lehmann 1955: rank tests are unbiased against stochastic
 * ordering), so by Ville's inequality that happens with probability ≤ alpha; likewise above.
 * With no grid shift rejected on a side the interval is unbounded there (−1 or +∞).
 *
 * Cost: one e-value scan (exact or bounded, EXACT_ROWS) per distinct merged bucket list among the
 * grid shifts in the betting window per batch (all |grid| = 23, or up to 29 with an anchor, until
 * shifts are rejected at 10⁻⁶; then the shifts not yet rejected plus BET_MARGIN on each side); the
 * rows outside it are closed lazily (LAZY_CLOSE); state |grid| × 15 single-precision numbers in one array (the grid is
 * shared).
 *
 * @example
 * const family = createShiftFamily(1.025);
 * family.update(baselineBatchCounts, canaryBatchCounts);
 * family.interval(0.01, 0.12) // { estimate: 0.12, low: 0.077, high: 0.16 }
 */
export function createShiftFamily(
  ratio: number,
  from?: ShiftFamilyState,
  anchorSteps = 0,
  exactAnchors: ExactAnchors = from?.exactAnchors ?? 'both',
): ShiftFamily {
  if (!(ratio > 1)) throw new StatsInputError(FN, `bucket ratio must be > 1, got ${ratio}`);
  if (!(Number.isInteger(anchorSteps) && anchorSteps >= 0 && anchorSteps <= 200))
    throw new StatsInputError(FN, `anchorSteps must be an integer in [0, 200], got ${anchorSteps}`);
  if (exactAnchors !== 'both' && exactAnchors !== 'up' && exactAnchors !== 'down')
    throw new StatsInputError(FN, `exactAnchors must be 'both', 'up' or 'down', got ${String(exactAnchors)}`);
  const family = new Family(ratio, anchorSteps, exactAnchors);
  if (from) family.load(from);
  return family;
}

/**
 * LAZY_CLOSE. A batch outside the betting window bets nothing on a row (e = 1), so all the batch
 * does to each of the row's start mixtures is add its start weight: R ↦ R + w_t. Those additions
 * wait until the row is bet on again (or written out), then go in at once: the batches c … b − 1
 * a row sat out add Σ w_u = 1/(c + 1) − 1/(b + 1) in one logAddExp per tilt (`catchUp`) instead
 * of one per tilt per batch — most rows sit out most batches once the interval is bounded. The
 * row keeps the count c of batches it has closed. Reading a row needs no catch-up: the mixture
 * mean_k R_k + 1/(c + 1) at its own count equals mean_k (R_k + Σ w_u) + 1/(b + 1) (`mixture`).
 * Validity is unchanged: a test martingale that does not bet keeps its value, and the stored
 * numbers are still rounded down, once instead of once per batch, so they stay below the exact
 * e-process. Counts are kept in the row's single-precision slot, exact below 2^24 batches; from
 * there on (194 days of 1-second batches) every row is closed at every batch, as before.
 */
const LAZY_LIMIT = 2 ** 24 - 1;

/**
 * True only if a mixture over one side's tilts starting at logE[from] (`meanStartMixtureLogEvidence`
 * or the window's variant) would be computed ≥ level; false says nothing. The mixture is at least
 * its largest term's share, max_k log R_k − log(LAMBDAS.length), and as computed too (the max term
 * adds exp(0) = 1 to the sum exactly, the other terms and the tail weight only add): when that
 * share clears the level by more than the rounding of the computation (~1e-15 relative), the full
 * computation — 7 exps and 3 logs — would say yes as well. The rows far inside the rejected ends
 * of the grid, read at every batch and look, all pass here.
 */
function clearlyReaches(logE: Float32Array, from: number, level: number): boolean {
  let max = logE[from];
  for (let k = from + 1; k < from + LAMBDAS.length; k++) if (logE[k] > max) max = logE[k];
  return max - LOG_SIDE >= level + 1e-9 * (1 + Math.abs(max));
}
const LOG_SIDE = Math.log(LAMBDAS.length);

/**
 * Row `from` of `logE` (its T log e-values and its count) holds the same numbers as `row`: equal
 * and, for zeros, of the same sign (no value is NaN: they are floored at EMPTY).
 */
function sameRow(logE: Float32Array, from: number, row: Float32Array): boolean {
  for (let j = 0; j < ROW; j++) {
    const a = logE[from + j];
    const b = row[j];
    if (a !== b || (a === 0 && 1 / a !== 1 / b)) return false;
  }
  return true;
}

/** A class so that its methods are shared: every latency/gauge judge of every release holds one. */
class Family implements ShiftFamily {
  private readonly grid: readonly number[];
  /**
   * row i (grid shift i) is logE[i·ROW … i·ROW + T − 1], T = TILTS.length, then at i·ROW + T the
   * batches the row has closed (LAZY_CLOSE). Single precision, each log e-value rounded towards −∞
   * when stored (`float32Below`): see STORED_PRECISION.
   */
  private readonly logE: Float32Array;
  private batches = 0;

  /** the grid shifts, besides 0, that bet the exact e-values (EXACT_ROWS); 0 when none */
  private readonly exactUp: number;
  private readonly exactDown: number;

  constructor(
    private readonly ratio: number,
    private readonly anchorSteps: number,
    private readonly exactAnchors: ExactAnchors,
  ) {
    this.exactUp = exactAnchors === 'down' ? 0 : anchorSteps;
    this.exactDown = exactAnchors === 'up' ? 0 : -anchorSteps;
    this.grid = shiftGrid(anchorSteps);
    this.logE = new Float32Array(this.grid.length * ROW).fill(EMPTY);
    for (let i = 0; i < this.grid.length; i++) this.logE[i * ROW + T] = 0;
  }

  load(from: ShiftFamilyState): void {
    const batches = from.batches ?? 0;
    if (!(Number.isInteger(batches) && batches >= 0))
      throw new StatsInputError(FN, 'snapshot.batches must be an integer >= 0');
    this.batches = batches;
    if (!Array.isArray(from.logE) || from.logE.length !== this.grid.length)
      throw new StatsInputError(FN, `snapshot.logE needs ${this.grid.length} rows`);
    // the rows that bet exactly are part of how the family bets: a restored one must bet the same
    if ((from.exactAnchors ?? 'both') !== this.exactAnchors)
      throw new StatsInputError(FN, `snapshot.exactAnchors ${String(from.exactAnchors)} is not ${this.exactAnchors}`);
    const closed = from.closed;
    if (closed !== undefined && !(Array.isArray(closed) && closed.length === this.grid.length))
      throw new StatsInputError(FN, `snapshot.closed needs ${this.grid.length} counts`);
    from.logE.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== T || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new StatsInputError(FN, `snapshot.logE[${i}] needs ${T} finite numbers`);
      }
      const c = closed?.[i] ?? batches;
      if (!(Number.isInteger(c) && c >= 0 && c <= batches))
        throw new StatsInputError(FN, `snapshot.closed[${i}] must be an integer in [0, ${batches}], got ${c}`);
      for (let k = 0; k < T; k++) this.logE[i * ROW + k] = float32Below(row[k]);
      this.logE[i * ROW + T] = Math.min(c, LAZY_LIMIT);
      // past LAZY_LIMIT a count is not exact in single precision: close the row now
      if (batches > LAZY_LIMIT && c < batches) this.catchUp(i, c, batches);
    });
  }

  /** batches row i has closed */
  private closedOf(i: number): number {
    return this.batches > LAZY_LIMIT ? this.batches : this.logE[i * ROW + T];
  }

  /** log of grid shift i's mixture over the tilts of one side (side 0: slower, LAMBDAS.length: faster) */
  private mixture(i: number, side: number): number {
    // at the row's own count of closed batches: equal to the caught-up value (LAZY_CLOSE)
    return meanStartMixtureLogEvidence(this.logE, i * ROW + side, LAMBDAS.length, this.closedOf(i));
  }

  /** grid shift i's mixture on one side reaches `level` (side 0: slower, LAMBDAS.length: faster) */
  private reaches(i: number, side: number, level: number): boolean {
    return clearlyReaches(this.logE, i * ROW + side, level) || this.mixture(i, side) >= level;
  }

  /**
   * Walks the grid from row `from` in steps of `step` (±1) while the rows' mixtures on `side`
   * reach `level` — read at the rows' own counts when `before` is −1 (`reaches`: the interval),
   * else as the betting window reads them before batch `before` (`windowReaches`) — and returns
   * the last row that did: from − step when none did (−1 from below, the grid's length from above).
   * One walk for both ends, its step taken at every call (a do-while), so that the compiled code
   * has met every operation in it from the first batch on: written as two loops whose steps ran
   * only once a row was rejected, V8 compiled them without the step and threw the compiled
   * update away when all releases of a lockstep run first rejected a row in the same minute.
   */
  private rejectedEnd(from: number, step: number, side: number, level: number, before: number): number {
    const rows = this.grid.length;
    let i = from - step;
    do i += step;
    while (i >= 0 && i < rows && (before < 0 ? this.reaches(i, side, level) : this.windowReaches(i, side, before)));
    return i - step;
  }

  /** `windowMixture(i, side, t) >= BET_LEVEL`, the exps and logs spared when clearly so */
  private windowReaches(i: number, side: number, t: number): boolean {
    return clearlyReaches(this.logE, i * ROW + side, BET_LEVEL) || this.windowMixture(i, side, t) >= BET_LEVEL;
  }

  /**
   * What the betting window reads before batch t: the row's e-processes after the t batches
   * before it, with the weight of starts after batch t, 1/(t + 2) — the arithmetic the window has
   * always used. A row still to catch up on batches c … t − 1 adds their start weights
   * 1/(c + 1) − 1/(t + 1) (LAZY_CLOSE).
   */
  private windowMixture(i: number, side: number, t: number): number {
    const c = this.closedOf(i);
    const from = i * ROW + side;
    if (c >= t) return meanStartMixtureLogEvidence(this.logE, from, LAMBDAS.length, t + 1);
    return meanLogEvidenceWithTail(this.logE, from, LAMBDAS.length, Math.log(1 / (c + 1) - 1 / (t + 1) + 1 / (t + 2)));
  }

  /**
   * closes batches `closed` … `upTo` − 1 on row i, none of which bet on it (e = 1): their start
   * weights, Σ w_u = 1/(closed + 1) − 1/(upTo + 1), enter its mixtures in one step (LAZY_CLOSE)
   */
  private catchUp(i: number, closed: number, upTo: number): void {
    const { logE } = this;
    const row = i * ROW;
    if (closed < upTo) {
      // For one batch this is its start weight as a bet-on batch gets it, the same number:
      // log 1 = 0 exactly, and 0 − y = −y (`startLogWeight`). One expression for every count, so
      // that the first catch-up of a run meets all of it: compiled code that has not met an
      // operation is thrown away when it first runs (see rejectedEnd).
      const logWeight = Math.log(upTo - closed) - Math.log((closed + 1) * (upTo + 1));
      for (let j = row; j < row + T; j++) logE[j] = float32Below(advanceWithLogWeight(logE[j], 0, logWeight));
    }
    logE[row + T] = Math.min(upTo, LAZY_LIMIT);
  }

  update(
    baseline: Float64Array,
    canary: Float64Array,
    t: number,
    offset = 0,
    buckets = canary.length,
    unshifted?: ArrayLike<number>,
  ): void {
    if (unshifted !== undefined && unshifted.length !== T)
      throw new StatsInputError(FN, `unshifted needs ${T} log e-values, got ${unshifted.length}`);
    const length = canary.length;
    if (baseline.length !== length) throw new StatsInputError(FN, 'baseline and canary need the same buckets');
    if (!(Number.isInteger(offset) && offset >= 0 && offset + length <= buckets))
      throw new StatsInputError(FN, `buckets ${offset}…${offset + length - 1} are not inside a layout of ${buckets}`);
    if (occupiedB.length < length) {
      occupiedB = new Int32Array(Math.max(length, 2 * occupiedB.length));
      occupiedC = new Int32Array(occupiedB.length);
    }
    // The permutation e-value depends only on the order of non-empty buckets, so each shift works
    // on the merged list of occupied buckets (O(occupied), not O(K) = 707 per shift).
    let nb = 0;
    let nc = 0;
    let bCount = 0;
    let cCount = 0;
    for (let j = 0; j < length; j++) {
      const b = baseline[j];
      const c = canary[j];
      // checked once here rather than once per grid shift (batchShiftLogEValuesChecked)
      if (!(Number.isInteger(b) && b >= 0 && Number.isInteger(c) && c >= 0))
        throw new StatsInputError(FN, `bucket ${j}: counts must be integers >= 0, got ${b} and ${c}`);
      nb += b;
      nc += c;
      if (b > 0) occupiedB[bCount++] = j;
      if (c > 0) occupiedC[cCount++] = j;
    }
    if (nb === 0 || nc === 0) {
      // an empty batch bets nothing (e = 1): every row sits it out (LAZY_CLOSE)
      this.sitOut(0, -1, t);
      return;
    }
    // the window, from the state before this batch (see BET_LEVEL)
    const lowest = this.rejectedEnd(0, 1, 0, BET_LEVEL, t);
    const highest = this.rejectedEnd(this.grid.length - 1, -1, LAMBDAS.length, BET_LEVEL, t);
    const firstBet = Math.max(0, Math.min(lowest, highest) + 1 - BET_MARGIN);
    const lastBet = Math.min(this.grid.length - 1, Math.max(lowest, highest) - 1 + BET_MARGIN);
    const logWeight = startLogWeight(t);
    const size = bCount + cCount;
    if (compactB.length < size) {
      const grown = Math.max(size, 2 * compactB.length);
      compactB = new Float64Array(grown);
      compactC = new Float64Array(grown);
      previousB = new Float64Array(grown);
      previousC = new Float64Array(grown);
    }
    // layout bucket j + offset is array index j; a shifted canary bucket is clamped to the layout
    const lowClamp = -offset;
    const highClamp = buckets - 1 - offset;
    /** entries of the last merged list whose e-values are in shiftLogE (−1: none yet this batch) */
    let previous = -1;
    /** EXACT or BOUND: the e-values in shiftLogE */
    let previousScan = EXACT;
    const { exactUp, exactDown } = this;
    for (let i = firstBet; i <= lastBet; i++) {
      const k = this.grid[i];
      const scan = k === 0 || k === exactUp || k === exactDown ? EXACT : BOUND;
      // canary moved k buckets down (divided by r^k); values pushed past either end stay in the end bucket
      let m = 0;
      let p = 0;
      let q = 0;
      let last = Number.NEGATIVE_INFINITY;
      while (p < bCount || q < cCount) {
        const cj = q < cCount ? Math.min(highClamp, Math.max(lowClamp, occupiedC[q] - k)) : Number.POSITIVE_INFINITY;
        const bj = p < bCount ? occupiedB[p] : Number.POSITIVE_INFINITY;
        const j = Math.min(bj, cj);
        if (j !== last) {
          compactB[m] = 0;
          compactC[m] = 0;
          m++;
          last = j;
        }
        if (bj === j) compactB[m - 1] += baseline[occupiedB[p++]];
        else compactC[m - 1] += canary[occupiedC[q++]];
      }
      // Neighbouring shifts often merge into the same list — every shift that moves the canary
      // wholly below (or above) the baseline gives one and the same — and the e-values are a
      // function of the list alone: reuse them (the same numbers to the bit, not an approximation).
      let same = m === previous && scan === previousScan;
      for (let j = 0; same && j < m; j++) same = compactB[j] === previousB[j] && compactC[j] === previousC[j];
      if (!same) {
        if (k === 0 && unshifted !== undefined) for (let j = 0; j < T; j++) shiftLogE[j] = unshifted[j];
        else if (scan === EXACT) batchShiftLogEValuesChecked(compactB, compactC, m, PLAN, GROUPS, shiftLogE);
        else binomialBoundLogEValuesChecked(compactB, compactC, m, PLAN, BOUND_GROUPS, shiftLogE);
        [compactB, previousB] = [previousB, compactB];
        [compactC, previousC] = [previousC, compactC];
        previous = m;
        previousScan = scan;
      }
      const row = i * ROW;
      const { logE } = this;
      // A row that bets the same e-values as the row before it, from the same state, ends where
      // that row ended: copy it (the same numbers to the bit). The rows outside the data's range
      // — every shift that has always moved the canary wholly below or above the baseline — have
      // been bet alike since the start: a quarter of the rows bet on a scraped gauge.
      if (same && sameRow(logE, row, rowBefore)) {
        logE.copyWithin(row, row - ROW, row);
        continue;
      }
      for (let j = 0; j < ROW; j++) rowBefore[j] = logE[row + j];
      this.catchUp(i, this.closedOf(i), t);
      for (let j = 0; j < T; j++)
        logE[row + j] = float32Below(advanceWithLogWeight(logE[row + j], shiftLogE[j], logWeight));
      logE[row + T] = Math.min(t + 1, LAZY_LIMIT);
    }
    this.sitOut(firstBet, lastBet, t);
  }

  /**
   * Ends batch t for the rows outside [firstBet, lastBet]: they sit it out, closed lazily
   * (LAZY_CLOSE) — or now, once counts are past LAZY_LIMIT.
   */
  private sitOut(firstBet: number, lastBet: number, t: number): void {
    if (t + 1 > LAZY_LIMIT) {
      for (let i = 0; i < this.grid.length; i++)
        if (i < firstBet || i > lastBet) this.catchUp(i, this.closedOf(i), t + 1);
    }
    this.batches = t + 1;
  }

  interval(alpha: number, estimate: number): EffectInterval {
    if (!(alpha > 0 && alpha < 1)) throw new StatsInputError(FN, `alpha must be in (0, 1), got ${alpha}`);
    const threshold = Math.log(1 / alpha); // each end one-sided at alpha (see AnytimeTest.effect)
    const lowest = this.rejectedEnd(0, 1, 0, threshold, -1);
    const highest = this.rejectedEnd(this.grid.length - 1, -1, LAMBDAS.length, threshold, -1);
    let low = lowest < 0 ? -1 : this.ratio ** this.grid[lowest] - 1;
    let high = highest === this.grid.length ? Number.POSITIVE_INFINITY : this.ratio ** this.grid[highest] - 1;
    if (low > high) {
      // both sides rejected everything between: a vanishing-probability event; report the point
      const mid = (low + high) / 2;
      low = mid;
      high = mid;
    }
    return { estimate: Math.min(high, Math.max(low, estimate)), low, high };
  }

  snapshot(): ShiftFamilyState {
    const closed = this.grid.map((_, i) => this.closedOf(i));
    return {
      logE: this.grid.map((_, i) => Array.from(this.logE.subarray(i * ROW, i * ROW + T))),
      batches: this.batches,
      anchorSteps: this.anchorSteps,
      ...(this.exactAnchors === 'both' ? {} : { exactAnchors: this.exactAnchors }),
      ...(closed.every((c) => c === this.batches) ? {} : { closed }),
    };
  }
}
