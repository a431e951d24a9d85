/**
 * Runtime validation of cohort mappings read from release specs and scrape configs. Unknown keys
 * are rejected (a typo such as `canaries` must not silently leave a cohort empty) and regexes are
 * checked here, once, so a bad pattern fails at load time rather than at the first scrape.
 */
import { z } from 'zod';
import type { CohortMapping } from './types.ts';

/** Longest accepted pattern; long patterns are where accidental blow-ups hide. */
export const MAX_REGEX_LENGTH = 256;
/** Most values per cohort list: a tenant wave of thousands belongs in a regex or a label. */
export const MAX_VALUES = 1000;

/** Prometheus label names (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export const labelNameSchema = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');

/**
 * Why a pattern is refused, or `undefined` when it is acceptable. JavaScript regexes backtrack,
 * so a nested quantifier such as `(a+)+` can take exponential time on a hostile label value;
 * this rejects the usual shapes (a quantified group that itself contains a quantifier, and
 * backreferences). A heuristic, not a proof — the length cap and the parser's label-length limit
 * bound the rest.
 */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `regex is ${pattern.length} characters, over ${MAX_REGEX_LENGTH}`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `invalid regex: ${(error as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed (they defeat linear-time matching)';
  if (hasNestedQuantifier(pattern)) return 'nested quantifiers such as (a+)+ are not allowed (catastrophic backtracking)';
  return undefined;
}

/** True when a group containing a quantifier is itself quantified, e.g. `(a+)+`, `(?:a|b*){2,}`. */
function hasNestedQuantifier(pattern: string): boolean {
  // stack of "does the open group contain a quantifier"
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const inner = stack.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '{' || next === '?';
      if (inner && quantified && next !== '?') return true;
      // the closed group counts as a quantified atom of its parent
      if ((inner || quantified) && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

export const cohortValueSchema = z.union([
  z.string().min(1, 'must not be empty').max(1024),
  z
    .object({ regex: z.string().min(1, 'must not be empty') })
    .strict()
    .superRefine((v, ctx) => {
      const problem = regexProblem(v.regex);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['regex'] });
    }),
]);

const values = z.array(cohortValueSchema).max(MAX_VALUES, `at most ${MAX_VALUES} values`);

/** The same exact value in both lists would make every such series ambiguous. */
function noOverlap(m: { baseline?: z.infer<typeof values>; canary: z.infer<typeof values> }, ctx: z.RefinementCtx): void {
  const canary = new Set(m.canary.filter((v): v is string => typeof v === 'string'));
  (m.baseline ?? []).forEach((v, i) => {
    if (typeof v === 'string' && canary.has(v)) ctx.addIssue({ code: 'custom', message: `"${v}" is listed in both baseline and canary`, path: ['baseline', i] });
  });
}

const labelMapping = z
  .object({ by: z.literal('label'), label: labelNameSchema, baseline: values.min(1, 'needs at least one value'), canary: values.min(1, 'needs at least one value') })
  .strict()
  .superRefine(noOverlap);

const tenantMapping = z
  .object({ by: z.literal('tenant'), label: labelNameSchema, canary: values.min(1, 'needs at least one tenant'), baseline: values.min(1).optional() })
  .strict()
  .superRefine(noOverlap);

const timeMapping = z
  .object({ by: z.literal('time'), releaseStartedAt: z.number().int('must be an integer (epoch milliseconds)').nonnegative() })
  .strict();

export const cohortMappingSchema = z.discriminatedUnion('by', [labelMapping, tenantMapping, timeMapping], {
  error: (issue) => (issue.code === 'invalid_union' ? "`by` must be 'label', 'tenant' or 'time'" : undefined),
});

/** Bad cohort mapping: `issues` are `path: message` lines. */
export class CohortMappingError extends Error {
  override readonly name = 'CohortMappingError';
  constructor(readonly issues: string[]) {
    super(`invalid cohort mapping: ${issues.join('; ')}`);
  }
}

/** `path: message` per issue, paths written as `canary[1].regex`. */
export function formatZodIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 && prefix === '' ? String(p) : `.${String(p)}`)).join('');
    return `${prefix + path || '(root)'}: ${issue.message}`;
  });
}

/**
 * Validates a mapping read from JSON/YAML; throws `CohortMappingError` naming every problem.
 * @example
 * parseCohortMapping({ by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] });
 */
export function parseCohortMapping(input: unknown): CohortMapping {
  const result = cohortMappingSchema.safeParse(input);
  if (!result.success) throw new CohortMappingError(formatZodIssues(result.error));
  return result.data;
}
