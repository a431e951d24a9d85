/** Public face of analyzer/engine: release engines and offline replay. */
export { isRegistrationLook, ReleaseEngine, releasePower, WARMING_UP_REASON } from './releaseEngine.ts';
export type { EngineOptions, EngineSnapshot, IngestCounts, JudgeMode } from './releaseEngine.ts';
export { Replay, replaySamples } from './replay.ts';
export type { ReplayResult } from './replay.ts';
