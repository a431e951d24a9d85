import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { StatsInputError } from './errors.ts';
import { checkOptionKeys } from './options.ts';

export interface BatchShiftOptions {
  /** at most this many rank groups (contiguous buckets merged by pooled rank); default 32 */
  groups?: number;
  /**
   * 'exact' (default): each group's exact hypergeometric likelihood ratio; 'binomial': each
   * group's factor bounded by sampling with replacement (`binomialBoundLogEValuesChecked`) —
   * never larger, much cheaper
   */
  bound?: 'exact' | 'binomial';
}

const FN = 'batchShiftLogEValues';

/**
 * Log e-values, one per tilt λ, of one batch's 2×K histogram table (baseline vs canary bucket
 * counts, same buckets) against "both cohorts drew from the same distribution in this batch".
 *
 * Conditional (permutation) null: given the batch's pooled bucket counts n_j and cohort sizes, the
 * canary's counts are a simple random sample without replacement of size n_c from the pooled
 * items (multivariate hypergeometric), whatever the common distribution is — so a drift shared
 * by both cohorts (diurnal load) cannot raise evidence. The statistic is a linear rank statistic
 * T = Σ_j a_j c_j with van der Waerden normal scores a_j = Φ⁻¹(midrank_j / (N + 1)) (Chernoff &
 * Savage 1958: asymptotic efficiency ≥ 1 relative to the t-test for every shift family, exactly 1
 * at the normal, i.e. for lognormal latencies; better than Wilcoxon's 3/π there).
 *
 * Rather than bounding E exp(λT) by sampling with replacement (Hoeffding 1963, Thm 4), which
 * overstates the permutation variance by N/(N − n_c) — a factor 2 for equal cohorts — the table is
 * scanned bucket by bucket (in ascending order, buckets first merged into ≤ `groups` pooled-rank
 * groups, a function of the margins only). Given the groups already scanned, the canary count of
 * group g is hypergeometric, X_g ~ Hyp(N_rem, C_rem, n_g), and its factor is the exact likelihood
 * ratio of a Fisher noncentral hypergeometric tilt,
 *     e_g(λ) = exp(l_g x_g) / E[exp(l_g X_g)],   l_g = λ (a_g − ā_{>g}),
 * where ā_{>g} is the pooled mean score of the groups after g. Each factor has conditional
 * expectation exactly 1, so Π_g e_g(λ) is an exact e-value for every λ (a product of conditional
 * likelihood ratios, Ville 1939; Shafer & Vovk 2019, "Game-Theoretic Foundations for Probability
 * and Finance", ch. 1). Since T − E T = Σ_g (a_g − ā_{>g})(X_g − E[X_g | past]) (Doob
 * decomposition), to second order log Π_g e_g(λ) = λ(T − E T) − λ² Var_perm(T)/2: the exact
 * conditional permutation e-value, without the with-replacement slack.
 * Merging buckets into 32 equal-count rank groups keeps > 99% of the normal-scores information
 * and bounds the cost: per group, ~18 standard deviations of multiply-adds per λ (σ_g ≤ √n_g / 2)
 * plus one pair of divisions per point of the span those walks cover (≤ n_g), and at most one
 * logarithm per (group, λ) — O(|λ| · Σ_g √n_g + N) in all (see `Hypergeometric`); a group of at
 * most SMALL + 1 support points costs a multiply-add per point and λ, with no transcendental
 * (`hornerSums`), and per λ one exponential per group and one logarithm in all (`TiltPlan`).
 *
 * λ > 0 bets on the canary being slower (higher buckets), λ < 0 on it being faster. A cohort with
 * no observations in the batch gives log e = 0 for every λ. Counts must be finite integers ≥ 0.
 *
 * @example
 * batchShiftLogEValues([5, 3, 1, 0], [0, 2, 4, 4], [0.5, -0.5]) // ≈ [2.45, -3.14]: canary slower
 */
export function batchShiftLogEValues(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  lambdas: ArrayLike<number>,
  options: BatchShiftOptions = {},
): Float64Array {
  checkOptionKeys(FN, options, ['groups', 'bound']);
  const maxGroups = options.groups ?? 32;
  if (!(Number.isInteger(maxGroups) && maxGroups >= 2))
    throw new StatsInputError(FN, `groups must be an integer >= 2, got ${maxGroups}`);
  const bound = options.bound ?? 'exact';
  if (bound !== 'exact' && bound !== 'binomial')
    throw new StatsInputError(FN, `bound must be 'exact' or 'binomial', got ${String(bound)}`);
  if (baseline.length !== canary.length) {
    throw new StatsInputError(FN, `baseline and canary need the same buckets (${baseline.length} vs ${canary.length})`);
  }
  const L = lambdas.length;
  for (let k = 0; k < L; k++)
    if (!Number.isFinite(lambdas[k])) throw new StatsInputError(FN, `lambdas[${k}] is ${lambdas[k]}`);
  const K = baseline.length;
  for (let j = 0; j < K; j++) {
    const b = baseline[j];
    const c = canary[j];
    if (!(Number.isInteger(b) && b >= 0))
      throw new StatsInputError(FN, `baseline[${j}] must be an integer >= 0, got ${b}`);
    if (!(Number.isInteger(c) && c >= 0))
      throw new StatsInputError(FN, `canary[${j}] must be an integer >= 0, got ${c}`);
  }
  const scan = bound === 'exact' ? batchShiftLogEValuesChecked : binomialBoundLogEValuesChecked;
  return scan(baseline, canary, K, tiltPlan(lambdas), maxGroups, new Float64Array(L));
}

/**
 * How each tilt's w = e^(λd) is obtained at a group of score difference d: by an exponential, or
 * from an earlier tilt's w — its square when λ is twice that tilt's, its reciprocal when λ is its
 * negative. The grids of the latency test and the shift family are geometric with ratio 2 (or √2)
 * and symmetric, so two or one exponentials per group instead of one per tilt. A square doubles
 * the relative rounding error of w (w = e^(2^j λ₀ d) after j squarings is off by ≈ 2^(j+1) ulp,
 * ~1.4e-14 at j = 6): rounding, no more — e^(λd) itself is only correct to an ulp.
 */
export interface TiltPlan {
  readonly lambdas: Float64Array;
  /** per tilt: 0 = exp(λd), 1 = w[from]², 2 = 1 / w[from] */
  readonly how: Uint8Array;
  readonly from: Int32Array;
}

/** The plan of `lambdas` (finite): built once per tilt grid by its owner, or per call by `batchShiftLogEValues`. */
export function tiltPlan(lambdas: ArrayLike<number>): TiltPlan {
  const L = lambdas.length;
  const plan = { lambdas: Float64Array.from(lambdas), how: new Uint8Array(L), from: new Int32Array(L) };
  for (let k = 0; k < L; k++) {
    const lambda = lambdas[k];
    if (lambda === 0) continue;
    for (let j = 0; j < k; j++) {
      if (lambdas[j] === -lambda) {
        plan.how[k] = 2;
        plan.from[k] = j;
        break;
      }
      if (plan.how[k] === 0 && lambda === 2 * lambdas[j]) {
        plan.how[k] = 1;
        plan.from[k] = j;
      }
    }
  }
  return plan;
}

/**
 * `batchShiftLogEValues` on input its caller has already checked (counts finite integers ≥ 0,
 * tilts finite, `groups` an integer ≥ 2) over the first `K` buckets, written into `out` (length ≥
 * the tilts'; overwritten): the same arithmetic in the same order, so the same values to the bit,
 * without the checks and allocations that the shift family would otherwise repeat for every grid
 * shift of every batch.
 */
export function batchShiftLogEValuesChecked(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  K: number,
  plan: TiltPlan,
  maxGroups: number,
  out: Float64Array,
): Float64Array {
  const { lambdas, how, from } = plan;
  const L = lambdas.length;
  out.fill(0, 0, L);
  const G = rankGroups(baseline, canary, K, maxGroups);
  if (G < 2) return releaseLarge(out);
  const nc = tableTotals[0];
  const N = tableTotals[1];
  const gn = groupSize;
  const gc = groupCanary;
  const score = groupScore;
  const tailMean = groupTailMean;

  // 3. scan: exact hypergeometric likelihood ratios, group by group. A group's log factor for a
  // tilt is l(x − lo) + log Z − log S, S the tilted sum; the normalisers Z and the sums S are
  // multiplied over the groups and their logarithms taken once per tilt at the end, instead of
  // once per group and tilt (a product of ≤ 32 sums, each between 1 and the support's size plus a
  // bounded tail, flushed into the logarithm past FLUSH so it never overflows).
  let maxSize = 0;
  for (let g = 0; g < G; g++) maxSize = Math.max(maxSize, gn[g]);
  reserve(maxSize + 1);
  reserveTilts(L);
  const w = tiltW;
  const sums = tiltS;
  sums.fill(1, 0, L);
  let zProduct = 1;
  let cRem = nc;
  let nRem = N;
  for (let g = 0; g < G - 1; g++) {
    const n = gn[g];
    const x = gc[g];
    const bRem = nRem - cRem;
    if (cRem === 0 || bRem === 0) break;
    const lo = Math.max(0, n - bRem);
    const hi = Math.min(n, cRem);
    if (!(hi > lo)) {
      cRem -= x;
      nRem -= n;
      continue;
    }
    const d = score[g] - tailMean[g];
    for (let k = 0; k < L; k++) {
      const kind = how[k];
      w[k] = kind === 0 ? Math.exp(lambdas[k] * d) : kind === 1 ? w[from[k]] * w[from[k]] : 1 / w[from[k]];
    }
    const top = hi - lo;
    const small = top <= SMALL;
    const law = small ? null : new Hypergeometric(nRem, cRem, n, lo, hi);
    zProduct *= small ? tabulateWhole(nRem, cRem, n, lo, hi) : law!.z;
    if (zProduct > FLUSH) {
      for (let k = 0; k < L; k++) out[k] += Math.log(zProduct);
      zProduct = 1;
    }
    const m0 = smallMode[0];
    // a small law of HORNER_CHAINS points or more: its Horner sums first, four tilts per pass
    // over its terms (`hornerSums`); a smaller one's a tilt at a time (`hornerSum`)
    const chained = small && top >= HORNER_CHAINS;
    if (chained) {
      let count = 0;
      for (let k = 0; k < L; k++) if (Math.abs(lambdas[k] * d) * top <= HORNER_SPAN) hornerTilts[count++] = k;
      hornerSums(top, m0, w, count);
    }
    let logsTabulated = false;
    for (let k = 0; k < L; k++) {
      const l = lambdas[k] * d;
      let sum: number;
      if (!small) sum = law!.tiltedSum(l, w[k]);
      else if (Math.abs(l) * top <= HORNER_SPAN) {
        sum = chained ? hornerTotal[k] : hornerSum(top, m0, w[k]);
        tiltedLogScale[0] = l * m0;
      } else {
        if (!logsTabulated) {
          completeTables(nRem, cRem, n, lo, hi);
          tabulateLogs(top, m0);
        }
        logsTabulated = true;
        sum = tiltedSumTabulated(top, l, w[k]);
      }
      out[k] += l * (x - lo) - tiltedLogScale[0];
      let product = sums[k] * sum;
      if (product > FLUSH) {
        out[k] -= Math.log(product);
        product = 1;
      }
      sums[k] = product;
    }
    cRem -= x;
    nRem -= n;
  }
  const logZ = Math.log(zProduct);
  for (let k = 0; k < L; k++) out[k] += logZ - Math.log(sums[k]);
  return releaseLarge(out);
}

/**
 * The same scan with each group's factor bounded instead of exact: log e-values no larger than
 * `batchShiftLogEValuesChecked`'s for the same groups, at a fraction of the cost (one logarithm
 * per group and tilt, no hypergeometric law). Given the groups scanned before it, group g's canary
 * count is X_g ~ Hyp(N_rem, C_rem, n_g): a sample of n_g without replacement from N_rem pooled
 * items of which C_rem are canary. Hoeffding (1963, "Probability inequalities for sums of bounded
 * random variables", JASA 58, Thm 4) shows E f(X_g) ≤ E f(Y) for every continuous convex f, Y ~
 * Bin(n_g, q), q = C_rem / N_rem — the same draws with replacement. With f(x) = e^(lx),
 *     e_g(λ) = exp(l x_g) / (1 − q + q·e^l)^(n_g),   l = λ (a_g − ā_{>g}),
 * has conditional expectation ≤ 1, so the product over groups is an e-value (≤ 1 in expectation)
 * under the permutation null, as the exact one is, and it never exceeds the exact one: the
 * numerators are equal and the binomial's generating function bounds the hypergeometric's. A
 * group of one pooled item is a Bernoulli draw either way, so the two agree there.
 *
 * What the bound gives up is the finite-population correction within each group, (N_rem − n_g) /
 * (N_rem − 1) of the variance: little for the early groups of the scan, up to half for the last
 * ones. On lognormal batches of 300–1,000 latencies per cohort moved by 10%, its growth rate with
 * 16 groups is 85–90% of the exact scan's with 32, at a quarter of the cost or less (docs/scale-out.md).
 */
export function binomialBoundLogEValuesChecked(
  baseline: ArrayLike<number>,
  canary: ArrayLike<number>,
  K: number,
  plan: TiltPlan,
  maxGroups: number,
  out: Float64Array,
): Float64Array {
  const { lambdas, how, from } = plan;
  const L = lambdas.length;
  out.fill(0, 0, L);
  const G = rankGroups(baseline, canary, K, maxGroups);
  if (G < 2) return releaseLarge(out);
  const nc = tableTotals[0];
  const N = tableTotals[1];
  reserveTilts(L);
  const w = tiltW;
  const gn = groupSize;
  const gc = groupCanary;
  let cRem = nc;
  let nRem = N;
  // the last group's count is fixed by the others (factor 1)
  for (let g = 0; g < G - 1; g++) {
    const n = gn[g];
    const x = gc[g];
    // every remaining item is of one cohort: the rest of the table is determined
    if (cRem === 0 || cRem === nRem) break;
    const q = cRem / nRem;
    const d = groupScore[g] - groupTailMean[g];
    for (let k = 0; k < L; k++) {
      const kind = how[k];
      w[k] = kind === 0 ? Math.exp(lambdas[k] * d) : kind === 1 ? w[from[k]] * w[from[k]] : 1 / w[from[k]];
      // log(1 − q + q·w) as log1p(q(w − 1)): exact near w = 1, where the small tilts are
      out[k] += lambdas[k] * d * x - n * Math.log1p(q * (w[k] - 1));
    }
    cRem -= x;
    nRem -= n;
  }
  return releaseLarge(out);
}

/**
 * Steps 1 and 2 of the scan, shared by both bounds: merges the first K buckets into at most
 * maxGroups contiguous groups of about N / maxGroups pooled items — a function of the pooled
 * counts only — and writes each group's size, canary count, normal score of its pooled mid-rank
 * and the pooled mean score of the groups after it into the scratch arrays (groupSize,
 * groupCanary, groupScore, groupTailMean), and the table's canary and pooled totals into
 * tableTotals. Returns the number of groups: 0 when a cohort is empty (no e-value to compute).
 */
function rankGroups(baseline: ArrayLike<number>, canary: ArrayLike<number>, K: number, maxGroups: number): number {
  let nb = 0;
  let nc = 0;
  for (let j = 0; j < K; j++) {
    nb += baseline[j];
    nc += canary[j];
  }
  tableTotals[0] = nc;
  tableTotals[1] = nb + nc;
  if (nb === 0 || nc === 0) return 0;
  const N = nb + nc;
  // 1. merge contiguous buckets into ≤ maxGroups groups of about N / maxGroups pooled items
  const cap = Math.min(K, maxGroups);
  if (groupSize.length < cap) {
    const grown = Math.max(cap, 2 * groupSize.length);
    groupSize = new Float64Array(grown);
    groupCanary = new Float64Array(grown);
    groupScore = new Float64Array(grown);
    groupTailMean = new Float64Array(grown);
  }
  // (whole scratch arrays, not subarray views: a view is an object allocated per call)
  const gn = groupSize;
  const gc = groupCanary;
  const score = groupScore;
  const tailMean = groupTailMean; // mean score of groups g+1..G-1
  let G = 0;
  let pooled = 0;
  let open = false;
  for (let j = 0; j < K; j++) {
    const n = baseline[j] + canary[j];
    if (n === 0) continue;
    if (!open) {
      gn[G] = 0;
      gc[G] = 0;
      G++;
      open = true;
    }
    gn[G - 1] += n;
    gc[G - 1] += canary[j];
    pooled += n;
    if (pooled * maxGroups >= G * N) open = false;
  }
  if (G < 2) return G;

  // 2. normal scores of the groups' pooled mid-ranks; suffix means of the scores
  const table = scoreTable(N);
  let before = 0;
  for (let g = 0; g < G; g++) {
    score[g] = midRankScore(2 * before + gn[g] + 1, N, table);
    before += gn[g];
  }
  let sufSum = 0;
  let sufN = 0;
  for (let g = G - 1; g >= 0; g--) {
    tailMean[g] = sufN > 0 ? sufSum / sufN : 0;
    sufSum += gn[g] * score[g];
    sufN += gn[g];
  }
  return G;
}

/** the canary and pooled totals of the table `rankGroups` last grouped */
const tableTotals = new Float64Array(2);

/** grows the per-tilt scratch arrays to L tilts */
function reserveTilts(L: number): void {
  if (tiltW.length >= L) return;
  tiltW = new Float64Array(Math.max(L, 2 * tiltW.length));
  tiltS = new Float64Array(tiltW.length);
  hornerTotal = new Float64Array(tiltW.length);
  hornerTilts = new Int32Array(tiltW.length);
}

/** products of normalisers and tilted sums are flushed into the log e-values past this */
const FLUSH = 1e280;
/** per tilt: w = e^(λd) of the current group, and the product of the tilted sums so far */
let tiltW = new Float64Array(32);
let tiltS = new Float64Array(32);
/** per tilt: the current small law's Horner sum (`hornerSums`), for the tilts listed in hornerTilts */
let hornerTotal = new Float64Array(32);
let hornerTilts = new Int32Array(32);
/**
 * [0]: log H_m + l·m of the last tilted sum, which is relative to its largest term, at the tilted
 * mode m (an array slot, not a module variable: writing a double to a variable of the module's
 * scope boxes it, an allocation per group and tilt)
 */
const tiltedLogScale = new Float64Array(1);

/**
 * The van der Waerden score Φ⁻¹(r / (N + 1)) of mid-rank r = twiceMidRank / 2 among N pooled
 * items: normalQuantile((before + (n + 1) / 2) / (N + 1)) for a group of n after `before` items
 * (that argument is exactly twiceMidRank / 2 / (N + 1): half-integers are exact). Scores are kept
 * in tables shared by every test and family, one per N up to SCORE_TABLE_N, filled on first use
 * (the same numbers: one call each): a scraped gauge pools the same N every batch, and within a
 * batch the test and every grid shift of the family pool the same N. `table` is `scoreTable(N)`.
 */
function midRankScore(twiceMidRank: number, N: number, table: Float64Array | undefined): number {
  if (table === undefined) return normalQuantile(twiceMidRank / 2 / (N + 1), 0, 1);
  let score = table[twiceMidRank];
  if (Number.isNaN(score)) score = table[twiceMidRank] = normalQuantile(twiceMidRank / 2 / (N + 1), 0, 1);
  return score;
}
/** the score table of pooled size N (`midRankScore`), created on first use, none past SCORE_TABLE_N: looked up once per call, not once per group */
function scoreTable(N: number): Float64Array | undefined {
  if (N > SCORE_TABLE_N) return undefined;
  let table = scoreTables.get(N);
  if (table === undefined) {
    table = new Float64Array(2 * N + 2).fill(NaN);
    if (scoreTables.size >= SCORE_TABLES) scoreTables.delete(scoreTables.keys().next().value!);
    scoreTables.set(N, table);
  }
  return table;
}
/** score tables are kept for N up to this (32 KiB each), the SCORE_TABLES most recently created */
const SCORE_TABLE_N = 2048;
const SCORE_TABLES = 8;
const scoreTables = new Map<number, Float64Array>();

/** terms below this fraction of the running sum end a walk (the rest is dropped or bounded) */
const CUTOFF = 1e-18;
/** the ratio cache grows by this many points (fewer at the support's ends) when a walk runs off it */
const CHUNK = 32;
/** supports of at most this many points are tabulated whole (`tabulateWhole`): cheaper when small */
const SMALL = 64;

// Scratch buffers, reused across calls and grown as needed (a call runs to completion, so one set
// is enough); buffers grown past RETAIN entries are dropped at the end of the call instead of being
// kept. Only the current group's entries are meaningful.
const RETAIN = 1 << 16;
/** per-group sizes, canary counts, scores and tail means: min(K, groups) entries each */
let groupSize = new Float64Array(32);
let groupCanary = new Float64Array(32);
let groupScore = new Float64Array(32);
let groupTailMean = new Float64Array(32);
/** ratio(i) and 1 / ratio(i) of the current law, valid on the law's cached range [ca, cb) */
let ratioBuf = new Float64Array(64);
let inverseBuf = new Float64Array(64);
/** H_i and (lazily, NaN until needed) log H_i of the current law: on its untilted window [u0, u1]
 * (`Hypergeometric`), or log H_i on the whole support (`tabulateWhole`) */
let termBuf = new Float64Array(64);
let logTermBuf = new Float64Array(64);

/** makes the per-law buffers hold indices 0..size − 1 */
function reserve(size: number): void {
  if (ratioBuf.length >= size) return;
  const grown = Math.max(size, 2 * ratioBuf.length);
  ratioBuf = new Float64Array(grown);
  inverseBuf = new Float64Array(grown);
  termBuf = new Float64Array(grown);
  logTermBuf = new Float64Array(grown);
}

/** drops scratch buffers grown past RETAIN entries (a one-off huge batch keeps no memory); passes `out` through */
function releaseLarge(out: Float64Array): Float64Array {
  if (groupSize.length > RETAIN) {
    groupSize = new Float64Array(32);
    groupCanary = new Float64Array(32);
    groupScore = new Float64Array(32);
    groupTailMean = new Float64Array(32);
  }
  if (ratioBuf.length > RETAIN) {
    ratioBuf = new Float64Array(64);
    inverseBuf = new Float64Array(64);
    termBuf = new Float64Array(64);
    logTermBuf = new Float64Array(64);
  }
  return out;
}

/**
 * X ~ Hyp(N, C, n) on [lo, hi], indexed by i = x − lo ∈ [0, top], top = hi − lo, with
 * ratio(i) = P(X = x + 1) / P(X = x) = (n − x)(C − x) / ((x + 1)(N − C − n + x + 1)), strictly
 * decreasing in i (the law is log-concave), and H_i = P(X = lo + i) / P(X = lo + m0), m0 the mode.
 *
 * For large supports (> SMALL points). Only terms above 1e-18 of the sum matter, and they lie
 * within about ±9σ of a mode, so nothing is tabulated over the whole support (O(n) ratios and a
 * logarithm per point, as `tabulateWhole` does): ratio(i) and 1 / ratio(i) are cached over one
 * contiguous range [ca, cb) that grows, by CHUNK points at a time, as the walks run off it — in the
 * end the span of the windows walked, a single division pair per point. A group then costs that
 * span plus ~18σ multiply-adds per λ, and per λ one log (w = e^l comes from the caller, see
 * `TiltPlan`; the sum's own log is taken once for all groups): log H at a tilted mode m
 * is log of the stored untilted term when m lies in the untilted window [u0, u1], else it comes
 * from Loader's saddle-point pmf (`logBinomialTerm`: O(1), ~1e-14 relative, where a running
 * sum of log ratios would need |m − m0| logarithms). Either way H is normalised by the same
 * P(X = lo + m0), so Z and the tilted sums stay consistent.
 *
 * The constructor walks out from m0 (storing H_i) and sets z = Σ_i H_i from a sum that
 * only drops terms below 1e-18 of the total — a lower bound on Z, which errs towards a smaller
 * e-value. Walks add terms eight at a time and test the cutoff between blocks, so up to seven
 * terms past the first one below it are summed exactly rather than dropped (here) or bounded (in
 * `tiltedSum`): sums a little closer to the truth, erring in the same direction as before.
 */
class Hypergeometric {
  /** Σ_i H_i (a lower bound: see above) */
  readonly z: number;
  private readonly top: number;
  private readonly D: number;
  private readonly m0: number;
  /** H_i = termBuf[i] on [u0, u1] */
  private readonly u0: number;
  private readonly u1: number;
  /** ratioBuf / inverseBuf hold ratio(i) and 1 / ratio(i) on [ca, cb) */
  private ca: number;
  private cb: number;
  /** log P(X = lo + m0) up to an x-free constant (`logBinomialTerm`), computed on first need */
  private logPm0 = NaN;

  constructor(
    private readonly N: number,
    private readonly C: number,
    private readonly n: number,
    private readonly lo: number,
    hi: number,
  ) {
    const top = (this.top = hi - lo);
    this.D = N - C - n + 1;
    this.ca = this.cb = 0;
    const m0 = (this.m0 = this.mode(1));
    this.ca = this.cb = m0;
    const ratio = ratioBuf;
    const inverse = inverseBuf;
    const term = termBuf;
    term[m0] = 1;
    let sum = 1;
    let t = 1;
    let i = m0;
    for (;;) {
      const end = this.cb;
      for (; i + 8 <= end && t >= CUTOFF * sum; i += 8) {
        const a = ratio[i];
        const b = a * ratio[i + 1];
        const c = b * ratio[i + 2];
        const d = c * ratio[i + 3];
        const e = ratio[i + 4];
        const f = e * ratio[i + 5];
        const g = f * ratio[i + 6];
        const h = g * ratio[i + 7];
        sum += t * (a + b + (c + d) + d * (e + f + (g + h)));
        term[i + 1] = t * a;
        term[i + 2] = t * b;
        term[i + 3] = t * c;
        const td = (term[i + 4] = t * d);
        term[i + 5] = td * e;
        term[i + 6] = td * f;
        term[i + 7] = td * g;
        term[i + 8] = t = td * h;
      }
      for (; i < end && t >= CUTOFF * sum; i++) {
        sum += t *= ratio[i];
        term[i + 1] = t;
      }
      if (i >= top || t < CUTOFF * sum) break;
      this.grow(i, Math.min(top, i + CHUNK));
    }
    this.u1 = i;
    t = 1;
    i = m0 - 1;
    for (;;) {
      const end = this.ca;
      for (; i - 7 >= end && t >= CUTOFF * sum; i -= 8) {
        const a = inverse[i];
        const b = a * inverse[i - 1];
        const c = b * inverse[i - 2];
        const d = c * inverse[i - 3];
        const e = inverse[i - 4];
        const f = e * inverse[i - 5];
        const g = f * inverse[i - 6];
        const h = g * inverse[i - 7];
        sum += t * (a + b + (c + d) + d * (e + f + (g + h)));
        term[i] = t * a;
        term[i - 1] = t * b;
        term[i - 2] = t * c;
        const td = (term[i - 3] = t * d);
        term[i - 4] = td * e;
        term[i - 5] = td * f;
        term[i - 6] = td * g;
        term[i - 7] = t = td * h;
      }
      for (; i >= end && t >= CUTOFF * sum; i--) {
        sum += t *= inverse[i];
        term[i] = t;
      }
      if (i < 0 || t < CUTOFF * sum) break;
      this.grow(Math.max(0, i + 1 - CHUNK), i + 1);
    }
    this.u0 = i + 1;
    logTermBuf.fill(NaN, this.u0, this.u1 + 1);
    this.z = sum;
  }

  /**
   * Σ_i H_i w^i over i = 0..top, w = e^l, as S · e^tiltedLogScale with S returned (its largest
   * term, at the tilted mode m, is 1; tiltedLogScale[0] = log H_m + l·m), walking out from m (terms are
   * log-concave in i) until a term falls below 1e-18 of the sum; the skipped tail is bounded by a
   * geometric series with the first skipped ratio (ratios keep shrinking away from the mode) and
   * added, so the result never underestimates: the e-value errs small, never large. Blocks of
   * eight terms are formed relative to the block's start, summed, then scaled, so the running
   * product advances by one multiplication per block rather than per term.
   */
  tiltedSum(l: number, w: number): number {
    const v = 1 / w;
    const top = this.top;
    const m = this.mode(v);
    let sum = 1;
    // upwards: t_{i+1} = t_i · ratio(i) · w, i = m, m + 1, …
    if (m < top) {
      this.cover(m);
      const ratio = ratioBuf;
      let t = 1;
      let i = m;
      for (;;) {
        const end = this.cb;
        for (; i + 8 <= end && t >= CUTOFF * sum; i += 8) {
          const a = ratio[i] * w;
          const b = a * (ratio[i + 1] * w);
          const c = b * (ratio[i + 2] * w);
          const d = c * (ratio[i + 3] * w);
          const e = ratio[i + 4] * w;
          const f = e * (ratio[i + 5] * w);
          const g = f * (ratio[i + 6] * w);
          const h = g * (ratio[i + 7] * w);
          sum += t * (a + b + (c + d) + d * (e + f + (g + h)));
          t *= d * h;
        }
        for (; i < end && t >= CUTOFF * sum; i++) sum += t *= ratio[i] * w;
        if (i >= top || t < CUTOFF * sum) break;
        this.grow(i, Math.min(top, i + CHUNK));
      }
      if (i < top) {
        const q = this.ratio(i) * w;
        sum += (t * q) / (1 - q);
      }
    }
    // downwards: t_i = t_{i+1} / (ratio(i) · w), i = m − 1, m − 2, …
    if (m > 0) {
      this.cover(m - 1);
      const inverse = inverseBuf;
      let t = 1;
      let i = m - 1;
      for (;;) {
        const end = this.ca;
        for (; i - 7 >= end && t >= CUTOFF * sum; i -= 8) {
          const a = inverse[i] * v;
          const b = a * (inverse[i - 1] * v);
          const c = b * (inverse[i - 2] * v);
          const d = c * (inverse[i - 3] * v);
          const e = inverse[i - 4] * v;
          const f = e * (inverse[i - 5] * v);
          const g = f * (inverse[i - 6] * v);
          const h = g * (inverse[i - 7] * v);
          sum += t * (a + b + (c + d) + d * (e + f + (g + h)));
          t *= d * h;
        }
        for (; i >= end && t >= CUTOFF * sum; i--) sum += t *= inverse[i] * v;
        if (i < 0 || t < CUTOFF * sum) break;
        this.grow(Math.max(0, i + 1 - CHUNK), i + 1);
      }
      if (i >= 0) {
        const q = v / this.ratio(i);
        sum += (t * q) / (1 - q);
      }
    }
    tiltedLogScale[0] = this.logH(m) + l * m;
    return sum;
  }

  /** log H_m: from the stored terms inside the untilted window, else from the saddle-point pmf */
  private logH(m: number): number {
    if (m >= this.u0 && m <= this.u1 && termBuf[m] > 0) {
      let v = logTermBuf[m];
      if (Number.isNaN(v)) v = logTermBuf[m] = Math.log(termBuf[m]);
      return v;
    }
    const { N, C, n, lo } = this;
    const p = n / N;
    const q = (N - n) / N;
    if (Number.isNaN(this.logPm0)) {
      const x0 = lo + this.m0;
      this.logPm0 = logBinomialTerm(x0, C, p, q) + logBinomialTerm(n - x0, N - C, p, q);
    }
    const x = lo + m;
    return logBinomialTerm(x, C, p, q) + logBinomialTerm(n - x, N - C, p, q) - this.logPm0;
  }

  /** ratio(i), cached or from its closed form (the same quotient either way) */
  private ratio(i: number): number {
    if (i >= this.ca && i < this.cb) return ratioBuf[i];
    const x = this.lo + i;
    return ((this.n - x) * (this.C - x)) / ((x + 1) * (this.D + x));
  }

  /**
   * The first i in [0, top) with ratio(i) < level (ratio is decreasing), or top if there is none:
   * from the real root of (n − x)(C − x) = level · (x + 1)(D + x), then checked (and if need be
   * moved) against ratio(i) itself, so the answer is the binary search's exactly.
   */
  private mode(level: number): number {
    const { n, C, D, lo, top } = this;
    const a = 1 - level;
    const b = -(n + C + level * (D + 1));
    const c = n * C - level * D;
    const q = 0.5 * (Math.sqrt(b * b - 4 * a * c) - b);
    const root = a > 0 ? Math.min(q / a, c / q) : a < 0 ? Math.max(q / a, c / q) : c / q;
    let i = Math.ceil(root) - lo;
    if (!(i >= 0 && i <= top)) {
      if (i < 0) i = 0;
      else if (i > top) i = top;
      else return this.bisect(level); // NaN: over- or underflow in the quadratic
    }
    while (i > 0 && this.ratio(i - 1) < level) i--;
    while (i < top && !(this.ratio(i) < level)) i++;
    return i;
  }

  private bisect(level: number): number {
    let a = 0;
    let b = this.top;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.ratio(mid) < level) b = mid;
      else a = mid + 1;
    }
    return a;
  }

  /** grows the cached range [ca, cb) to contain index i (0 ≤ i < top), keeping it contiguous */
  private cover(i: number): void {
    if (i < this.ca) this.grow(i, this.ca);
    else if (i >= this.cb) this.grow(this.cb, i + 1);
  }

  /** fills ratioBuf and inverseBuf on [a, b), which must touch the cached range; extends the range */
  private grow(a: number, b: number): void {
    const { n, C, D, lo } = this;
    const ratio = ratioBuf;
    const inverse = inverseBuf;
    for (let i = a; i < b; i++) {
      const x = lo + i;
      const num = (n - x) * (C - x);
      const den = (x + 1) * (D + x);
      ratio[i] = num / den;
      inverse[i] = den / num;
    }
    if (a < this.ca) this.ca = a;
    if (b > this.cb) this.cb = b;
  }
}

/**
 * Small supports (top = hi − lo ≤ SMALL): for X ~ Hyp(N, C, n) on [lo, hi], with i = x − lo,
 * finds the mode m0 (written to smallMode[0]) and fills termBuf[i] = H_i = P(X = lo + i) /
 * P(X = lo + m0) over the whole support as running products from the mode out (each factor ≤ 1):
 * of ratioBuf[i] = ratio(i) = P(X = x + 1) / P(X = x) above the mode, of inverseBuf[i] =
 * 1 / ratio(i) below it. Returns Z = Σ_i H_i, every term summed. The other half of each table —
 * which only the walks of `tiltedSumTabulated` read, for tilts too steep for Horner's rule — is
 * filled on demand (`completeTables`), so most groups pay one division per point, not two.
 *
 * ratio(i) = num/den with num = (n − x)(C − x), den = (x + 1)(D + x), and the mode is the first i
 * with ratio(i) < 1, found by bisection on num < den: the same test (for doubles a, b > 0 the
 * rounded a/b is < 1 exactly when a < b: a < b gives a/b ≤ 1 − 2⁻⁵³, the double below 1).
 */
function tabulateWhole(N: number, C: number, n: number, lo: number, hi: number): number {
  const ratio = ratioBuf;
  const inverse = inverseBuf;
  const term = termBuf;
  const D = N - C - n + 1;
  const top = hi - lo;
  let a = 0;
  let b = top;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const x = lo + mid;
    if ((n - x) * (C - x) < (x + 1) * (D + x)) b = mid;
    else a = mid + 1;
  }
  const mode = a;
  fillRatios(n, C, D, lo, mode, top);
  fillInverses(n, C, D, lo, 0, mode);
  smallMode[0] = mode;
  term[mode] = 1;
  let sum = 1;
  let t = 1;
  for (let i = mode; i < top; i++) sum += term[i + 1] = t *= ratio[i];
  t = 1;
  for (let i = mode - 1; i >= 0; i--) sum += term[i] = t *= inverse[i];
  return sum;
}

/** for the law `tabulateWhole(N, C, n, lo, hi)` last tabulated: the halves of its tables it left out, ratio(i) below the mode and 1 / ratio(i) above it */
function completeTables(N: number, C: number, n: number, lo: number, hi: number): void {
  const D = N - C - n + 1;
  fillRatios(n, C, D, lo, 0, smallMode[0]);
  fillInverses(n, C, D, lo, smallMode[0], hi - lo);
}

/** ratioBuf[i] = ratio(i) = num / den for i in [from, to), num = (n − x)(C − x), den = (x + 1)(D + x), x = lo + i */
function fillRatios(n: number, C: number, D: number, lo: number, from: number, to: number): void {
  const ratio = ratioBuf;
  for (let i = from; i < to; i++) {
    const x = lo + i;
    ratio[i] = ((n - x) * (C - x)) / ((x + 1) * (D + x));
  }
}

/** inverseBuf[i] = 1 / ratio(i) = den / num for i in [from, to) (`fillRatios`) */
function fillInverses(n: number, C: number, D: number, lo: number, from: number, to: number): void {
  const inverse = inverseBuf;
  for (let i = from; i < to; i++) {
    const x = lo + i;
    inverse[i] = ((x + 1) * (D + x)) / ((n - x) * (C - x));
  }
}

/** the mode of the law `tabulateWhole` last tabulated */
const smallMode = new Int32Array(1);

/**
 * The tilted sums of tabulated laws are summed directly when |l|·top is at most this: every term
 * H_i w^(i − m0) then lies within e^±100 of the mode's, so nothing overflows, and the sum is ≥ 1.
 */
const HORNER_SPAN = 100;

/**
 * Σ_i H_i w^i for the law of `tabulateWhole`, w = e^l, as S · e^(l·m0) with S returned (the
 * caller takes l·m0 as the scale): S = Σ_{i ≥ m0} H_i w^(i − m0) + Σ_{i < m0} H_i w^−(m0 − i) by
 * Horner's rule on each side — every term, a multiply-add each, no search for the tilted mode and
 * no logarithm (the walks of `tiltedSumTabulated` drop terms below 1e-18 of the sum and bound them;
 * here they are summed, a difference far below the rounding of the rest). Needs |l|·top ≤
 * HORNER_SPAN.
 */
function hornerSum(top: number, m0: number, w: number): number {
  const term = termBuf;
  let up = 0;
  for (let i = top; i > m0; i--) up = (up + term[i]) * w;
  const v = 1 / w;
  let down = 0;
  for (let i = 0; i < m0; i++) down = (down + term[i]) * v;
  return 1 + up + down;
}

/**
 * laws with fewer support points than this sum a tilt at a time (`hornerSum`): with a term or two
 * on each side there is no chain to overlap, and a pass per group over the tilts only adds work
 */
const HORNER_CHAINS = 8;

/**
 * `hornerSum` of the first `count` tilts k listed in hornerTilts (w = tiltW[k]), written to
 * hornerTotal[k]. Horner's rule is a chain of dependent operations, each waiting for the one
 * before (an add, then a multiply, per term): one tilt at a time the processor idles through most
 * of each step. Four tilts per pass over the terms run four independent chains side by side —
 * each chain the same operations in the same order as alone, so the same sums to the bit — and
 * read each term once for all four.
 */
function hornerSums(top: number, m0: number, w: Float64Array, count: number): void {
  const term = termBuf;
  const tilts = hornerTilts;
  const out = hornerTotal;
  let j = 0;
  for (; j + 4 <= count; j += 4) {
    const k0 = tilts[j];
    const k1 = tilts[j + 1];
    const k2 = tilts[j + 2];
    const k3 = tilts[j + 3];
    const w0 = w[k0];
    const w1 = w[k1];
    const w2 = w[k2];
    const w3 = w[k3];
    let up0 = 0;
    let up1 = 0;
    let up2 = 0;
    let up3 = 0;
    for (let i = top; i > m0; i--) {
      const h = term[i];
      up0 = (up0 + h) * w0;
      up1 = (up1 + h) * w1;
      up2 = (up2 + h) * w2;
      up3 = (up3 + h) * w3;
    }
    const v0 = 1 / w0;
    const v1 = 1 / w1;
    const v2 = 1 / w2;
    const v3 = 1 / w3;
    let down0 = 0;
    let down1 = 0;
    let down2 = 0;
    let down3 = 0;
    for (let i = 0; i < m0; i++) {
      const h = term[i];
      down0 = (down0 + h) * v0;
      down1 = (down1 + h) * v1;
      down2 = (down2 + h) * v2;
      down3 = (down3 + h) * v3;
    }
    out[k0] = 1 + up0 + down0;
    out[k1] = 1 + up1 + down1;
    out[k2] = 1 + up2 + down2;
    out[k3] = 1 + up3 + down3;
  }
  for (; j < count; j++) out[tilts[j]] = hornerSum(top, m0, w[tilts[j]]);
}

/** logTermBuf[i] = log H_i over the law of `tabulateWhole` (running sums of log ratios from the mode out), for the walks */
function tabulateLogs(top: number, mode: number): void {
  const ratio = ratioBuf;
  const logH = logTermBuf;
  logH[mode] = 0;
  for (let i = mode; i < top; i++) logH[i + 1] = logH[i] + Math.log(ratio[i]);
  for (let i = mode; i > 0; i--) logH[i - 1] = logH[i] - Math.log(ratio[i - 1]);
}

/** `Hypergeometric.tiltedSum` over the tables of `tabulateWhole`: plain walks, a term at a time */
function tiltedSumTabulated(top: number, l: number, w: number): number {
  const ratio = ratioBuf;
  const inverse = inverseBuf;
  const v = 1 / w;
  const mode = firstBelow(ratio, top, v);
  let sum = 1;
  let t = 1;
  let i = mode;
  for (; i < top && t >= CUTOFF * sum; i++) sum += t *= ratio[i] * w;
  if (i < top) {
    const q = ratio[i] * w;
    sum += (t * q) / (1 - q);
  }
  t = 1;
  i = mode - 1;
  for (; i >= 0 && t >= CUTOFF * sum; i--) sum += t *= inverse[i] * v;
  if (i >= 0) {
    const q = inverse[i] * v;
    sum += (t * q) / (1 - q);
  }
  tiltedLogScale[0] = logTermBuf[mode] + l * mode;
  return sum;
}

/** The first i in [0, top) with ratio[i] < level (ratio is decreasing), or top if there is none. */
function firstBelow(ratio: Float64Array, top: number, level: number): number {
  let a = 0;
  let b = top;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (ratio[mid] < level) b = mid;
    else a = mid + 1;
  }
  return a;
}

const LN_2PI = Math.log(2 * Math.PI);
/** stirlerr(k) = log k! − log(√(2πk) (k/e)^k) for k = 0..15 (log k! as a sum of logs: exact to ~1e-15) */
const STIRLERR_SMALL = Float64Array.from({ length: 16 }, (_, k) => {
  if (k === 0) return 0;
  let logFact = 0;
  for (let j = 2; j <= k; j++) logFact += Math.log(j);
  return logFact - (k + 0.5) * Math.log(k) + k - LN_2PI / 2;
});

/** Stirling's error log k! − log(√(2πk) (k/e)^k) for an integer k ≥ 0 (Loader 2000: series for k > 15) */
function stirlerr(k: number): number {
  if (k <= 15) return STIRLERR_SMALL[k];
  const kk = k * k;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  if (k > 500) return (S0 - S1 / kk) / k;
  if (k > 80) return (S0 - (S1 - S2 / kk) / kk) / k;
  if (k > 35) return (S0 - (S1 - (S2 - S3 / kk) / kk) / kk) / k;
  return (S0 - (S1 - (S2 - (S3 - S4 / kk) / kk) / kk) / kk) / k;
}

/** x log(x / μ) + μ − x for x > 0, μ > 0, without cancellation when x ≈ μ (Loader 2000) */
function bd0(x: number, mu: number): number {
  if (Math.abs(x - mu) < 0.1 * (x + mu)) {
    let v = (x - mu) / (x + mu);
    let s = (x - mu) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / mu) + mu - x;
}

/**
 * log (size choose x) p^x q^(size − x) for integers 0 ≤ x ≤ size, q = 1 − p ∈ (0, 1), by Loader's
 * saddle-point expansion (C. Loader 2000, "Fast and accurate computation of binomial
 * probabilities"; R's dbinom_raw). Differences of two such values match running sums of log
 * ratios to ~1e-14 relative even deep in the tails, where differences of log-gamma values (each
 * ~1e6 for counts ~1e5) are off by ~1e-9 relative — too much for log e-values that must agree
 * with the tabulated computation to 1e-9.
 */
function logBinomialTerm(x: number, size: number, p: number, q: number): number {
  if (x === 0) return size === 0 ? 0 : p < 0.1 ? -bd0(size, size * q) - size * p : size * Math.log(q);
  if (x === size) return q < 0.1 ? -bd0(size, size * p) - size * q : size * Math.log(p);
  const lc = stirlerr(size) - stirlerr(x) - stirlerr(size - x) - bd0(x, size * p) - bd0(size - x, size * q);
  return lc - 0.5 * (LN_2PI + Math.log(x) + Math.log1p(-x / size));
}
