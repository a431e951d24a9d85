import gammaln from '@stdlib/math-base-special-gammaln';
import { StatsInputError } from './errors.ts';

/** A sequential multinomial test against fixed category probabilities (see `createMultinomialTest`). */
export interface MultinomialTest {
  /** add one batch of counts, one per category, in the order of theta0 */
  update(counts: number[]): void;
  /** Dirichlet-multinomial Bayes factor against theta0 for all counts so far (an e-value) */
  evidence(): number;
  /** natural log of `evidence()`, finite even when the evidence overflows */
  logEvidence(): number;
  /** anytime-valid p-value: min(1, 1 / largest evidence seen after any update) */
  pValue(): number;
  /** total count so far */
  readonly n: number;
  /** JSON-serialisable state; `restoreMultinomialTest(state)` rebuilds an identical test */
  snapshot(): MultinomialState;
}

export interface MultinomialTestOptions {
  /** sum of the Dirichlet parameters, > 0 (default 1000): larger = tuned to smaller deviations */
  concentration?: number;
  /** mean of the Dirichlet prior (default theta0), positive and summing to 1 */
  priorMean?: number[];
}

export interface MultinomialState {
  version: 1;
  theta0: number[];
  /** Dirichlet parameters = concentration · priorMean */
  prior: number[];
  counts: number[];
  maxLogEvidence: number;
}

const FN = 'multinomialTest';

/**
 * Sequential test that counts follow the category probabilities theta0 — here the
 * sample-ratio-mismatch (SRM) check: does the canary/baseline split of requests or users match
 * the split the release declared? Lindon & Malek (2022), "Anytime-Valid Inference for Multinomial
 * Count Data", NeurIPS, §2: with a Dirichlet(α) mixture over the alternative, the Bayes factor
 *   BF_n = [Γ(Σα) / Γ(Σα + n)] · Π_i Γ(α_i + x_i) / Γ(α_i) / Π_i θ0_i^{x_i}
 * (x = cumulative counts, n = Σx; multinomial coefficients cancel) is a nonnegative martingale
 * with mean 1 under theta0, so P(sup_n BF_n ≥ 1/α) ≤ α by Ville's inequality and
 * p_n = min(1, 1 / max_{m ≤ n} BF_m) is an anytime-valid p-value. Batches may have any size: BF
 * depends on the cumulative counts only, so it equals the product of the one-at-a-time
 * posterior-predictive ratios in any order (computed here in log space with gammaln from the
 * cumulative counts, exact at every update). The running maximum is taken over update times.
 *
 * Prior: α = concentration · priorMean, priorMean = theta0 by default (as in Lindon's `ssrm`
 * package, whose default concentration is 10000). Default concentration 1000: a 50/50 split then
 * has prior sd ≈ 0.016 per share and a 5% canary share ≈ 0.007 (14% relative), the mismatch
 * sizes worth flagging in a rollout; gross misrouting is still caught within a few hundred
 * requests. Input rule: theta0 of length ≥ 2, entries > 0 summing to 1 (within 1e-9; renormalised),
 * counts finite and ≥ 0 (the guarantee is for integer counts), else `StatsInputError`.
 *
 * @example
 * const srm = createMultinomialTest([0.5, 0.5]);
 * srm.update([10_400, 9_600]); // intended 50/50, observed 52/48 over 20,000 users
 * srm.evidence();              // ≈ 9.1e5: strong evidence of a mismatch
 * srm.pValue();                // ≈ 1.1e-6
 */
export function createMultinomialTest(theta0: number[], options: MultinomialTestOptions = {}): MultinomialTest {
  for (const key of Object.keys(options)) {
    if (key !== 'concentration' && key !== 'priorMean')
      throw new StatsInputError(FN, `unknown option '${key}' (known: concentration, priorMean)`);
  }
  const theta = checkSimplex('theta0', theta0, theta0?.length);
  const mean = options.priorMean === undefined ? theta : checkSimplex('priorMean', options.priorMean, theta.length);
  const { concentration = 1000 } = options;
  if (!(concentration > 0) || !Number.isFinite(concentration))
    throw new StatsInputError(FN, `concentration must be finite and > 0, got ${concentration}`);
  return build({
    version: 1,
    theta0: theta,
    prior: mean.map((m) => concentration * m),
    counts: theta.map(() => 0),
    maxLogEvidence: 0,
  });
}

/** Rebuild a multinomial test from `snapshot()` output; throws on a foreign or damaged state. */
export function restoreMultinomialTest(snapshot: MultinomialState): MultinomialTest {
  const s = snapshot as Partial<MultinomialState> | null;
  if (typeof s !== 'object' || s === null || s.version !== 1)
    throw new StatsInputError(FN, 'snapshot must be a version-1 multinomial state');
  const theta = checkSimplex('snapshot.theta0', s.theta0 as number[], s.theta0?.length);
  const { prior, counts, maxLogEvidence } = s;
  if (!Array.isArray(prior) || prior.length !== theta.length || !prior.every((a) => a > 0 && Number.isFinite(a))) {
    throw new StatsInputError(FN, 'snapshot.prior must hold one finite positive number per category');
  }
  checkCounts('snapshot.counts', counts as number[], theta.length);
  if (typeof maxLogEvidence !== 'number' || !(maxLogEvidence >= 0) || !Number.isFinite(maxLogEvidence)) {
    throw new StatsInputError(FN, `snapshot.maxLogEvidence must be finite and >= 0, got ${String(maxLogEvidence)}`);
  }
  return build({ version: 1, theta0: theta, prior: [...prior], counts: [...(counts as number[])], maxLogEvidence });
}

function build(state: MultinomialState): MultinomialTest {
  const { theta0, prior } = state;
  const k = theta0.length;
  const counts = [...state.counts];
  const logTheta = theta0.map(Math.log);
  const priorTotal = prior.reduce((a, b) => a + b, 0);
  const priorLogNorm = gammaln(priorTotal) - prior.reduce((acc, a) => acc + gammaln(a), 0);
  let total = counts.reduce((a, b) => a + b, 0);
  let maxLogEvidence = state.maxLogEvidence;

  const closedForm = (): number => {
    let value = priorLogNorm - gammaln(priorTotal + total);
    for (let i = 0; i < k; i++)
      value += gammaln(prior[i] + counts[i]) - (counts[i] === 0 ? 0 : counts[i] * logTheta[i]);
    return value;
  };
  let logEvidence = closedForm();

  return {
    update(batch: number[]): void {
      checkCounts('counts', batch, k);
      for (let i = 0; i < k; i++) counts[i] += batch[i];
      total = counts.reduce((a, b) => a + b, 0);
      logEvidence = closedForm();
      if (logEvidence > maxLogEvidence) maxLogEvidence = logEvidence;
    },
    evidence: () => Math.exp(logEvidence),
    logEvidence: () => logEvidence,
    pValue: () => Math.min(1, Math.exp(-maxLogEvidence)),
    get n(): number {
      return total;
    },
    snapshot: (): MultinomialState => ({
      version: 1,
      theta0: [...theta0],
      prior: [...prior],
      counts: [...counts],
      maxLogEvidence,
    }),
  };
}

function checkSimplex(label: string, values: number[], expectedLength: number | undefined): number[] {
  if (!Array.isArray(values) || values.length < 2)
    throw new StatsInputError(FN, `${label} needs at least 2 categories`);
  if (values.length !== expectedLength)
    throw new StatsInputError(FN, `${label} has ${values.length} entries, expected ${expectedLength}`);
  if (!values.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v)))
    throw new StatsInputError(FN, `${label} entries must be finite and > 0`);
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-9) throw new StatsInputError(FN, `${label} must sum to 1, sums to ${sum}`);
  return values.map((v) => v / sum);
}

function checkCounts(label: string, values: number[], expectedLength: number): void {
  if (!Array.isArray(values) || values.length !== expectedLength)
    throw new StatsInputError(FN, `${label} must hold ${expectedLength} numbers`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new StatsInputError(FN, `${label}[${i}] must be finite and >= 0, got ${v}`);
  });
}
