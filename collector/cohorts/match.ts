import { compileLinearRegex, type LinearRegex } from './regex.ts';
import { CohortMappingError, parseCohortMapping } from './validation.ts';
import type { CohortMapping, CohortMatcher, CohortResult, CohortValue } from './types.ts';

/** One cohort list compiled: exact values in a set, regexes anchored and built once. */
interface ValueSet {
  exact: Set<string>;
  patterns: LinearRegex[];
}

function compileValues(values: CohortValue[] | undefined): ValueSet | undefined {
  if (values === undefined) return undefined;
  const set: ValueSet = { exact: new Set(), patterns: [] };
  for (const v of values) {
    if (typeof v === 'string') set.exact.add(v);
    // anchored like Prometheus's `=~`; linear time whatever the pattern (regex.ts)
    else set.patterns.push(compileLinearRegex(v.regex));
  }
  return set;
}

function matches(set: ValueSet, value: string): boolean {
  if (set.exact.has(value)) return true;
  for (const p of set.patterns) if (p.test(value)) return true;
  return false;
}

const BASELINE: CohortResult = Object.freeze({ cohort: 'baseline' });
const CANARY: CohortResult = Object.freeze({ cohort: 'canary' });
const NO_LABEL: CohortResult = Object.freeze({ ignored: 'no-label' });
const NO_MATCH: CohortResult = Object.freeze({ ignored: 'no-match' });
const AMBIGUOUS: CohortResult = Object.freeze({ ignored: 'ambiguous' });

/**
 * Validates a mapping (see `parseCohortMapping`) and compiles it into a matcher. Throws
 * `CohortMappingError` on an invalid mapping. `classify` is pure: the same labels and time give
 * the same answer.
 * @example
 * const m = compileCohortMapping({ by: 'tenant', label: 'datname', canary: ['acme', { regex: 'globex_.*' }] });
 * m.classify({ datname: 'acme' }, 0);     // → { cohort: 'canary' }
 * m.classify({ datname: 'initech' }, 0);  // → { cohort: 'baseline' }
 * m.classify({}, 0);                      // → { ignored: 'no-label' }
 */
export function compileCohortMapping(input: CohortMapping): CohortMatcher {
  const mapping = parseCohortMapping(input);
  switch (mapping.by) {
    case 'time': {
      const start = mapping.releaseStartedAt;
      return { mapping, classify: (_labels, ts) => (ts < start ? BASELINE : CANARY) };
    }
    case 'label':
    case 'tenant': {
      const { label } = mapping;
      const canary = compileValues(mapping.canary) as ValueSet;
      // tenant mode without a baseline list: every tenant not upgraded yet is baseline
      const baseline = compileValues(mapping.baseline);
      return {
        mapping,
        classify(labels) {
          const value = labels[label];
          if (value === undefined) return NO_LABEL;
          const isCanary = matches(canary, value);
          const isBaseline = baseline === undefined ? !isCanary : matches(baseline, value);
          if (isCanary && isBaseline) return AMBIGUOUS;
          return isCanary ? CANARY : isBaseline ? BASELINE : NO_MATCH;
        },
      };
    }
    default:
      throw CohortMappingError.fromIssues('cohort mapping', [
        `by: unknown mapping ${JSON.stringify((mapping as { by: unknown }).by)}`,
      ]);
  }
}
