/**
 * mulberry32 (Tommy Ettinger, 2017; as in bryc's "PRNGs in JavaScript"): a small seeded generator
 * of uniforms on [0, 1), for choices that must be the same at every run (the pivot choices of
 * `hodgesLehmann.ts`) and for test data. One copy for the house; the simulator's scenario streams
 * use their own sfc32 generator (`simulator/scenarios/random.ts`), built for independent named
 * streams and a billion draws per benchmark.
 *
 * @example const random = mulberry32(7); random(); // the same number at every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let s = state;
    s = Math.imul(s ^ (s >>> 15), s | 1);
    s ^= s + Math.imul(s ^ (s >>> 7), s | 61);
    return ((s ^ (s >>> 14)) >>> 0) / 4294967296;
  };
}
