/**
 * The dashboards config: which metric specs and release classes the dashboards show, where
 * Prometheus is, and how cohorts and platform services are told apart. YAML or JSON; unknown
 * keys are errors (a typo must not silently drop a panel).
 *
 * The file may be a dashboards config on its own (examples/dashboards/dashboards.yaml) or a larger
 * config (docker-compose's serve.yaml) with the dashboards config under a top-level `dashboards:`
 * key; the rest of such a file belongs to its own reader and is not looked at here.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { firstIssuePath } from '../analyzer/configError.ts';
import { parseConfigText } from '../analyzer/configText.ts';
import { ConfigError, formatIssues, metricSpecSchema, RELEASE_CLASSES } from '../analyzer/index.ts';
import type { MetricSpec } from '../analyzer/index.ts';
import { ODOO_LABELS } from './grafana/metricNames.ts';

const name = z.string().min(1).max(200);
/** Grafana uids: at most 40 characters of letters, digits, `-` and `_`. */
const uid = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'a Grafana uid: 1-40 letters, digits, - or _');

const cohortSchema = z
  .object({
    /** label on the odoo-exporter series that separates the cohorts (tenant waves: the tenant database, `db`) */
    label: name.default(ODOO_LABELS.tenant),
    /** values of that label served by the new version */
    canary: z.array(name).min(1),
    /** values served by the old version; omitted = every other value */
    baseline: z.array(name).min(1).optional(),
  })
  .strict();

const platformSchema = z
  .object({
    postgres: z
      .object({ enabled: z.boolean().default(true), job: name.optional() })
      .strict()
      .prefault({}),
    redis: z
      .object({ enabled: z.boolean().default(true), job: name.optional() })
      .strict()
      .prefault({}),
    traefik: z
      .object({
        enabled: z.boolean().default(true),
        job: name.optional(),
        /** Traefik service names (with provider suffix) of the stable and canary versions */
        baseline: name.default('odoo-stable@file'),
        canary: name.default('odoo-canary@file'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const dashboardsConfigSchema = z
  .object({
    datasource: z
      .object({
        name: name.default('Prometheus'),
        uid: uid.default('prometheus'),
        url: z.url().default('http://prometheus:9090'),
      })
      .strict()
      .prefault({}),
    /** Grafana folder the provider puts the dashboards in */
    folder: name.default('Release health'),
    /** where Grafana reads the dashboard JSON; default: `<out>/dashboards` as written */
    grafanaDashboardsPath: z.string().min(1).optional(),
    /** uid prefix, so two stacks can share one Grafana */
    uidPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,16}$/)
      .default('rh'),
    /** the metric specs judged during releases: one effect/evidence panel each */
    metrics: z.array(metricSpecSchema).min(1),
    /** release classes shown (policy table, score thresholds); unknown names are errors */
    releaseClasses: z
      .array(name)
      .min(1)
      .default(() => Object.keys(RELEASE_CLASSES))
      .refine((xs) => xs.every((x) => RELEASE_CLASSES[x] !== undefined), {
        message: `unknown release class; known: ${Object.keys(RELEASE_CLASSES).join(', ')}`,
      }),
    /** values offered by the tenant_tier variable */
    tenantTiers: z.array(name).default([]),
    business: z
      .object({
        cohort: cohortSchema,
        /** queue_job channels that carry integrations (marketplace, EDI): the integration backlog panel */
        integrationChannels: z.array(name).default(['root.integration']),
      })
      .strict(),
    platform: platformSchema.prefault({}),
  })
  .strict();

/** The config as read (defaults filled in). */
export type DashboardsConfig = z.output<typeof dashboardsConfigSchema> & { metrics: MetricSpec[] };
/** The config as written in a file (defaults optional). */

export class DashboardsConfigError extends ConfigError {
  override readonly name = 'DashboardsConfigError';
}

/** Validates a parsed config object (or the `dashboards:` section of a larger one). */
export function parseDashboardsConfig(raw: unknown): DashboardsConfig {
  const nested = isRecord(raw) && 'dashboards' in raw;
  const result = dashboardsConfigSchema.safeParse(nested ? raw.dashboards : raw);
  if (!result.success) {
    const issues = formatIssues(result.error);
    const path = firstIssuePath(result.error);
    throw new DashboardsConfigError(issues.join('; '), issues, path && nested ? ['dashboards', ...path] : path);
  }
  return result.data as DashboardsConfig;
}

/** Reads and validates a YAML or JSON config file (JSON is YAML); errors at file:line:column. */
export async function loadDashboardsConfig(path: string): Promise<DashboardsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DashboardsConfigError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`).locate(path);
  }
  return parseConfigText(text, path).validate(parseDashboardsConfig);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
