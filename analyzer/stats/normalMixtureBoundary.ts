import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { StatsInputError } from './errors.ts';

/** One-sided: P(∃t: S_t ≥ u(V_t)) ≤ alpha. Two-sided: P(∃t: |S_t| ≥ u(V_t)) ≤ alpha. */
export type BoundarySide = 'one-sided' | 'two-sided';

export interface NormalMixtureOptions {
  /** crossing probability, in (0, 1) */
  alpha: number;
  /** precision ρ > 0 of the normal mixing distribution, in units of intrinsic time (see `bestRho`) */
  rho: number;
  /** default 'two-sided' */
  alternative?: BoundarySide;
}

const FN = 'normalMixtureBoundary';
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Normal-mixture uniform boundary u(v) of Howard, Ramdas, McAuliffe & Sekhon (2021),
 * "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2), §3
 * (sub-Gaussian normal mixture, Robbins 1970), as implemented by the `confseq` library
 * (`uniform_boundaries.h`, `normal_mixture_bound`). For S_t sub-Gaussian with variance process
 * V_t, S_t crosses u(V_t) at some time with probability at most alpha:
 *  - two-sided (closed form): u(v) = sqrt((v + ρ) log((v + ρ) / (ρ α²)));
 *  - one-sided: the s ≥ 0 solving normalLogMixture(s, v) = log(1/α), i.e. with z = s / sqrt(v + ρ),
 *    z²/2 + log Φ(z) = log(1/α) − ½ log(4ρ / (v + ρ)); the left side is convex and increasing,
 *    so Newton's method started right of the root converges monotonically.
 * v = 0 is allowed (the boundary is then finite, e.g. sqrt(ρ log(1/α²)) two-sided).
 *
 * @example
 * normalMixtureBoundary(100, { alpha: 0.05, rho: bestRho(100, 0.05) })                              // ≈ 30.35209 (confseq's unit test)
 * normalMixtureBoundary(100, { alpha: 0.05, rho: bestRho(100, 0.1), alternative: 'one-sided' })     // ≈ 27.66071
 */
export function normalMixtureBoundary(v: number, options: NormalMixtureOptions): number {
  const { alpha, rho, side } = checkOptions(FN, v, options, ['alpha', 'rho', 'alternative']);
  if (!(alpha > 0 && alpha < 1)) throw new StatsInputError(FN, `alpha must be in (0, 1), got ${alpha}`);
  const logInvAlpha = -Math.log(alpha);
  if (side === 'two-sided') return Math.sqrt((v + rho) * (Math.log1p(v / rho) + 2 * logInvAlpha));
  const target = logInvAlpha - 0.5 * Math.log((4 * rho) / (v + rho));
  // target ≥ log(1/2) = g(0), so the root is ≥ 0; g(z) ≥ z²/2 + log Φ(1) for z ≥ 1 puts the start right of it
  let z = Math.max(1, Math.sqrt(2 * Math.max(target, 0)) + 1);
  for (let i = 0; i < 100; i++) {
    const logPhi = logNormalCdf(z);
    const g = 0.5 * z * z + logPhi - target;
    const step = g / (z + Math.exp(-0.5 * z * z - LOG_SQRT_2PI - logPhi));
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return z * Math.sqrt(v + rho);
}

/**
 * Log of the normal-mixture supermartingale at S_t = s, V_t = v (confseq's `normal_log_mixture`;
 * Howard et al. 2021, §3): the e-value whose level-1/α crossing defines the boundary.
 *  - two-sided: ½ log(ρ / (v + ρ)) + s² / (2(v + ρ));
 *  - one-sided: ½ log(4ρ / (v + ρ)) + s² / (2(v + ρ)) + log Φ(s / sqrt(v + ρ)).
 *
 * @example
 * normalLogMixture(10, 100, { rho: bestRho(100, 0.05) })                          // ≈ −0.6510052
 * normalLogMixture(10, 100, { rho: bestRho(100, 0.1), alternative: 'one-sided' }) // ≈ −0.06502391
 */
export function normalLogMixture(s: number, v: number, options: Omit<NormalMixtureOptions, 'alpha'>): number {
  if (!Number.isFinite(s)) throw new StatsInputError('normalLogMixture', `s must be finite, got ${s}`);
  const { rho, side } = checkOptions('normalLogMixture', v, options, ['rho', 'alternative']);
  const quadratic = (s * s) / (2 * (v + rho));
  if (side === 'two-sided') return 0.5 * Math.log(rho / (v + rho)) + quadratic;
  return 0.5 * Math.log((4 * rho) / (v + rho)) + quadratic + logNormalCdf(s / Math.sqrt(v + rho));
}

/**
 * The mixture precision ρ that makes the boundary tightest at intrinsic time `vOpt` (confseq's
 * `best_rho`, from the tuning rule in Howard et al. 2021, §3):
 * two-sided ρ = vOpt / (2 log(1/α) + log(1 + 2 log(1/α))); one-sided uses 2α in place of α
 * (so alpha < 0.5 there).
 *
 * @example
 * bestRho(100, 0.05) // ≈ 12.60056 (confseq's unit test)
 */
export function bestRho(vOpt: number, alpha: number, options: { alternative?: BoundarySide } = {}): number {
  if (!(vOpt > 0) || !Number.isFinite(vOpt))
    throw new StatsInputError('bestRho', `vOpt must be finite and > 0, got ${vOpt}`);
  const side = checkSide('bestRho', options.alternative);
  const a = side === 'one-sided' ? 2 * alpha : alpha;
  if (!(a > 0 && a < 1))
    throw new StatsInputError('bestRho', `alpha must be in (0, ${side === 'one-sided' ? 0.5 : 1}), got ${alpha}`);
  const l = -Math.log(a);
  return vOpt / (2 * l + Math.log1p(2 * l));
}

function checkOptions(
  fn: string,
  v: number,
  options: Partial<NormalMixtureOptions>,
  known: string[],
): { alpha: number; rho: number; side: BoundarySide } {
  for (const key of Object.keys(options))
    if (!known.includes(key)) throw new StatsInputError(fn, `unknown option '${key}' (known: ${known.join(', ')})`);
  if (!(v >= 0) || !Number.isFinite(v)) throw new StatsInputError(fn, `v must be finite and >= 0, got ${v}`);
  const { alpha = Number.NaN, rho = Number.NaN } = options;
  if (!(rho > 0) || !Number.isFinite(rho)) throw new StatsInputError(fn, `rho must be finite and > 0, got ${rho}`);
  return { alpha, rho, side: checkSide(fn, options.alternative) };
}

function checkSide(fn: string, side: unknown): BoundarySide {
  if (side === undefined) return 'two-sided';
  if (side === 'one-sided' || side === 'two-sided') return side;
  throw new StatsInputError(fn, `alternative must be 'one-sided' or 'two-sided', got '${String(side)}'`);
}

/** log Φ(z), accurate in the far left tail through the asymptotic series of Mills' ratio. */
function logNormalCdf(z: number): number {
  if (z > -30) return Math.log(normalCdf(z, 0, 1));
  const w = 1 / (z * z);
  return -0.5 * z * z - Math.log(-z) - LOG_SQRT_2PI + Math.log1p(-w * (1 - 3 * w * (1 - 5 * w)));
}
