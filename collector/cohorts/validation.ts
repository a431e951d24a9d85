/**
 * Runtime validation of cohort mappings read from release specs and scrape configs. Unknown keys
 * are rejected (a typo such as `canaries` must not silently leave a cohort empty) and regexes are
 * compiled here, once (RE2 syntax, linear-time matching: regex.ts), so a bad pattern fails at load
 * time rather than at the first scrape.
 */
import { z } from 'zod';
import { ConfigError, firstIssuePath, formatFieldPath, type FieldPath } from '../../analyzer/configError.ts';
import { regexProblem } from './regex.ts';
import type { CohortMapping } from './types.ts';

/** Most values per cohort list: a tenant wave of thousands belongs in a regex or a label. */
export const MAX_VALUES = 1000;

/** Prometheus label names (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export const labelNameSchema = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)');

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
function noOverlap(
  m: { baseline?: z.infer<typeof values>; canary: z.infer<typeof values> },
  ctx: z.RefinementCtx,
): void {
  const canary = new Set(m.canary.filter((v): v is string => typeof v === 'string'));
  (m.baseline ?? []).forEach((v, i) => {
    if (typeof v === 'string' && canary.has(v))
      ctx.addIssue({ code: 'custom', message: `"${v}" is listed in both baseline and canary`, path: ['baseline', i] });
  });
}

const labelMapping = z
  .object({
    by: z.literal('label'),
    label: labelNameSchema,
    baseline: values.min(1, 'needs at least one value'),
    canary: values.min(1, 'needs at least one value'),
  })
  .strict()
  .superRefine(noOverlap);

const tenantMapping = z
  .object({
    by: z.literal('tenant'),
    label: labelNameSchema,
    canary: values.min(1, 'needs at least one tenant'),
    baseline: values.min(1).optional(),
  })
  .strict()
  .superRefine(noOverlap);

const timeMapping = z
  .object({
    by: z.literal('time'),
    releaseStartedAt: z.number().int('must be an integer (epoch milliseconds)').nonnegative(),
  })
  .strict();

export const cohortMappingSchema = z.discriminatedUnion('by', [labelMapping, tenantMapping, timeMapping], {
  error: (issue) => (issue.code === 'invalid_union' ? "`by` must be 'label', 'tenant' or 'time'" : undefined),
});

/** Bad cohort mapping: `issues` are `path: message` lines. */
export class CohortMappingError extends ConfigError {
  override readonly name = 'CohortMappingError';
}

/** `path: message` per issue, paths written as `canary[1].regex`, each under `prefix`. */
export function formatZodIssues(error: z.ZodError, prefix: FieldPath = []): string[] {
  return error.issues.map((issue) => `${formatFieldPath([...prefix, ...issue.path])}: ${issue.message}`);
}

/**
 * Validates a mapping read from JSON/YAML; throws `CohortMappingError` naming every problem.
 * @example
 * parseCohortMapping({ by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] });
 */
export function parseCohortMapping(input: unknown): CohortMapping {
  const result = cohortMappingSchema.safeParse(input);
  if (!result.success)
    throw CohortMappingError.fromIssues('cohort mapping', formatZodIssues(result.error), firstIssuePath(result.error));
  return result.data;
}
