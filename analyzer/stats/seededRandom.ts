/**
 * The one seeded random generator of the house: `Math.random` cannot be seeded, and a benchmark,
 * a simulation or a test that cannot be replayed cannot be debugged, so every seeded draw comes
 * from here — the simulator's scenario and tenant streams, the pivot choices of
 * `hodgesLehmann.ts`, and test data (`createRng(seed).next` for plain uniforms).
 *
 * Each (seed, stream name) pair is an independent stream: the scenario generator draws every
 * metric and cohort from its own stream, so injecting a regression into one canary metric (which
 * may change how many draws that metric consumes) leaves every other series bit-for-bit identical
 * to the A/A run of the same seed — common random numbers, which make paired comparisons sharp.
 */
import gammaln from '@stdlib/math-base-special-gammaln';

export interface Rng {
  /** uniform on [0, 1) */
  next(): number;
  /** uniform on [low, high) */
  uniform(low: number, high: number): number;
  /** standard normal */
  normal(): number;
  /** Poisson with the given mean (exact for every mean) */
  poisson(mean: number): number;
  /** Binomial(trials, p) (exact) */
  binomial(trials: number, p: number): number;
}

/** xmur3 string hash (Baagøe), mixed with the seed: turns (seed, stream) into a 32-bit state. */
function hash(seed: number, stream: string): number {
  let h = (1779033703 ^ stream.length ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < stream.length; i++) {
    h = Math.imul(h ^ stream.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

/** splitmix32: spreads one 32-bit word over the four words sfc32 needs. */
function splitmix(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates the stream `stream` of seed `seed`. The core is sfc32 (Doty-Humphrey's small fast
 * chaotic generator, PractRand-clean), chosen for speed: a full benchmark draws ~10^9 numbers.
 * @example createRng(7, 'checkout/canary').normal()
 */
export function createRng(seed: number, stream = ''): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`createRng: seed must be a safe integer, got ${seed}`);
  const init = splitmix(hash(seed, stream) ^ hash(Math.floor(seed / 2 ** 32), '#hi'));
  let a = init(),
    b = init(),
    c = init(),
    d = init();
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // sfc32's authors discard the first outputs

  let spare: number | null = null;
  const normal = (): number => {
    // Marsaglia's polar method: two normals per accepted pair; the spare is kept for the next call.
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * next() - 1,
        v = 2 * next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * f;
        return u * f;
      }
    }
  };

  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    normal,
    poisson: (mean) => poisson(next, mean),
    binomial: (trials, p) => binomial(next, trials, p),
  };
}

/** Poisson: Knuth's product of uniforms below mean 30, Hörmann's PTRS above (numpy's choice). */
function poisson(next: () => number, mean: number): number {
  if (!(mean >= 0) || !Number.isFinite(mean))
    throw new RangeError(`poisson: mean must be finite and >= 0, got ${mean}`);
  if (mean === 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    let prod = next();
    while (prod > limit) {
      k++;
      prod *= next();
    }
    return k;
  }
  // W. Hörmann (1993), "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12(1), algorithm PTRS.
  const slam = Math.sqrt(mean),
    loglam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = next() - 0.5,
      v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - gammaln(k + 1)) return k;
  }
}

/**
 * Binomial by geometric waiting times (Devroye 1986, "Non-Uniform Random Variate Generation",
 * §X.4): O(trials·min(p, 1-p)) draws, cheap for the rare events simulated here (errors, orders).
 */
function binomial(next: () => number, trials: number, p: number): number {
  if (!Number.isInteger(trials) || trials < 0)
    throw new RangeError(`binomial: trials must be an integer >= 0, got ${trials}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1], got ${p}`);
  if (p > 0.5) return trials - binomial(next, trials, 1 - p);
  if (p === 0 || trials === 0) return 0;
  const logQ = Math.log1p(-p);
  let successes = 0;
  let position = 0;
  for (;;) {
    // 1 - next() lies in (0, 1], so the log is finite
    position += Math.floor(Math.log(1 - next()) / logQ) + 1;
    if (position > trials) return successes;
    successes++;
  }
}
