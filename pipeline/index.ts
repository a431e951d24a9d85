/** Public face of pipeline/: the live loop's seams. Implementations are added beside them. */
export type { ReleaseRunner, VerdictSink } from './types.ts';
