import type { Cohort } from '../types.ts';
import type { Alternative, AnytimeTest, EffectInterval } from './anytime.ts';
import { batchShiftLogEValuesChecked, tiltPlan } from './batchShiftEValue.ts';
import { alignPair, BucketCounts, doubles } from './bucketCounts.ts';
import { StatsInputError } from './errors.ts';
import { checkAlternative, checkOptionKeys } from './options.ts';
import { logBuckets, type BucketLayout, type BucketLayoutSpec } from './logBuckets.ts';
import { quantileConfidenceSequence, type QuantileInterval } from './quantileConfidenceSequence.ts';
import {
  createShiftFamily,
  SHIFT_FAMILY_TILTS,
  type ExactAnchors,
  type ShiftFamily,
  type ShiftFamilyState,
} from './shiftConfidenceSequence.ts';
import { advanceWithLogWeight, EMPTY, meanStartMixtureLogEvidence, startLogWeight } from './startMixture.ts';

export interface LatencyShiftOptions {
  /** histogram upper edges (Prometheus `le`, ending with +Infinity); default: 707 log-spaced buckets */
  edges?: readonly number[];
  /** the quantile whose relative change `effect` reports (default 0.5; 0.95 for a p95 spec) */
  quantile?: number;
  /**
   * how `effect` is bounded on log layouts: 'shift' (default) inverts the permutation e-values over
   * bucket shifts (tight, ~2.5 ms per batch); 'quantile' uses per-cohort quantile sequences (cheap,
   * wide). Given edges always use 'quantile'.
   */
  effectInterval?: 'shift' | 'quantile';
  /**
   * log layouts with 'shift' intervals: a factor (> 1) that must be an exact multiple of the bucket
   * ratio, so that the shift interval's ends can land exactly on a tolerance — 1.05 for a +5%
   * tolerance, 1/(1 − 0.1) for a −10% one. The ratio becomes anchor^(1/m), m chosen to keep it near 1.025.
   */
  anchor?: number;
  /**
   * with `anchor`: the side whose harm the verdict judges, so that only that side's anchor row of
   * the shift interval bets the exact e-values ('increase': the anchor above, 'decrease': the one
   * below); default 'either', both (`ExactAnchors` in shiftConfidenceSequence.ts)
   */
  harm?: 'increase' | 'decrease' | 'either';
}

/**
 * Snapshot (JSON). Counts are run-length encoded: a positive entry is one bucket's count, a
 * negative entry −z stands for z empty buckets, trailing empty buckets are dropped. Size is bounded
 * by the bucket count (≤ 707 entries per array by default), never by the number of observations.
 */
export interface LatencyShiftState {
  version: 1;
  layout: BucketLayoutSpec;
  quantile: number;
  batches: number;
  /** per tilt of LAMBDAS, log of the started part of the start-time mixture (`startMixture.ts`;
   * greater: canary slower; less: canary faster) */
  logE: { greater: number[]; less: number[] };
  /** closed batches, merged */
  counts: { baseline: number[]; canary: number[] };
  /** the open batch (observed since the last endBatch) */
  open: { baseline: number[]; canary: number[] };
  /** log layouts only: the shift-inverted confidence sequence's e-processes */
  shift?: ShiftFamilyState;
}

export interface LatencyShiftTest extends AnytimeTest<LatencyShiftState> {
  readonly buckets: BucketLayout;
  /** one raw latency (≥ 0, finite, same unit as the edges — seconds by default) into the open batch */
  observe(cohort: Cohort, value: number): void;
  /** histogram increments for the open batch: non-cumulative counts per bucket, `buckets.count` long */
  observeBuckets(cohort: Cohort, counts: ArrayLike<number>): void;
  /** closes the open batch: multiplies its e-values in and merges its counts */
  endBatch(): void;
  /**
   * Time-uniform (1 − alpha) confidence sequence for one cohort's p-quantile, in the edges' unit
   * (closed batches; e.g. for an SLO guard on the canary's p95). Throws if the cohort has no data.
   */
  quantile(cohort: Cohort, p: number, alpha: number): QuantileInterval;
  /** the interpolated empirical p-quantile alone (Prometheus histogram_quantile; closed batches), without the sequence's cost */
  quantileEstimate(cohort: Cohort, p: number): number;
}

/** tilts λ = 0.02·2^(k/2), k = 0..14 (0.02 … 2.56 in normal-score units), equal weights */
const LAMBDAS = Array.from({ length: 15 }, (_, k) => 0.02 * 2 ** (k / 2));
const TILTS = Float64Array.from([...LAMBDAS, ...LAMBDAS.map((l) => -l)]);
/** the test's tilts, in the order of its log e-values (`bench/evalue.ts` times its scan with them) */
export const LATENCY_TEST_TILTS: readonly number[] = Object.freeze(Array.from(TILTS));
/** two exponentials per rank group for the 30 tilts (`TiltPlan`: λ_{k+2} = 2λ_k, and λ ↦ −λ) */
const PLAN = tiltPlan(TILTS);
/** the batch's log e-values, one per tilt (scratch: endBatch runs to completion) */
const batchLogE = new Float64Array(TILTS.length);
/**
 * The shift family's tilts 0.02·2^k are among these (k = 2j), and its e-value for a tilt on the
 * unshifted table is computed exactly as this test's (`TiltPlan` squares the same chain): the
 * family takes them for grid shift 0 (FAMILY_TILT_INDEX maps its tilts to ours).
 */
const FAMILY_TILT_INDEX = SHIFT_FAMILY_TILTS.map((lambda) => {
  const k = TILTS.indexOf(lambda);
  if (k < 0) throw new Error(`shift family tilt ${lambda} is not a latency-test tilt`);
  return k;
});
const familyUnshifted = new Float64Array(FAMILY_TILT_INDEX.length);
const FN = 'latencyShiftTest';

/**
 * Anytime-valid test that a canary's latency distribution is shifted against the baseline's, fed
 * raw latencies (`observe`) or histogram bucket increments (`observeBuckets`) batch by batch.
 *
 * Evidence: each batch's 2×K table gives exact conditional-permutation e-values e_t(λ) for a grid
 * of tilts λ (`batchShiftLogEValues`: normal-scores rank statistic, scanned bucket by bucket with
 * exact hypergeometric likelihood ratios — a sharper version of the Hoeffding-1963-bounded
 * permutation e-value, see that file). Given the past and the batch's pooled margins each e_t(λ) has
 * expectation ≤ 1 under "same distribution within the batch", so Π_t e_t(λ) is a test
 * supermartingale for every λ, and so is every product started at a later batch; the evidence is the
 * fixed-weight mixture over tilts and start times E_t = Σ_k w_k Σ_s v_s Π_{s≤u≤t} e_u(λ_k)
 * (`startMixture.ts`: a regression that begins after the release is not paid for by the healthy
 * batches before it)
 * (Howard, Ramdas, McAuliffe & Sekhon 2021, Ann. Stat., §3; Ramdas, Grünwald, Vovk & Shafer 2023,
 * "Game-theoretic statistics and safe anytime-valid inference", Stat. Sci., §3–4): by Ville's
 * inequality P(∃t: E_t ≥ 1/alpha) ≤ alpha. The null conditions on each batch, so load drift that
 * moves both cohorts together (diurnal ramps) raises no evidence; the batch's cohort sizes must not
 * depend on the latencies (traffic split by weight). 'greater' mixes λ > 0 (canary slower), 'less'
 * λ < 0, 'two-sided' averages the two. Values past Number.MAX_VALUE are reported as MAX_VALUE.
 *
 * Effect on log-spaced buckets (the default for raw latencies): a confidence sequence for the
 * multiplicative shift canary ≈ baseline × (1 + δ), by inverting the same permutation e-values on
 * the canary histogram moved by whole buckets (`createShiftFamily`); under a pure shift δ is the
 * relative change of every quantile. Its width shrinks like the evidence's, far faster than the
 * per-cohort quantile sequences below (which need a union bound over two cohorts and bucket slack).
 * The point estimate is the ratio of the interpolated `quantile`s − 1, clamped into the interval.
 *
 * Effect on given edges (Prometheus histograms, where a bucket shift is not a multiplication):
 * relative change of the `quantile`-quantile, canary vs baseline. Each cohort gets a
 * (1 − alpha/2) time-uniform quantile confidence sequence from its cumulative histogram (Howard &
 * Ramdas 2022, Bernoulli, Thm 1; `quantileConfidenceSequence`), combined by a union bound into
 * [lowC/highB − 1, highC/lowB − 1]; the estimate is the ratio of interpolated empirical quantiles − 1.
 * With coarse buckets (Traefik's four) the interval is at least a bucket-ratio wide and often
 * unbounded above — honest, not wrong. The quantile CS assumes each cohort's latencies are i.i.d.
 * over time; under a shared drift it covers a time-averaged quantile only approximately.
 *
 * Cost: `observe` is one bucket index (a Math.log) and an increment; everything else runs in
 * `endBatch` (O(K + N·|λ|)). `n`, `evidence` and `effect` reflect closed batches only. Memory:
 * counts are kept only over the band of buckets each cohort occupies (`BucketCounts`), and the open
 * batch's storage is given back when it closes.
 *
 * @example
 * const test = createLatencyShiftTest({ quantile: 0.95 });
 * for (const ms of baselineBatch) test.observe('baseline', ms / 1000);
 * for (const ms of canaryBatch) test.observe('canary', ms / 1000);
 * test.endBatch();
 * test.evidence('greater'); // e-value; ≥ 1/alpha ⇒ the canary is slower
 * test.effect(0.05);        // { estimate: 0.12, low: -0.03, high: 0.31 } — p95 12% higher
 */
export function createLatencyShiftTest(options: LatencyShiftOptions = {}): LatencyShiftTest {
  checkOptionKeys(FN, options, ['edges', 'quantile', 'effectInterval', 'anchor', 'harm']);
  const harm = options.harm ?? 'either';
  if (harm !== 'increase' && harm !== 'decrease' && harm !== 'either')
    throw new StatsInputError(FN, `harm must be 'increase', 'decrease' or 'either', got ${String(harm)}`);
  const exactAnchors: ExactAnchors = harm === 'increase' ? 'up' : harm === 'decrease' ? 'down' : 'both';
  const mode = options.effectInterval ?? 'shift';
  if (mode !== 'shift' && mode !== 'quantile')
    throw new StatsInputError(FN, `effectInterval must be 'shift' or 'quantile', got ${String(mode)}`);
  let anchorSteps = 0;
  let layout: BucketLayout;
  if (options.edges !== undefined) layout = logBuckets({ edges: options.edges });
  else if (options.anchor !== undefined) {
    if (!(options.anchor > 1.002 && options.anchor < 100))
      throw new StatsInputError(FN, `anchor must be in (1.002, 100), got ${options.anchor}`);
    anchorSteps = Math.max(1, Math.round(Math.log(options.anchor) / Math.log(1.025)));
    layout = logBuckets({ ratio: options.anchor ** (1 / anchorSteps) });
  } else layout = logBuckets();
  return build(layout, options.quantile ?? 0.5, null, mode === 'shift', anchorSteps, exactAnchors);
}

/** Rebuilds a test from `snapshot()` output; malformed snapshots throw `StatsInputError`. */
export function restoreLatencyShiftTest(snapshot: LatencyShiftState): LatencyShiftTest {
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.version !== 1) {
    throw new StatsInputError(FN, 'not a version-1 latency-shift snapshot');
  }
  const spec = snapshot.layout;
  const layout =
    spec?.kind === 'log'
      ? logBuckets({ min: spec.min, max: spec.max, ratio: spec.ratio })
      : spec?.kind === 'edges' && Array.isArray(spec.le)
        ? logBuckets({ edges: [...spec.le, Infinity] })
        : null;
  if (layout === null) throw new StatsInputError(FN, 'snapshot.layout is not a bucket layout');
  return build(layout, snapshot.quantile, snapshot, snapshot.shift !== undefined, snapshot.shift?.anchorSteps ?? 0);
}

function build(
  layout: BucketLayout,
  quantile: number,
  from: LatencyShiftState | null,
  shiftInterval: boolean,
  anchorSteps: number,
  /** for a new test; a restored one takes its snapshot's */
  exactAnchors?: ExactAnchors,
): LatencyShiftTest {
  if (!(quantile > 0 && quantile < 1)) throw new StatsInputError(FN, `quantile must be in (0, 1), got ${quantile}`);
  const family: ShiftFamily | null =
    shiftInterval && layout.spec.kind === 'log'
      ? createShiftFamily(layout.spec.ratio, from?.shift, anchorSteps, exactAnchors)
      : null;
  const test = new LatencyShift(layout, quantile, family);
  if (from !== null) test.load(from);
  return test;
}

const checkCohort = (cohort: Cohort): void => {
  if (cohort !== 'baseline' && cohort !== 'canary')
    throw new StatsInputError(FN, `cohort must be 'baseline' or 'canary', got ${String(cohort)}`);
};

/**
 * One test's state. A class, so that its methods live once on the prototype: a live gate holds one
 * per latency/gauge metric of every release (20,000 at 1,000 releases × 20 metrics), and a closure
 * per method per instance cost about as much as the counts themselves.
 */
class LatencyShift implements LatencyShiftTest {
  /** closed batches, merged */
  private readonly cumBaseline = new BucketCounts();
  private readonly cumCanary = new BucketCounts();
  /** the open batch */
  private readonly openBaseline = new BucketCounts();
  private readonly openCanary = new BucketCounts();
  private readonly logE = doubles(TILTS.length, EMPTY);
  private batches = 0;

  constructor(
    readonly buckets: BucketLayout,
    private readonly quantileP: number,
    private readonly family: ShiftFamily | null,
  ) {}

  /** continues from a snapshot of a test with the same layout (the constructor's arguments came from it) */
  load(from: LatencyShiftState): void {
    const K = this.buckets.count;
    decode(from.counts?.baseline, this.cumBaseline, K, 'counts.baseline');
    decode(from.counts?.canary, this.cumCanary, K, 'counts.canary');
    decode(from.open?.baseline, this.openBaseline, K, 'open.baseline');
    decode(from.open?.canary, this.openCanary, K, 'open.canary');
    const g = from.logE?.greater;
    const l = from.logE?.less;
    if (!Array.isArray(g) || !Array.isArray(l) || g.length !== LAMBDAS.length || l.length !== LAMBDAS.length) {
      throw new StatsInputError(FN, `snapshot.logE needs ${LAMBDAS.length} values per side`);
    }
    [...g, ...l].forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new StatsInputError(FN, `snapshot.logE has a non-finite value ${v}`);
      this.logE[k] = v;
    });
    if (!(Number.isInteger(from.batches) && from.batches >= 0))
      throw new StatsInputError(FN, 'snapshot.batches must be an integer >= 0');
    this.batches = from.batches;
  }

  get n(): { baseline: number; canary: number } {
    return { baseline: this.cumBaseline.total, canary: this.cumCanary.total };
  }

  private cumulative(cohort: Cohort): BucketCounts {
    return cohort === 'canary' ? this.cumCanary : this.cumBaseline;
  }

  observe(cohort: Cohort, value: number): void {
    const k = this.buckets.bucketIndex(value);
    if (cohort === 'baseline') this.openBaseline.add(k, 1);
    else if (cohort === 'canary') this.openCanary.add(k, 1);
    else checkCohort(cohort);
  }

  observeBuckets(cohort: Cohort, counts: ArrayLike<number>): void {
    checkCohort(cohort);
    const K = this.buckets.count;
    if (counts.length !== K)
      throw new StatsInputError(FN, `counts must have one entry per bucket (${K}), got ${counts.length}`);
    for (let k = 0; k < K; k++) {
      const c = counts[k];
      if (!(Number.isInteger(c) && c >= 0))
        throw new StatsInputError(FN, `counts[${k}] must be an integer >= 0 (non-cumulative increments), got ${c}`);
    }
    const target = cohort === 'canary' ? this.openCanary : this.openBaseline;
    for (let k = 0; k < K; k++) if (counts[k] > 0) target.add(k, counts[k]);
  }

  endBatch(): void {
    const { logE, batches } = this;
    // the e-values depend only on the order of the buckets that hold something: the common band is enough
    const table = alignPair(this.openBaseline, this.openCanary);
    // counts are integers ≥ 0 by construction (observe, observeBuckets and restore check them)
    const add = batchShiftLogEValuesChecked(table.baseline, table.canary, table.baseline.length, PLAN, 32, batchLogE);
    const logWeight = startLogWeight(batches);
    for (let k = 0; k < TILTS.length; k++) logE[k] = advanceWithLogWeight(logE[k], add[k], logWeight);
    if (this.family) {
      for (let j = 0; j < FAMILY_TILT_INDEX.length; j++) familyUnshifted[j] = add[FAMILY_TILT_INDEX[j]];
      this.family.update(table.baseline, table.canary, batches, table.start, this.buckets.count, familyUnshifted);
    }
    this.cumBaseline.merge(this.openBaseline);
    this.cumCanary.merge(this.openCanary);
    this.openBaseline.clear();
    this.openCanary.clear();
    this.batches++;
  }

  private mixture(offset: number): number {
    return meanStartMixtureLogEvidence(this.logE, offset, LAMBDAS.length, this.batches);
  }

  evidence(alternative: Alternative): number {
    const side = checkAlternative(FN, alternative);
    let log: number;
    if (side === 'greater') log = this.mixture(0);
    else if (side === 'less') log = this.mixture(LAMBDAS.length);
    else {
      const g = this.mixture(0);
      const l = this.mixture(LAMBDAS.length);
      const max = Math.max(g, l);
      log = max + Math.log((Math.exp(g - max) + Math.exp(l - max)) / 2);
    }
    return Math.min(Math.exp(log), Number.MAX_VALUE);
  }

  effect(alpha: number): EffectInterval {
    if (!(alpha > 0 && alpha < 1)) throw new StatsInputError(FN, `alpha must be in (0, 1), got ${alpha}`);
    if (this.cumBaseline.total === 0 || this.cumCanary.total === 0)
      throw new StatsInputError(FN, 'effect needs at least one closed observation per cohort');
    if (this.family) {
      // the shift sequence bounds the effect; the quantiles give only the point estimate
      const estimate =
        this.quantileEstimate('canary', this.quantileP) / this.quantileEstimate('baseline', this.quantileP);
      return this.family.interval(alpha, estimate - 1);
    }
    const b = this.cohortQuantile(this.cumBaseline, this.quantileP, alpha / 2);
    const c = this.cohortQuantile(this.cumCanary, this.quantileP, alpha / 2);
    return {
      estimate: c.estimate / b.estimate - 1,
      low: b.high === Infinity ? -1 : c.low / b.high - 1,
      high: b.low === 0 ? Infinity : c.high / b.low - 1,
    };
  }

  quantile(cohort: Cohort, p: number, alpha: number): QuantileInterval {
    checkCohort(cohort);
    const counts = this.cumulative(cohort);
    if (counts.total === 0) throw new StatsInputError(FN, `quantile needs at least one closed ${cohort} observation`);
    return this.cohortQuantile(counts, p, alpha);
  }

  quantileEstimate(cohort: Cohort, p: number): number {
    checkCohort(cohort);
    if (!(p > 0 && p < 1)) throw new StatsInputError(FN, `p must be in (0, 1), got ${p}`);
    const counts = this.cumulative(cohort);
    if (counts.total === 0) throw new StatsInputError(FN, `quantile needs at least one closed ${cohort} observation`);
    return bandQuantile(counts, this.buckets.edges, p);
  }

  /**
   * A cohort's quantile sequence over the part of the layout that matters: from the bucket below
   * its first occupied one (where the cumulative count is 0) to its last occupied one (where it is
   * n) — edges outside add nothing (the search for the ends stops at the first edge holding n, and
   * no edge below holds less than 0), so the answer equals the full layout's.
   */
  private cohortQuantile(counts: BucketCounts, p: number, alpha: number): QuantileInterval {
    const { cdf, edges } = this.band(counts);
    return quantileConfidenceSequence(cdf, edges, { p, alpha });
  }

  /** cumulative counts and edges from the bucket below the cohort's first occupied one to its last */
  private band(counts: BucketCounts): { cdf: Float64Array; edges: readonly number[] } {
    const stored = counts.view();
    const from = counts.start > 0 ? counts.start - 1 : 0;
    const lead = counts.start - from;
    const cdf = new Float64Array(lead + stored.length);
    let acc = 0;
    for (let k = 0; k < stored.length; k++) cdf[lead + k] = acc += stored[k];
    return { cdf, edges: this.buckets.edges.slice(from, counts.end) };
  }

  snapshot(): LatencyShiftState {
    const { logE } = this;
    return {
      version: 1,
      layout: this.buckets.spec,
      quantile: this.quantileP,
      batches: this.batches,
      logE: {
        greater: logE.slice(0, LAMBDAS.length),
        less: logE.slice(LAMBDAS.length),
      },
      counts: { baseline: encode(this.cumBaseline), canary: encode(this.cumCanary) },
      open: { baseline: encode(this.openBaseline), canary: encode(this.openCanary) },
      ...(this.family ? { shift: this.family.snapshot() } : {}),
    };
  }
}

/**
 * `interpolatedQuantile` over the cumulative counts and edges of `band(counts)`, read in place:
 * the same sums in the same order, so the same number to the bit, without the two arrays `band`
 * builds (the look reads two of these per latency metric).
 */
function bandQuantile(counts: BucketCounts, layoutEdges: readonly number[], p: number): number {
  const stored = counts.view();
  const start = counts.start;
  // band(): cdf = [0 if start > 0], then the running sums of `stored`; edges from start − 1 (or 0)
  let total = 0;
  for (let k = 0; k < stored.length; k++) total += stored[k];
  const rank = p * total;
  const lead = start > 0 ? 1 : 0;
  let k = 0;
  let below = 0;
  let cdf = lead === 1 ? 0 : stored[0];
  while (cdf < rank) {
    below = cdf;
    k++;
    cdf += stored[k - lead];
  }
  // band position k is layout bucket start − lead + k
  const bucket = start - lead + k;
  const lower = k === 0 ? 0 : layoutEdges[bucket - 1];
  if (layoutEdges[bucket] === Infinity) return lower;
  const inBucket = cdf - (k === 0 ? 0 : below);
  return lower + (layoutEdges[bucket] - lower) * ((rank - (k === 0 ? 0 : below)) / inBucket);
}

function encode(counts: BucketCounts): number[] {
  const out: number[] = [];
  let zeros = counts.start;
  for (const c of counts.view()) {
    if (c === 0) zeros++;
    else {
      if (zeros > 0) out.push(-zeros);
      zeros = 0;
      out.push(c);
    }
  }
  return out;
}

function decode(runs: unknown, into: BucketCounts, buckets: number, label: string): void {
  if (!Array.isArray(runs)) throw new StatsInputError(FN, `snapshot.${label} must be an array`);
  let k = 0;
  for (const v of runs) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v === 0)
      throw new StatsInputError(FN, `snapshot.${label} has a bad entry ${String(v)}`);
    if (v < 0) k -= v;
    else if (k < buckets) into.add(k++, v);
    else k++;
    if (k > buckets) throw new StatsInputError(FN, `snapshot.${label} is longer than the ${buckets} buckets`);
  }
}
