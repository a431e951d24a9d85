import { createRng } from '../simulator/index.ts';

/** Wall-clock helpers for benchmarks: best of several runs after a warm-up. */
export function bestOf<T>(runs: number, fn: () => T): { ms: number; result: T } {
  let result = fn(); // warm-up (JIT)
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = fn();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms < best) best = ms;
  }
  return { ms: best, result };
}

/** Seeded uniform generator for benchmark inputs: the simulator's, so there is one PRNG to trust. */
export function seeded(seed: number): () => number {
  const rng = createRng(seed, 'bench');
  return () => rng.next();
}

/** A lognormal draw from a uniform generator (Box-Muller). */
export function lognormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(random(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * z);
}
