/** Public face of collector/live: the release-aware collector of a long-running service. */
export { ReleaseCollector } from './releaseCollector.ts';
export type { ReleaseCollectorOptions } from './releaseCollector.ts';
export { instantiateTarget, targetServes, TemplateError } from './template.ts';
export type { TargetMatch } from './template.ts';
export { PromqlCollector } from './promqlCollector.ts';
export type { PromqlCollectorOptions, PromqlCollectorStats } from './promqlCollector.ts';
export { instantiateCohortValues } from './promqlCollectorCohorts.ts';
