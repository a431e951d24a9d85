/**
 * Public face of analyzer/stats: one statistic per file, re-exported here.
 * Other rooms import from `analyzer/stats/index.ts` (or `analyzer/index.ts`), never a file inside.
 */
export { StatsInputError } from './errors.ts';
export type { Alternative, AnytimeTest, EffectInterval } from './anytime.ts';

// --- fixed-horizon tests (the `analyze` judge on a finished window) ---
export { mannWhitneyU } from './mannWhitneyU.ts';
export type { MannWhitneyUOptions, MannWhitneyUResult } from './mannWhitneyU.ts';
export { hodgesLehmann } from './hodgesLehmann.ts';
export type { HodgesLehmannOptions, HodgesLehmannResult } from './hodgesLehmann.ts';
export { poissonRateTest } from './poissonRate.ts';
export type { PoissonRateData, PoissonRateTestOptions, PoissonRateTestResult } from './poissonRate.ts';
export { binomialTest } from './binomial.ts';
export type { BinomialTestOptions, BinomialTestResult } from './binomial.ts';
export { fisherExact } from './fisherExact.ts';
export type { FisherExactOptions, FisherExactResult, FisherTable } from './fisherExact.ts';
export { twoProportionTest } from './twoProportion.ts';
export type { TwoProportionData, TwoProportionTestOptions, TwoProportionTestResult } from './twoProportion.ts';
export { welchTTest } from './welch.ts';
export type { WelchTTestOptions, WelchTTestResult } from './welch.ts';
export { cleanSample } from './cleanSample.ts';
export type { CleanSampleOptions, CleanSampleResult } from './cleanSample.ts';

// --- anytime-valid tests: counts and ratios (the live, sequential judge) ---
export { createRateRatioTest, restoreRateRatioTest } from './rateRatio.ts';
export type { RateRatioOptions, RateRatioState, RateRatioTest } from './rateRatio.ts';
export { createMultinomialTest, restoreMultinomialTest } from './dirichletMultinomial.ts';
export type { MultinomialState, MultinomialTest, MultinomialTestOptions } from './dirichletMultinomial.ts';
export { bestRho, normalLogMixture, normalMixtureBoundary } from './normalMixtureBoundary.ts';
export type { BoundarySide, NormalMixtureOptions } from './normalMixtureBoundary.ts';
export { betaBinomialLogMixture, gammaPoissonLogMixture } from './betaBinomialMixture.ts';
export type { BetaBinomialPrior, GammaPoissonPrior } from './betaBinomialMixture.ts';

// --- anytime-valid tests: latency distributions (the live, sequential judge) ---
export { createLatencyShiftTest, restoreLatencyShiftTest } from './latencyShift.ts';
export type { LatencyShiftOptions, LatencyShiftState, LatencyShiftTest } from './latencyShift.ts';
export { quantileConfidenceSequence } from './quantileConfidenceSequence.ts';
export type { QuantileCSOptions, QuantileInterval } from './quantileConfidenceSequence.ts';
export { logBuckets } from './logBuckets.ts';
export { BinnedTwoSample, fixedSketchLayout } from './binnedTwoSample.ts';
export type { BucketLayout, BucketLayoutSpec, LogBucketsOptions } from './logBuckets.ts';
export { batchShiftLogEValues } from './batchShiftEValue.ts';
export type { BatchShiftOptions } from './batchShiftEValue.ts';
export { createShiftFamily } from './shiftConfidenceSequence.ts';
export type { ExactAnchors, ShiftFamily, ShiftFamilyState } from './shiftConfidenceSequence.ts';
export { advanceStartMixture, startMixtureLogEvidence } from './startMixture.ts';

// --- confidence sequences shared by judges ---
export { proportionConfidenceSequence } from './proportionConfidenceSequence.ts';
export type { ProportionCSOptions } from './proportionConfidenceSequence.ts';
