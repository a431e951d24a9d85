/**
 * Scrape targets written once for every release: cohort values (and a time mapping's start) may
 * name fields of the release under analysis, e.g.
 *
 *   cohorts: { by: label, label: service, baseline: ["{{release.service}}-primary@file"], canary: ["{{release.service}}-canary@file"] }
 *   cohorts: { by: label, label: version, baseline: ["{{release.baselineVersion}}"], canary: ["{{release.version}}"] }
 *   cohorts: { by: tenant, label: db, canary: ["{{release.tenant}}"] }      # tenant: "shop_a,shop_b" → two values
 *   cohorts: { by: time, releaseStartedAt: "{{release.startedAt}}" }
 *
 * A target may also say which releases it serves (`match: { service: [...], environment: [...] }`);
 * without `match` it serves every release. Instantiation is strict: a placeholder naming an
 * unknown field, or a field the release does not have, is an error for that (release, target)
 * pair — never an empty string that would silently match nothing.
 */
import type { Release } from '../../analyzer/types.ts';
import { parseScrapeTarget, type ScrapeTarget } from '../scrape/index.ts';

const PLACEHOLDER = /\{\{\s*release\.([A-Za-z]+)\s*\}\}/g;
const FIELDS = new Set([
  'id',
  'service',
  'version',
  'baselineVersion',
  'environment',
  'tenant',
  'tenantTier',
  'startedAt',
]);

export interface TargetMatch {
  service?: string[];
  environment?: string[];
}

/** Stand-in release used only to validate templates at load time (every field present, all distinct
 * so that baseline and canary values never collide). */
export const PROBE_RELEASE: Release = {
  id: 'probe-id',
  service: 'probe-service',
  version: 'probe-version',
  baselineVersion: 'probe-baseline-version',
  environment: 'probe-environment',
  tenant: 'probe-tenant',
  tenantTier: 'probe-tier',
  strategy: 'canary',
  class: 'standard',
  startedAt: 0,
};

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** True when the target template serves this release. */
export function targetServes(match: TargetMatch | undefined, release: Release): boolean {
  if (!match) return true;
  if (match.service && !match.service.includes(release.service)) return false;
  if (match.environment && !match.environment.includes(release.environment)) return false;
  return true;
}

function fieldOf(release: Release, field: string, where: string): string {
  if (!FIELDS.has(field))
    throw new TemplateError(
      `${where}: unknown placeholder release.${field}; known: ${[...FIELDS].map((f) => `release.${f}`).join(', ')}`,
    );
  const value = (release as unknown as Record<string, unknown>)[field];
  if (value === undefined || value === '') throw new TemplateError(`${where}: release "${release.id}" has no ${field}`);
  return String(value);
}

/** Fills every `{{release.x}}` of `text`; strict (see the header). Shared with the PromQL collector. */
export function substitute(text: string, release: Release, where: string): string {
  return text.replace(PLACEHOLDER, (_, field: string) => fieldOf(release, field, where));
}

/** A cohort value list: `"{{release.tenant}}"` alone expands a comma-separated field into several values. */
function substituteList(values: unknown[], release: Release, where: string): unknown[] {
  return values.flatMap((value) => {
    if (typeof value !== 'string') return [value];
    const whole = /^\{\{\s*release\.(tenant)\s*\}\}$/.exec(value);
    if (whole)
      return fieldOf(release, whole[1], where)
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
    return [substitute(value, release, where)];
  });
}

function instantiateCohorts(
  cohorts: Record<string, unknown>,
  release: Release,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cohorts)) {
    if (Array.isArray(value)) out[key] = substituteList(value, release, `${where}.${key}`);
    else if (key === 'releaseStartedAt' && typeof value === 'string')
      out[key] = Number(substitute(value, release, `${where}.${key}`));
    else if (typeof value === 'string') out[key] = substitute(value, release, `${where}.${key}`);
    else out[key] = value;
  }
  return out;
}

/**
 * The concrete target for one release: placeholders filled, then validated exactly as a static
 * target (`parseScrapeTarget`). `template` is the config object minus its `match` key.
 */
export function instantiateTarget(template: Record<string, unknown>, release: Release): ScrapeTarget {
  const name = String(template.name ?? '?');
  const metrics = Array.isArray(template.metrics) ? template.metrics : [];
  const concrete = {
    ...template,
    metrics: metrics.map((metric: Record<string, unknown>, i: number) => ({
      ...metric,
      cohorts:
        metric.cohorts && typeof metric.cohorts === 'object'
          ? instantiateCohorts(
              metric.cohorts as Record<string, unknown>,
              release,
              `target "${name}" metrics[${i}].cohorts`,
            )
          : metric.cohorts,
    })),
  };
  return parseScrapeTarget(concrete);
}
