/**
 * Release-level setup of the PromQL collector (`promqlCollector.ts`): which metric specs it can
 * collect, a bound on concurrent queries, and the cohort values, written once for every release with the same
 * `{{release.x}}` templating as the scrape targets (`template.ts`), e.g.
 *
 *   cohorts:
 *     baseline: { cohort: "{{release.service}}-primary@file" }
 *     canary:   { cohort: "{{release.service}}-canary@file" }
 *
 * Instantiation is strict, as for targets: an unknown field, or a field the release does not have,
 * is an error — never an empty string that would silently match nothing. The values produced here
 * are then placed into queries by `collector/promql/template.ts`, which escapes them for the
 * PromQL string they stand in, so a release field can never add PromQL of its own.
 */
import { COHORTS, type Cohort, type MetricSpec, type Release } from '../../analyzer/types.ts';
import { PLACEHOLDERS, type CohortValues, type Placeholder, type PlaceholderValues } from '../promql/index.ts';
import { PROBE_RELEASE, substitute as fill, TemplateError } from './template.ts';

export { PROBE_RELEASE };

/**
 * The cohort-value map of one release. Without a template every release gets
 * `{ baseline: {}, canary: {} }` (`$version`/`$service` default to the release's fields; `$cohort`
 * then has no value) — or `{ canary: {} }` for a before/after release, whose baseline is the
 * pre-release period, not a concurrent series.
 */
export function instantiateCohortValues(template: CohortValues | undefined, release: Release): CohortValues {
  if (template === undefined)
    return release.strategy === 'before-after' ? { canary: {} } : { baseline: {}, canary: {} };
  const out: CohortValues = {};
  for (const [cohort, values] of Object.entries(template)) {
    if (!(COHORTS as readonly string[]).includes(cohort))
      throw new TemplateError(`prometheus.cohorts: unknown cohort "${cohort}" (baseline, canary)`);
    if (values === undefined) continue;
    const filled: PlaceholderValues = {};
    for (const [name, value] of Object.entries(values)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(name))
        throw new TemplateError(
          `prometheus.cohorts.${cohort}: unknown placeholder "${name}" (${PLACEHOLDERS.join(', ')})`,
        );
      if (typeof value !== 'string') throw new TemplateError(`prometheus.cohorts.${cohort}.${name}: must be a string`);
      filled[name as Placeholder] = fill(value, release, `prometheus.cohorts.${cohort}.${name}`);
    }
    out[cohort as Cohort] = filled;
  }
  if (Object.keys(out).length === 0)
    throw new TemplateError('prometheus.cohorts: name at least one cohort (baseline, canary)');
  return out;
}

/** Why a spec cannot be collected by PromQL; undefined when it can. */
export function unsupported(spec: MetricSpec): string | undefined {
  if (spec.kind === 'ratio')
    return `ratio metric "${spec.name}": the judge reads its numerator and denominator samples, which one query cannot give; write it as a gauge of errors / requests`;
  if (spec.histogram)
    return `histogram metric "${spec.name}": the judge needs per-bucket counts, not a PromQL result; scrape it, or judge a gauge of histogram_quantile(...)`;
  return undefined;
}

/** At most `max` calls in flight: many releases × metrics must not become one burst of requests to Prometheus. */
export class ConcurrencyLimit {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly max: number;

  constructor(max: number) {
    this.max = Math.max(1, Math.floor(max));
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      return await fn();
    } finally {
      // hand the slot straight to the next waiter, so no newcomer slips in between
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
