/** Public face of analyzer/policy: release classes and the verdict → decision rule. */
export { RELEASE_CLASSES, resolvePolicy, UnknownReleaseClassError } from './releaseClasses.ts';
export type { ReleaseClassPolicy } from './releaseClasses.ts';
export { decide } from './decide.ts';
export type { DecisionInput, DecisionOutcome } from './decide.ts';
export {
  applyGovernance,
  BACKUP_REQUIRED_REASON,
  checkFreeze,
  defaultGovernance,
  GovernanceConfigError,
  parseGovernance,
  resolveReleaseClass,
} from './governance.ts';
export type {
  FreezeCheck,
  FreezeWindow,
  GovernanceConfig,
  GovernanceContext,
  ReleaseClassDefinition,
} from './governance.ts';
export { durationSchema, governanceConfigSchema } from './governanceFormat.ts';
