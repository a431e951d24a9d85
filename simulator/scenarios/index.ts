/** Release scenarios: seeded generator, the regressions it can inject, and the Kayenta view. */
export { generateScenario, type Scenario, type ScenarioTruth } from './generate.ts';
export { toPerMinuteMeans, type PerMinuteOptions } from './kayenta.ts';
export {
  DEFAULT_OPTIONS,
  ScenarioOptionsError,
  resolveOptions,
  type ScenarioOptions,
  type LatencyShape,
  type HeavyTail,
  type Diurnal,
  type Spikes,
} from './options.ts';
export {
  METRIC,
  REGRESSIONS,
  REGRESSION_KINDS,
  isRegressionKind,
  type RegressionKind,
  type RegressionEffect,
} from './regressions.ts';
export { SCENARIO_METRICS, SMALL_TENANT } from './spec.ts';
export type { MinuteLoad } from './profile.ts';
export { createRng, type Rng } from '../../analyzer/stats/seededRandom.ts';
export { generateBeforeAfter, type BeforeAfterOptions, type BeforeAfterScenario } from './beforeAfter.ts';
