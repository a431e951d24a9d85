/**
 * The wire schemas of the gate: the SAME zod objects validate requests and generate
 * `/openapi.json` (openapi.ts), so the description cannot drift from what is enforced. Specs and
 * releases reuse the analyzer's schemas (analyzer/validation.ts). Our own bodies reject unknown
 * fields; Flagger's payload is read tolerantly (a newer Flagger may add fields).
 */
import { z } from 'zod';
import { beforeAfterSchema, metricSpecSchema, policySchema, releaseSchema } from '../analyzer/index.ts';
import { textProblem } from '../analyzer/strictJson.ts';

const epochMs = z.number().int().nonnegative();

const DAY_MS = 86_400_000;
/**
 * Bounds on what decides how much work a release costs. The engine takes one look per interval
 * from `startedAt` to the end of the observation window, so `startedAt: 0` with `observeMs: 9e15`
 * was billions of looks: the heap ran out within a minute, and again on every restart. A start in
 * the past is otherwise allowed (replaying a recorded release through `serve` drives time from the
 * samples): with the window bounded, its catch-up is bounded too.
 */
export const RELEASE_BOUNDS = {
  /** earliest accepted start: 2000-01-01 (a year 1970 or a year 275,000 start is an input error) */
  minStartedAt: Date.UTC(2000, 0, 1),
  /** latest accepted start: 2100-01-01 */
  maxStartedAt: Date.UTC(2100, 0, 1),
  /** a start further ahead than this is a clock or input error (a release is registered when it starts) */
  maxStartAheadMs: DAY_MS,
  /** the longest observation window a spec may ask for (the built-in classes use 20 min to 2 h) */
  maxObserveMs: 30 * DAY_MS,
} as const;

/**
 * Release fields that become Prometheus label values (`/metrics`), collector cohort templates
 * (`{{release.service}}-canary@file`) and log fields: a closed character set, so quotes, braces,
 * backslashes, `$`, `;`, `<`, control characters and the like (injection attempts) are a 400 naming
 * the field instead of being stored. Space, `,` (tenant lists), `@`, `/`, `+` and `=` stay allowed.
 */
const labelText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 ._:@\/+,=-]*$/,
      'letters, digits, space and . _ : @ / + , = - only, starting with a letter or digit',
    );

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_:.-]*$/;

/** The analyzer's release, with its label-like fields restricted for the wire (see `labelText`). */
export const wireReleaseSchema = releaseSchema.extend({
  service: labelText(256),
  version: labelText(128),
  baselineVersion: labelText(128).optional(),
  environment: labelText(128),
  tenant: labelText(256).optional(),
  tenantTier: labelText(64).optional(),
  class: labelText(64),
  startedAt: epochMs
    .min(RELEASE_BOUNDS.minStartedAt, 'must be an epoch-ms time on or after 2000-01-01')
    .max(RELEASE_BOUNDS.maxStartedAt, 'must be an epoch-ms time before 2100-01-01'),
});

/** The analyzer's policy with the observation window bounded (see `RELEASE_BOUNDS`). */
const wirePolicySchema = policySchema.superRefine((p, ctx) => {
  const max = RELEASE_BOUNDS.maxObserveMs;
  for (const key of ['observeMs', 'minObserveMs'] as const) {
    const v = p[key];
    if (v !== undefined && v > max)
      ctx.addIssue({ code: 'custom', message: `at most ${max} ms (30 days)`, path: [key] });
  }
  if (p.observeMs !== undefined && p.minObserveMs !== undefined && p.minObserveMs > p.observeMs) {
    ctx.addIssue({ code: 'custom', message: 'must not exceed `observeMs`', path: ['minObserveMs'] });
  }
});
const rfc3339 = z.iso.datetime({ offset: true });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - only (max 128)');

/** A metric spec without its release: what `PUT /specs/{name}` stores and `spec` in a registration holds. */
export const specBodySchema = z
  .object({
    metrics: z.array(metricSpecSchema).min(1).max(200),
    policy: wirePolicySchema.optional(),
    groupWeights: z.record(z.string(), z.number().nonnegative()).optional(),
    beforeAfter: beforeAfterSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    // metric names become the `metric` label of /metrics and keys the collector maps series to
    body.metrics.forEach((m, i) => {
      for (const key of ['name', 'numerator', 'denominator', 'exposure'] as const) {
        const v = m[key];
        if (typeof v === 'string' && !METRIC_NAME.test(v))
          ctx.addIssue({
            code: 'custom',
            message: 'a metric name: letters, digits and _ : . - only, starting with a letter or _',
            path: ['metrics', i, key],
          });
      }
    });
  })
  .meta({
    description: 'The metrics a release is judged by (an analysis spec without its `release`).',
    examples: [
      {
        metrics: [
          {
            name: 'checkout_latency',
            group: 'business',
            kind: 'latency',
            harm: 'increase',
            tolerance: 0.1,
            critical: true,
          },
          {
            name: 'orders',
            group: 'business',
            kind: 'count',
            harm: 'decrease',
            tolerance: 0.1,
            exposure: 'http_requests',
          },
          {
            name: 'checkout_errors',
            group: 'business',
            kind: 'ratio',
            harm: 'increase',
            tolerance: 0.2,
            numerator: 'checkout_failed',
            denominator: 'checkout_started',
          },
        ],
        policy: { alpha: 0.01 },
      },
    ],
  });

export const registerBodySchema = z
  .object({
    release: wireReleaseSchema,
    spec: specBodySchema.optional(),
    specName: name.optional(),
    /** required to pass a freeze window (emergency fixes only); recorded in the audit trail */
    justification: z.string().min(1).max(2000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.spec === undefined) === (body.specName === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give exactly one of `spec` (inline) or `specName` (a stored spec)',
        path: ['spec'],
      });
    }
  })
  .meta({
    examples: [
      {
        release: {
          id: 'odoo-17.0.42-prod',
          service: 'odoo',
          version: '17.0.42',
          baselineVersion: '17.0.41',
          environment: 'production',
          strategy: 'canary',
          class: 'standard',
          startedAt: 1795766400000,
        },
        specName: 'odoo-checkout',
      },
    ],
  });

// PostgreSQL text cannot hold U+0000 and a lone surrogate is no character: a filter with one is the
// client's error (400), not the store's (500)
const filterText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const problem = textProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });

export const listQuerySchema = z
  .object({
    service: filterText(256).optional(),
    environment: filterText(128).optional(),
    status: z.enum(['active', 'completed', 'aborted', 'superseded', 'quarantined']).optional(),
    tenantTier: filterText(64).optional(),
    class: filterText(64).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    offset: z.coerce.number().int().min(0).optional(),
  })
  .strict();

/** Dates the scorecards accept: from 2000 to 2100 (a typo such as year 20260 is an error, not an empty page). */
const SCORECARD_MIN = Date.UTC(2000, 0, 1);
const SCORECARD_MAX = Date.UTC(2100, 0, 1);
const scorecardDate = z.iso
  .datetime({ offset: true, message: 'an RFC 3339 date-time, e.g. 2026-11-01T00:00:00Z' })
  .or(z.iso.date({ message: 'an RFC 3339 date (2026-11-01) or date-time (2026-11-01T00:00:00Z)' }))
  .transform((text) => Date.parse(text))
  .refine(
    (ms) => Number.isFinite(ms) && ms >= SCORECARD_MIN && ms < SCORECARD_MAX,
    'must be between 2000-01-01 and 2100-01-01',
  );

/** `GET /scorecards?from=&to=` (RFC 3339); `from` must come before `to`. */
export const scorecardQuerySchema = z
  .object({ from: scorecardDate.optional(), to: scorecardDate.optional() })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to)
      ctx.addIssue({ code: 'custom', message: 'must be before `to`', path: ['from'] });
  });

export const closeBodySchema = z
  .object({ reason: z.string().min(1).max(1000).optional() })
  .strict()
  .meta({ examples: [{ reason: 'promoted by Argo Rollouts' }] });

export const checkpointBodySchema = z
  .object({
    backupId: z.string().min(1).max(256),
    /** when the backup was taken: epoch ms or RFC 3339 */
    takenAt: z.union([epochMs, rfc3339]),
    source: z.string().min(1).max(64).optional(),
  })
  .strict()
  .meta({
    examples: [{ backupId: 'pgbackrest-20261127-0400F', takenAt: '2026-11-27T04:00:00Z', source: 'pgbackrest' }],
  });

export const approvalBodySchema = z
  .object({ comment: z.string().min(1).max(1000).optional() })
  .strict()
  .meta({ examples: [{ comment: 'migration reviewed by the DBA on call' }] });

/**
 * Flagger's webhook payload (v1.44 `CanaryWebhookPayload`): `name`, `namespace`, `phase`,
 * `checksum` and `metadata` (map of strings from the Canary's `webhooks[].metadata`). Read
 * tolerantly: a newer Flagger adding a field must not stop every rollout.
 */
export const flaggerPayloadSchema = z
  .looseObject({
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(253),
    phase: z.string().max(64).optional(),
    checksum: z.string().max(256).optional(),
    metadata: z.record(z.string(), z.string().max(4096)).optional(),
  })
  .meta({
    examples: [
      {
        name: 'odoo',
        namespace: 'production',
        phase: 'Progressing',
        checksum: '85d557f47b',
        metadata: { releaseId: 'odoo-17.0.42-prod', token: '<reader token>' },
      },
    ],
  });

// JSON has no Infinity/NaN: such numbers (an unbounded interval, evidence of a certain change) go out as null.
const wireNumber = z.number().nullable();

export const metricVerdictSchema = z
  .object({
    metric: z.string(),
    classification: z.enum(['pass', 'high', 'low', 'nodata', 'error', 'undecided']),
    effect: z.object({ relative: wireNumber, low: wireNumber, high: wireNumber }).strict(),
    evidence: wireNumber,
    method: z.string(),
    n: z.object({ baseline: z.number(), canary: z.number() }).strict(),
    reason: z.string(),
    code: z
      .enum([
        'too-few-observations',
        'no-exposure',
        'cohort-silent',
        'traffic-split-mismatch',
        'input-error',
        'slo-breach',
        'interval-beyond-tolerance',
        'estimate-beyond-tolerance',
        'within-tolerance',
        'not-detected',
        'harmless-change',
      ])
      .optional()
      .meta({ description: 'machine-readable outcome of the metric; `reason` is its text' }),
    assurance: z.enum(['ruled-out', 'not-detected']).optional().meta({
      description: 'metrics without a failure: harm ruled out (interval inside the tolerance) or only not detected',
    }),
    detectable: wireNumber
      .optional()
      .meta({ description: 'smallest harmful relative effect the data so far would have caught with about even odds' }),
    declaredCritical: z.boolean().optional().meta({ description: 'the spec declared this metric critical' }),
    criticalFailure: z.boolean().optional().meta({
      description: 'this metric failed critically (a critical metric failed, or an SLO breach): it forces a rollback',
    }),
    critical: z.boolean().optional().meta({
      description:
        'API v1 name of criticalFailure, same value; it does not say whether the metric was declared critical',
    }),
  })
  .strict();

export const decisionSchema = z.enum(['continue', 'promote', 'reduce-traffic', 'rollback', 'inconclusive']);

export const verdictSchema = z
  .object({
    releaseId: z.string(),
    at: epochMs,
    decision: decisionSchema,
    score: z.number().min(0).max(100),
    metrics: z.array(metricVerdictSchema),
    reasons: z.array(z.string()),
    policy: z.object({ class: z.string(), observedFor: z.number(), frozen: z.string().optional() }).strict(),
  })
  .strict()
  .meta({
    description:
      'Answered with 200 for every decision, inconclusive included (Argo Rollouts turns a non-2xx answer into a measurement Error, not a Failure).',
    examples: [
      {
        releaseId: 'odoo-17.0.42-prod',
        at: 1795768200000,
        decision: 'rollback',
        score: 40,
        metrics: [
          {
            metric: 'checkout_latency',
            classification: 'high',
            effect: { relative: 0.31, low: 0.22, high: 0.4 },
            evidence: 1830,
            method: 'quantile confidence sequence',
            n: { baseline: 5120, canary: 1290 },
            reason: '+31.0% [+22.0%, +40.0%]: higher than tolerance +10.0%',
            code: 'interval-beyond-tolerance',
            declaredCritical: true,
            criticalFailure: true,
            critical: true,
          },
        ],
        reasons: ['critical failure in checkout_latency'],
        policy: { class: 'standard', observedFor: 1800000 },
      },
      {
        releaseId: 'odoo-17.0.42-prod',
        at: 1795766400000,
        decision: 'continue',
        score: 0,
        metrics: [],
        reasons: ['warming up: no look taken yet; 60 of 60 min of the observation window left'],
        policy: { class: 'standard', observedFor: 0 },
      },
    ],
  });

export const errorSchema = z.object({ error: z.string(), details: z.unknown().optional() }).meta({
  examples: [
    {
      error: 'invalid request body',
      details: ['release.startedAt: Invalid input: expected number, received string'],
    },
  ],
});

export type SpecBody = z.output<typeof specBodySchema>;
export type FlaggerPayload = z.output<typeof flaggerPayloadSchema>;
