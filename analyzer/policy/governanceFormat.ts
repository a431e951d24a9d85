/**
 * The YAML/JSON shape of the platform's release policy (docs/judging.md): user-defined
 * release classes on top of the built-in ones, and freeze windows. Unknown fields are rejected,
 * as everywhere else: a misspelt `requireBackup` must not silently turn a rule off.
 *
 * ```yaml
 * classes:
 *   schema-change:                 # built-in: only the fields given change
 *     requiresBackup: { maxAge: 12h }
 *   tax-hotfix:                    # user-defined: starts from `extends` (default standard)
 *     extends: emergency-fix
 *     observeMs: 15m               # observation window; durations: ms number or "90s", "15m", "2h", "1d"
 *     alpha: 0.02
 *     toleranceScale: 1.5
 *     requireRuledOut: true        # promote only with harm on critical metrics ruled out
 *     failureAction: rollback      # rollback | reduce-traffic
 *     approvalsRequired: 1
 *     postReleaseWatchMs: 45m      # after promote, keep watching this long (pipeline)
 * freezes:
 *   - name: black-friday-2026
 *     from: 2026-11-27T00:00:00+01:00
 *     to: 2026-11-30T23:59:59+01:00
 *     classes: [standard, schema-change, infra-patch]   # omitted: every class
 *     environments: [production]                        # omitted: every environment
 *     reason: Black Friday and Cyber Monday peak
 * ```
 */
import { z } from 'zod';
import { durationSchema } from '../duration.ts';

export { durationSchema };

export const classNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and - (max 64)');

export const releaseClassConfigSchema = z
  .object({
    /** the class whose values this one starts from (built-in or defined earlier in the file); default standard */
    extends: classNameSchema.optional(),
    observeMs: durationSchema.optional(),
    minObserveMs: durationSchema.optional(),
    alpha: z.number().gt(0).lt(0.5).optional(),
    passScore: z.number().min(0).max(100).optional(),
    marginalScore: z.number().min(0).max(100).optional(),
    minSamples: z.number().int().min(1).optional(),
    confidence: z.number().gt(0.5).lt(1).optional(),
    toleranceScale: z.number().gt(0).max(10).optional(),
    /** promote at the window's end only when harm on every critical metric is ruled out */
    requireRuledOut: z.boolean().optional(),
    failureAction: z.enum(['rollback', 'reduce-traffic']).optional(),
    approvalsRequired: z.number().int().min(0).max(10).optional(),
    /** `false` removes an inherited requirement */
    requiresBackup: z.union([z.literal(false), z.object({ maxAge: durationSchema }).strict()]).optional(),
    postReleaseWatchMs: durationSchema.optional(),
    /** may a release of this class pass a freeze with a recorded justification (emergency-fix: yes) */
    mayOverrideFreeze: z.boolean().optional(),
  })
  .strict();

const rfc3339 = z.iso.datetime({
  offset: true,
  message: 'an RFC 3339 date-time with offset, e.g. 2026-11-27T00:00:00Z',
});

export const freezeWindowConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits and . _ - (max 64)'),
    from: rfc3339,
    to: rfc3339,
    classes: z.array(classNameSchema).min(1).optional(),
    environments: z.array(z.string().min(1).max(128)).min(1).optional(),
    reason: z.string().min(1).max(500),
  })
  .strict()
  .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: '`from` must be before `to`', path: ['to'] });

export const governanceConfigSchema = z
  .object({
    classes: z.record(classNameSchema, releaseClassConfigSchema).default({}),
    freezes: z.array(freezeWindowConfigSchema).default([]),
  })
  .strict();
