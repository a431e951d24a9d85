/**
 * Public face of collector/cohorts: declarative mappings from series labels (or time) to the
 * baseline and canary cohorts of a release, their schema, and the compiled matcher.
 */
export type {
  CohortMapping,
  CohortMatcher,
  CohortResult,
  CohortValue,
  IgnoreReason,
  LabelCohortMapping,
  TenantCohortMapping,
  TimeCohortMapping,
} from './types.ts';
export {
  CohortMappingError,
  MAX_VALUES,
  cohortMappingSchema,
  cohortValueSchema,
  formatZodIssues,
  labelNameSchema,
  parseCohortMapping,
} from './validation.ts';
export { compileLinearRegex, MAX_REGEX_LENGTH, regexProblem, type LinearRegex } from './regex.ts';
export { compileCohortMapping } from './match.ts';
