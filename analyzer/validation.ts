/**
 * Runtime schemas for everything read from files or the network. Unknown fields are rejected
 * (a typo such as `tolerence` must not silently fall back to a default), and every message names
 * the field's path so that `formatIssues` can point at the file and line.
 */
import { z } from 'zod';
import { formatFieldPath } from './configError.ts';
import type { AnalysisSpec } from './types.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const epochMs = z.number().int('must be an integer (epoch milliseconds)').nonnegative();
const labels = z.record(z.string(), z.string());

export const cohortSchema = z.enum(['baseline', 'canary']);

export const sampleSchema = z
  .object({
    ts: epochMs,
    metric: z.string().min(1).max(256),
    cohort: cohortSchema,
    // null is missing data; NaN cannot appear in JSON. Infinity cannot either (JSON has no literal).
    value: z.number().nullable(),
    labels: labels.optional(),
  })
  .strict();

export const sloSchema = z
  .object({ max: finite.optional(), min: finite.optional(), quantile: z.number().gt(0).lt(1).optional() })
  .strict()
  .refine((s) => s.max !== undefined || s.min !== undefined, 'an slo needs `max` or `min`');

export const metricSpecSchema = z
  .object({
    name: z.string().min(1).max(256),
    group: z.string().min(1).default('application'),
    kind: z.enum(['latency', 'count', 'ratio', 'gauge']),
    harm: z.enum(['increase', 'decrease', 'either']),
    tolerance: z.number().min(0).max(10),
    critical: z.boolean().optional(),
    weight: z.number().positive().optional(),
    query: z.string().optional(),
    numerator: z.string().min(1).optional(),
    denominator: z.string().min(1).optional(),
    exposure: z.string().min(1).optional(),
    histogram: z.boolean().optional(),
    buckets: z
      .array(finite.refine((x) => x > 0, 'bucket edges must be positive'))
      .min(1)
      .max(1000)
      .optional(),
    slo: sloSchema.optional(),
    quantile: z.number().gt(0).lt(1).optional(),
    nanStrategy: z.enum(['remove', 'replace']).optional(),
    removeOutliers: z.boolean().optional(),
    failWhen: z.enum(['interval', 'estimate']).optional(),
    expected: z
      .object({
        perMinute: z.number().positive().max(1e9),
        ratio: z.number().gt(0).lt(1).optional(),
        sigma: z.number().positive().max(10).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.kind === 'ratio' && (!m.numerator || !m.denominator)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a ratio metric names `numerator` and `denominator`',
        path: ['numerator'],
      });
    }
    if (m.kind !== 'ratio' && (m.numerator || m.denominator)) {
      ctx.addIssue({ code: 'custom', message: 'only ratio metrics take `numerator`/`denominator`', path: ['kind'] });
    }
    if (m.exposure && m.kind !== 'count') {
      ctx.addIssue({ code: 'custom', message: 'only count metrics take `exposure`', path: ['exposure'] });
    }
    if (m.slo && m.kind === 'count') {
      ctx.addIssue({
        code: 'custom',
        message: 'count metrics take no `slo` (guard the ratio or latency that matters instead)',
        path: ['slo'],
      });
    }
    if (m.histogram && m.kind !== 'latency') {
      ctx.addIssue({ code: 'custom', message: 'only latency metrics take `histogram`', path: ['histogram'] });
    }
    if (m.histogram && !m.buckets) {
      ctx.addIssue({
        code: 'custom',
        message: 'a histogram metric lists its `buckets` (the finite `le` edges)',
        path: ['buckets'],
      });
    }
    if (m.buckets && !m.histogram) {
      ctx.addIssue({ code: 'custom', message: '`buckets` needs `histogram: true`', path: ['buckets'] });
    }
    if (m.buckets && m.buckets.some((edge, i) => i > 0 && edge <= m.buckets![i - 1])) {
      ctx.addIssue({ code: 'custom', message: 'bucket edges must be strictly ascending', path: ['buckets'] });
    }
  });

export const releaseSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - only (max 128)'),
    service: z.string().min(1).max(256),
    version: z.string().min(1).max(128),
    baselineVersion: z.string().min(1).max(128).optional(),
    environment: z.string().min(1).max(128),
    tenant: z.string().min(1).max(256).optional(),
    tenantTier: z.string().min(1).max(64).optional(),
    strategy: z.enum(['canary', 'blue-green', 'rolling', 'before-after']),
    class: z.string().min(1).max(64),
    startedAt: epochMs,
    canaryWeight: z.number().gt(0).lt(1).optional(),
    commitAt: epochMs.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    alpha: z.number().gt(0).lt(0.5).optional(),
    observeMs: z.number().int().positive().optional(),
    passScore: z.number().min(0).max(100).optional(),
    marginalScore: z.number().min(0).max(100).optional(),
    minSamples: z.number().int().min(1).optional(),
    minObserveMs: z.number().int().nonnegative().optional(),
    confidence: z.number().gt(0.5).lt(1).optional(),
  })
  .strict();

/** `spec.beforeAfter`: the baseline of a before/after release (one rule for files and the API) */
export const beforeAfterSchema = z
  .object({
    baseline: z.enum(['previous-window', 'previous-weeks']),
    weeks: z.number().int().min(1).max(12).optional(),
  })
  .strict();

export const analysisSpecSchema = z
  .object({
    release: releaseSchema,
    metrics: z.array(metricSpecSchema).min(1),
    policy: policySchema.default({}),
    groupWeights: z.record(z.string(), z.number().nonnegative()).optional(),
    beforeAfter: beforeAfterSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.beforeAfter && spec.release.strategy !== 'before-after') {
      ctx.addIssue({
        code: 'custom',
        message: '`beforeAfter` applies only to releases with strategy before-after',
        path: ['beforeAfter'],
      });
    }
    const seen = new Set<string>();
    spec.metrics.forEach((m, i) => {
      if (seen.has(m.name))
        ctx.addIssue({ code: 'custom', message: `duplicate metric name "${m.name}"`, path: ['metrics', i, 'name'] });
      seen.add(m.name);
    });
  });

/** Turns zod issues into one line each: `metrics[2].tolerance: Too big: expected number to be <=10`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatFieldPath(issue.path)}: ${issue.message}`);
}

export type ParsedSample = z.infer<typeof sampleSchema>;

/** Compile-time check that the schema's output is assignable to the core type. */
export type _SpecCheck = z.infer<typeof analysisSpecSchema> extends AnalysisSpec ? true : never;
