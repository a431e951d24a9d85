/** Public face of analyzer/judge: per-metric classification, the release score, Kayenta configs. */
export { classifyFixed, quantileInterval } from './classifyFixed.ts';
export type { FixedJudgeOptions, FixedMetricData } from './classifyFixed.ts';
export { scoreRelease } from './score.ts';
export { checkSlo } from './sloGuard.ts';
export { fromKayentaConfig } from './kayenta.ts';
export type { KayentaTranslation } from './kayenta.ts';
export { DEFAULT_FAILURE_RULE, classifyEffect, detectableEffect, failureRuleOf } from './rules.ts';
export type { ClassifyInput, Classified } from './rules.ts';
export { projectPower } from './power.ts';
export type { ExpectedTraffic, MetricPower, PowerContext } from './power.ts';
