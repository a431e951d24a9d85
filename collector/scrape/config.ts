/**
 * Scrape target configuration: what to pull, how often, and which series families become which
 * spec metrics with which cohort mapping. One options object with defaults; unknown keys are
 * rejected so that a typo (`intervalMS`) fails at load time instead of silently defaulting.
 */
import { z } from 'zod';
import { ConfigError, firstIssuePath, type FieldPath } from '../../analyzer/configError.ts';
import { cohortMappingSchema, cohortValueSchema, formatZodIssues, labelNameSchema } from '../cohorts/index.ts';
import type { CohortMapping, CohortValue } from '../cohorts/index.ts';

/** How a family's series are turned into samples (see `ScrapeConverter`). */
export type ScrapeKind = 'counter' | 'gauge' | 'histogram';

export interface ScrapeMetric {
  /** the series family as exposed, e.g. `traefik_service_requests_total` */
  name: string;
  /** the spec metric name the samples carry (`Sample.metric`) */
  as: string;
  kind: ScrapeKind;
  cohorts: CohortMapping;
  /**
   * only series whose labels match: label → accepted values (exact strings or `{ regex }`, anchored
   * as in PromQL). Lets one family feed several spec metrics, e.g. Traefik's
   * `traefik_service_requests_total` as all requests and, with `select: { code: [{ regex: "5.." }] }`,
   * as server errors. A series without the label does not match.
   */
  select?: Record<string, CohortValue[]>;
}

export interface ScrapeTarget {
  /** unique among targets; names the target in errors and stats */
  name: string;
  /** http(s) URL of the `/metrics` endpoint */
  url: string;
  intervalMs: number;
  /** must not exceed `intervalMs`, as in Prometheus (`scrape_timeout` ≤ `scrape_interval`) */
  timeoutMs: number;
  /** body limit, enforced while the body streams in */
  maxBodyBytes: number;
  /** extra labels put on every emitted sample (they win over scraped labels of the same name) */
  labels: Record<string, string>;
  metrics: ScrapeMetric[];
}

/** Defaults: Prometheus's `scrape_timeout` (10 s), a 15 s interval common for Traefik, 16 MiB body. */
export const SCRAPE_TARGET_DEFAULTS = Object.freeze({
  intervalMs: 15_000,
  timeoutMs: 10_000,
  maxBodyBytes: 16 * 1024 * 1024,
});

const metricNameSchema = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)');

const scrapeMetricSchema = z
  .object({
    name: metricNameSchema,
    as: z.string().min(1).max(256),
    kind: z.enum(['counter', 'gauge', 'histogram']),
    cohorts: cohortMappingSchema,
    select: z.record(labelNameSchema, z.array(cohortValueSchema).min(1).max(64)).optional(),
  })
  .strict();

const positiveMs = z.number().int('must be an integer (milliseconds)').positive();

export const scrapeTargetSchema = z
  .object({
    name: z.string().min(1).max(128),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    // 10 ms floor: tests run fast; production intervals are seconds
    intervalMs: positiveMs.min(10).default(SCRAPE_TARGET_DEFAULTS.intervalMs),
    timeoutMs: positiveMs.default(SCRAPE_TARGET_DEFAULTS.timeoutMs),
    maxBodyBytes: z.number().int().positive().default(SCRAPE_TARGET_DEFAULTS.maxBodyBytes),
    labels: z
      .record(labelNameSchema, z.string(), {
        error: (issue) =>
          issue.code === 'invalid_key' ? 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)' : undefined,
      })
      .default({}),
    metrics: z.array(scrapeMetricSchema).min(1, 'needs at least one metric'),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.timeoutMs > t.intervalMs) {
      ctx.addIssue({ code: 'custom', message: `must not exceed intervalMs (${t.intervalMs})`, path: ['timeoutMs'] });
    }
    // `le` is the bucket label of histogram samples; a target label must not overwrite it
    if ('le' in t.labels)
      ctx.addIssue({ code: 'custom', message: '"le" is reserved for histogram buckets', path: ['labels', 'le'] });
    // one family may feed several spec metrics (with different `select`s), but each spec metric
    // has one source per target: its counters' state is kept under its name
    const seen = new Set<string>();
    const families = new Set<string>();
    t.metrics.forEach((m, i) => {
      if (seen.has(m.as))
        ctx.addIssue({
          code: 'custom',
          message: `spec metric "${m.as}" is fed twice by this target`,
          path: ['metrics', i, 'as'],
        });
      if (families.has(m.name) && !m.select)
        ctx.addIssue({
          code: 'custom',
          message: `family "${m.name}" is listed twice; give the repeats a \`select\``,
          path: ['metrics', i, 'name'],
        });
      seen.add(m.as);
      families.add(m.name);
    });
  });

/** What a config file holds: a target with the defaulted fields optional. */

/** Bad target configuration: `issues` are `path: message` lines. */
export class ScrapeConfigError extends ConfigError {
  override readonly name = 'ScrapeConfigError';
}
const scrapeConfigError = (issues: string[], path?: FieldPath) =>
  ScrapeConfigError.fromIssues('scrape config', issues, path);

/**
 * Validates one target and fills its defaults; throws `ScrapeConfigError` naming every problem.
 * @example
 * parseScrapeTarget({ name: 'traefik', url: 'http://traefik:8082/metrics', metrics: [{ name: 'traefik_service_requests_total',
 *   as: 'requests', kind: 'counter', cohorts: { by: 'label', label: 'service', baseline: ['odoo-stable@file'], canary: ['odoo-canary@file'] } }] });
 */
export function parseScrapeTarget(input: unknown): ScrapeTarget {
  const result = scrapeTargetSchema.safeParse(input);
  if (!result.success) throw scrapeConfigError(formatZodIssues(result.error), firstIssuePath(result.error));
  return result.data;
}

/** Validates a list of targets; names must be unique (they key stats and counter state). */
export function parseScrapeTargets(input: unknown): ScrapeTarget[] {
  if (!Array.isArray(input)) throw scrapeConfigError(['(root): must be an array of targets']);
  const issues: string[] = [];
  let firstPath: FieldPath | undefined;
  const targets: ScrapeTarget[] = [];
  const names = new Set<string>();
  input.forEach((raw: unknown, i) => {
    const result = scrapeTargetSchema.safeParse(raw);
    if (!result.success) {
      firstPath ??= [i, ...(firstIssuePath(result.error) ?? [])];
      return void issues.push(...formatZodIssues(result.error, [i]));
    }
    if (names.has(result.data.name)) {
      firstPath ??= [i, 'name'];
      issues.push(`[${i}].name: target "${result.data.name}" is defined twice`);
    }
    names.add(result.data.name);
    targets.push(result.data);
  });
  if (issues.length > 0) throw scrapeConfigError(issues, firstPath);
  return targets;
}
