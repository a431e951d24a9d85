import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { StatsInputError } from './errors.ts';
import { checkOptionKeys } from './options.ts';

export interface BatchShiftOptions {
  /** at most this many rank groups (contiguous buckets merged by pooled rank); default 32 */
  groups?: number;
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
 * and bounds the cost: O(groups · |λ| + N · |λ|) multiply-adds, two transcendentals per (group, λ).
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
  checkOptionKeys(FN, options, ['groups']);
  const maxGroups = options.groups ?? 32;
  if (!(Number.isInteger(maxGroups) && maxGroups >= 2)) throw new StatsInputError(FN, `groups must be an integer >= 2, got ${maxGroups}`);
  if (baseline.length !== canary.length) {
    throw new StatsInputError(FN, `baseline and canary need the same buckets (${baseline.length} vs ${canary.length})`);
  }
  const L = lambdas.length;
  for (let k = 0; k < L; k++) if (!Number.isFinite(lambdas[k])) throw new StatsInputError(FN, `lambdas[${k}] is ${lambdas[k]}`);
  const out = new Float64Array(L);
  const K = baseline.length;
  let nb = 0;
  let nc = 0;
  for (let j = 0; j < K; j++) {
    const b = baseline[j];
    const c = canary[j];
    if (!(Number.isInteger(b) && b >= 0)) throw new StatsInputError(FN, `baseline[${j}] must be an integer >= 0, got ${b}`);
    if (!(Number.isInteger(c) && c >= 0)) throw new StatsInputError(FN, `canary[${j}] must be an integer >= 0, got ${c}`);
    nb += b;
    nc += c;
  }
  if (nb === 0 || nc === 0) return out;
  const N = nb + nc;

  // 1. merge contiguous buckets into ≤ maxGroups groups of about N / maxGroups pooled items
  const gn: number[] = [];
  const gc: number[] = [];
  let pooled = 0;
  let open = false;
  for (let j = 0; j < K; j++) {
    const n = baseline[j] + canary[j];
    if (n === 0) continue;
    if (!open) {
      gn.push(0);
      gc.push(0);
      open = true;
    }
    gn[gn.length - 1] += n;
    gc[gc.length - 1] += canary[j];
    pooled += n;
    if (pooled * maxGroups >= gn.length * N) open = false;
  }
  const G = gn.length;
  if (G < 2) return out;

  // 2. normal scores of the groups' pooled mid-ranks; suffix means of the scores
  const score = new Float64Array(G);
  let before = 0;
  for (let g = 0; g < G; g++) {
    score[g] = normalQuantile((before + (gn[g] + 1) / 2) / (N + 1), 0, 1);
    before += gn[g];
  }
  const tailMean = new Float64Array(G); // mean score of groups g+1..G-1
  let sufSum = 0;
  let sufN = 0;
  for (let g = G - 1; g >= 0; g--) {
    tailMean[g] = sufN > 0 ? sufSum / sufN : 0;
    sufSum += gn[g] * score[g];
    sufN += gn[g];
  }

  // 3. scan: exact hypergeometric likelihood ratios, group by group
  let maxSize = 0;
  for (let g = 0; g < G; g++) maxSize = Math.max(maxSize, gn[g]);
  const ratio = new Float64Array(maxSize + 1);
  const logH = new Float64Array(maxSize + 1);
  let cRem = nc;
  let nRem = N;
  for (let g = 0; g < G - 1; g++) {
    const n = gn[g];
    const x = gc[g];
    const bRem = nRem - cRem;
    if (cRem === 0 || bRem === 0) break;
    const lo = Math.max(0, n - bRem);
    const hi = Math.min(n, cRem);
    if (hi > lo) {
      const logZ = hypergeometricShape(ratio, logH, nRem, cRem, n, lo, hi);
      const d = score[g] - tailMean[g];
      for (let k = 0; k < L; k++) {
        const l = lambdas[k] * d;
        out[k] += l * (x - lo) + logZ - logTiltedSum(ratio, logH, hi - lo, l);
      }
    }
    cRem -= x;
    nRem -= n;
  }
  return out;
}

/**
 * For X ~ Hyp(N, C, n) on [lo, hi], with i = x − lo: ratio[i] = P(X = x + 1) / P(X = x) (strictly
 * decreasing in i: the law is log-concave) and logH[i] = log P(X = x) + log Z (an unnormalised log
 * pmf). Returns log Z, from a sum that only drops terms below 1e-18 of the total — a lower bound on
 * Z, which errs towards a smaller e-value.
 */
function hypergeometricShape(ratio: Float64Array, logH: Float64Array, N: number, C: number, n: number, lo: number, hi: number): number {
  const B = N - C;
  const top = hi - lo;
  for (let i = 0; i < top; i++) {
    const x = lo + i;
    ratio[i] = ((n - x) * (C - x)) / ((x + 1) * (B - n + x + 1));
  }
  const mode = firstBelow(ratio, top, 1);
  logH[mode] = 0;
  for (let i = mode; i < top; i++) logH[i + 1] = logH[i] + Math.log(ratio[i]);
  for (let i = mode; i > 0; i--) logH[i - 1] = logH[i] - Math.log(ratio[i - 1]);
  let sum = 1;
  let t = 1;
  for (let i = mode; i < top && t >= 1e-18 * sum; i++) sum += t *= ratio[i];
  t = 1;
  for (let i = mode - 1; i >= 0 && t >= 1e-18 * sum; i--) sum += t /= ratio[i];
  return Math.log(sum);
}

/**
 * log Σ_i exp(logH[i]) w^i over i = 0..top, walking out from the tilted mode (terms are log-concave
 * in i) until a term falls below 1e-18 of the sum; the skipped tail is bounded by a geometric series
 * with the first skipped ratio (ratios keep shrinking away from the mode) and added, so the result
 * never underestimates: the e-value errs small, never large.
 */
function logTiltedSum(ratio: Float64Array, logH: Float64Array, top: number, l: number): number {
  const w = Math.exp(l);
  const mode = firstBelow(ratio, top, 1 / w);
  let sum = 1;
  let t = 1;
  let i = mode;
  for (; i < top && t >= 1e-18 * sum; i++) sum += t *= ratio[i] * w;
  if (i < top) {
    const q = ratio[i] * w;
    sum += (t * q) / (1 - q);
  }
  t = 1;
  i = mode - 1;
  for (; i >= 0 && t >= 1e-18 * sum; i--) sum += t /= ratio[i] * w;
  if (i >= 0) {
    const q = 1 / (ratio[i] * w);
    sum += (t * q) / (1 - q);
  }
  return Math.log(sum) + logH[mode] + l * mode;
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
