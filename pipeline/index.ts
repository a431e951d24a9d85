/** Public face of pipeline/: the live loop's seams, the pipeline itself and simple sinks. */
export type { ReleaseRunner, VerdictDelivery, VerdictSink } from './types.ts';
export { createPipeline } from './pipeline.ts';
export type { Pipeline, PipelineCloseOptions, PipelineStats } from './types.ts';
export { PipelineOptionsError, resolvePipelineOptions, silentPipelineLogger, watchMsFor } from './options.ts';
export type { AcknowledgeMode, PipelineLogger, PipelineOptions } from './options.ts';
export type { PipelineCheckpoint } from './releaseRun.ts';
export { WATCH_REASON, watchSpec } from './watch.ts';
export type { WatchSnapshot } from './watch.ts';
export { createMetricsSink, DECISIONS } from './sinks.ts';
export type { MetricsSink } from './sinks.ts';
