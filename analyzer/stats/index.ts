/**
 * Public face of analyzer/stats: one statistic per file, re-exported here.
 * Other rooms import from `analyzer/stats/index.ts` (or `analyzer/index.ts`), never a file inside.
 */
export { StatsInputError } from './errors.ts';
export type { Alternative, AnytimeTest, EffectInterval } from './anytime.ts';

// --- fixed-horizon tests (Foundation issue) ---

// --- anytime-valid tests: counts and ratios (Sequential judge issue) ---

// --- anytime-valid tests: latency distributions (Sequential judge issue) ---

// --- confidence sequences shared by judges ---
export { proportionConfidenceSequence } from './proportionConfidenceSequence.ts';
export type { ProportionCSOptions } from './proportionConfidenceSequence.ts';
