/**
 * Scraped families → `Sample`s for the analyzer, one target at a time:
 *  - counters: per-series increments (`CounterTracker`, reset-aware), summed per cohort — one
 *    sample per cohort per scrape, so several pods of the canary make one canary rate;
 *  - gauges: one sample per series (labels kept). A gauge is a level, and summing the levels of
 *    the pods of a cohort would mix "more pods" with "higher level"; per-series values keep the
 *    distribution the judge compares;
 *  - histograms: per-bucket increments, NON-cumulative (see `Sample`), summed per cohort per `le`
 *    — one sample per bucket per cohort, `labels.le` written as Prometheus writes it (`"0.1"`,
 *    `"+Inf"`).
 * NaN stays NaN (missing data), never zero. A cohort with no increment yet (every series seen for
 * the first time) gets no sample. Samples carry the scrape's timestamp, not exposition
 * timestamps, so that all cohorts of one scrape line up. With a `by: 'time'` mapping the cohort
 * follows that timestamp, so the interval that straddles the release start counts as canary.
 */
import type { Cohort, Sample } from '../../analyzer/types.ts';
import { compileCohortMapping, compileLinearRegex, type CohortMatcher, type CohortValue } from '../cohorts/index.ts';
import { canonicalSeries, histogramBuckets } from '../textparse/index.ts';
import type { MetricFamily } from '../textparse/index.ts';
import type { ScrapeMetric, ScrapeTarget } from './config.ts';
import { CounterTracker, type CounterTrackerOptions } from './counters.ts';
import type { ScrapeResult } from './fetch.ts';

export interface ConvertResult {
  samples: Sample[];
  /** series that matched no cohort (no label, no match, or both), per spec metric */
  ignored: Record<string, number>;
  /** configured families absent from this scrape */
  missing: string[];
  /** per-metric problems (wrong type, malformed histogram); the other metrics still convert */
  problems: Error[];
}

/** Which exposition types each configured kind accepts (`untyped`/`unknown`: no TYPE line). */
const ACCEPTS: Record<ScrapeMetric['kind'], readonly string[]> = {
  counter: ['counter', 'untyped', 'unknown'],
  gauge: ['gauge', 'untyped', 'unknown'],
  histogram: ['histogram'],
};

/** `le` as Prometheus writes it: `+Inf`, else the shortest decimal (`0.1`, `5`, `1e-05`). */
export function formatLe(le: number): string {
  return le === Infinity ? '+Inf' : String(le);
}

export class ScrapeConverter {
  private readonly tracker: CounterTracker;
  private readonly matchers: Map<string, CohortMatcher>;
  private readonly selects: Map<string, (labels: Readonly<Record<string, string>>) => boolean>;

  constructor(
    readonly target: ScrapeTarget,
    options: CounterTrackerOptions = {},
  ) {
    this.tracker = new CounterTracker(options);
    // regexes compiled once per target, not per scrape; keyed by spec metric (one family may feed several)
    this.matchers = new Map(target.metrics.map((m) => [m.as, compileCohortMapping(m.cohorts)]));
    this.selects = new Map(
      target.metrics
        .filter((m) => m.select)
        .map((m) => [m.as, compileSelect(m.select as Record<string, CohortValue[]>)]),
    );
  }

  /** Series whose counter state is remembered (bounded by `staleAfterScrapes`). */
  get trackedSeries(): number {
    return this.tracker.size;
  }

  convert(result: ScrapeResult): ConvertResult {
    const out: ConvertResult = { samples: [], ignored: {}, missing: [], problems: [] };
    for (const metric of this.target.metrics) {
      const family = findFamily(result.families, metric.name);
      if (family === undefined) {
        out.missing.push(metric.name);
        continue;
      }
      if (!ACCEPTS[metric.kind].includes(family.type)) {
        out.problems.push(
          new Error(
            `target "${this.target.name}": family "${family.name}" is a ${family.type}, configured as ${metric.kind}`,
          ),
        );
        continue;
      }
      try {
        if (metric.kind === 'gauge') this.gauge(metric, family, result.ts, out);
        else if (metric.kind === 'counter') this.counter(metric, family, result.ts, out);
        else this.histogram(metric, family, result.ts, out);
      } catch (error) {
        out.problems.push(
          new Error(`target "${this.target.name}", metric "${metric.as}": ${(error as Error).message}`, {
            cause: error,
          }),
        );
      }
    }
    this.tracker.endScrape();
    return out;
  }

  private cohortOf(
    metric: ScrapeMetric,
    labels: Record<string, string>,
    ts: number,
    out: ConvertResult,
  ): Cohort | undefined {
    const select = this.selects.get(metric.as);
    if (select && !select(labels)) return undefined; // filtered out on purpose: not "ignored"
    const result = (this.matchers.get(metric.as) as CohortMatcher).classify(labels, ts);
    if ('cohort' in result) return result.cohort;
    out.ignored[metric.as] = (out.ignored[metric.as] ?? 0) + 1;
    return undefined;
  }

  private gauge(metric: ScrapeMetric, family: MetricFamily, ts: number, out: ConvertResult): void {
    for (const s of family.samples) {
      if (s.name !== family.name) continue;
      const cohort = this.cohortOf(metric, s.labels, ts, out);
      if (cohort !== undefined)
        out.samples.push({
          ts,
          metric: metric.as,
          cohort,
          value: s.value,
          labels: { ...s.labels, ...this.target.labels },
        });
    }
  }

  private counter(metric: ScrapeMetric, family: MetricFamily, ts: number, out: ConvertResult): void {
    const sums = new Map<Cohort, number>();
    for (const s of family.samples) {
      // Prometheus text names the family `x_total`; OpenMetrics names it `x` with samples `x_total`
      if (s.name !== family.name && s.name !== `${family.name}_total`) continue;
      const cohort = this.cohortOf(metric, s.labels, ts, out);
      if (cohort === undefined) continue;
      const increment = this.tracker.counter(`${metric.as}\u0000${canonicalSeries(s.name, s.labels)}`, s.value);
      if (increment !== undefined) sums.set(cohort, (sums.get(cohort) ?? 0) + increment);
    }
    for (const [cohort, value] of sums) out.samples.push(this.sample(metric, ts, cohort, value));
  }

  private histogram(metric: ScrapeMetric, family: MetricFamily, ts: number, out: ConvertResult): void {
    // per cohort: le → summed increment, in ascending le order of first appearance
    const sums = new Map<Cohort, Map<number, number>>();
    for (const series of histogramBuckets(family)) {
      const cohort = this.cohortOf(metric, series.labels, ts, out);
      if (cohort === undefined) continue;
      const increments = this.tracker.histogram(
        `${metric.as}\u0000${canonicalSeries(family.name, series.labels)}`,
        series.le,
        series.cumulative,
        series.count,
      );
      if (increments === undefined) continue;
      let byLe = sums.get(cohort);
      if (byLe === undefined) sums.set(cohort, (byLe = new Map()));
      series.le.forEach((le, i) => byLe.set(le, (byLe.get(le) ?? 0) + increments[i]));
    }
    for (const [cohort, byLe] of sums) {
      for (const le of [...byLe.keys()].sort((a, b) => a - b)) {
        out.samples.push({
          ...this.sample(metric, ts, cohort, byLe.get(le) as number),
          labels: { ...this.target.labels, le: formatLe(le) },
        });
      }
    }
  }

  private sample(metric: ScrapeMetric, ts: number, cohort: Cohort, value: number): Sample {
    const sample: Sample = { ts, metric: metric.as, cohort, value };
    if (Object.keys(this.target.labels).length > 0) sample.labels = { ...this.target.labels };
    return sample;
  }
}

/** The family by its configured name; a configured `x_total` also finds OpenMetrics's family `x`. */
function findFamily(families: MetricFamily[], name: string): MetricFamily | undefined {
  const exact = families.find((f) => f.name === name);
  if (exact !== undefined || !name.endsWith('_total')) return exact;
  const base = name.slice(0, -'_total'.length);
  return families.find((f) => f.name === base && f.type === 'counter');
}

/** A `select` compiled: every listed label must be present with an accepted value. */
function compileSelect(select: Record<string, CohortValue[]>): (labels: Readonly<Record<string, string>>) => boolean {
  const checks = Object.entries(select).map(([label, accepted]) => {
    const exact = new Set(accepted.filter((v): v is string => typeof v === 'string'));
    const patterns = accepted
      .filter((v): v is { regex: string } => typeof v !== 'string')
      .map((v) => compileLinearRegex(v.regex));
    return (labels: Readonly<Record<string, string>>) => {
      const value = labels[label];
      return value !== undefined && (exact.has(value) || patterns.some((p) => p.test(value)));
    };
  });
  return (labels) => checks.every((check) => check(labels));
}
