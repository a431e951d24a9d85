/**
 * Public face of analyzer/: pure statistics, judges, engines and policy. No I/O, no clock:
 * time comes in with the samples, so the same input gives the same verdicts, live or offline.
 */
export * from './types.ts';
export { ConfigError } from './configError.ts';
export { DURATION_EXAMPLES, durationSchema, durationToMs, formatDuration } from './duration.ts';
export {
  analysisSpecSchema,
  beforeAfterSchema,
  formatIssues,
  metricSpecSchema,
  policySchema,
  releaseSchema,
  sampleSchema,
} from './validation.ts';
export type { ParsedSample } from './validation.ts';
export {
  isRegistrationLook,
  ReleaseEngine,
  releasePower,
  Replay,
  replaySamples,
  WARMING_UP_REASON,
} from './engine/index.ts';
export type { EngineOptions, EngineSnapshot, IngestCounts, JudgeMode, ReplayResult } from './engine/index.ts';
export { RELEASE_CLASSES, resolvePolicy, UnknownReleaseClassError, decide } from './policy/index.ts';
export type { ReleaseClassPolicy } from './policy/index.ts';
export { classifyFixed, fromKayentaConfig, scoreRelease } from './judge/index.ts';
export type { KayentaTranslation } from './judge/index.ts';
export { projectPower } from './judge/index.ts';
export type { ExpectedTraffic, MetricPower, PowerContext } from './judge/index.ts';
export {
  applyGovernance,
  BACKUP_REQUIRED_REASON,
  checkFreeze,
  defaultGovernance,
  GovernanceConfigError,
  governanceConfigSchema,
  parseGovernance,
  resolveReleaseClass,
} from './policy/index.ts';
export type {
  FreezeCheck,
  FreezeWindow,
  GovernanceConfig,
  GovernanceContext,
  ReleaseClassDefinition,
} from './policy/index.ts';
