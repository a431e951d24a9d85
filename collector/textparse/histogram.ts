import { HistogramShapeError } from './errors.ts';
import { parseNumber } from './lex.ts';
import { canonicalSeries } from './labelSet.ts';
import type { Labels, MetricFamily } from './types.ts';

/** One histogram series: its buckets sorted by upper bound, with `_sum` and `_count` when present. */
export interface HistogramSeries {
  /** The series' labels without `le`. */
  labels: Labels;
  /** Upper bounds, ascending; the last is `Infinity`. */
  le: number[];
  /** Cumulative counts per bound, non-decreasing. */
  cumulative: number[];
  sum?: number;
  count?: number;
}

/**
 * Groups a histogram (or OpenMetrics gaugehistogram) family's `_bucket` samples by their label
 * set without `le`, and attaches `_sum`/`_count` (`_gsum`/`_gcount`). Series come out in order
 * of first appearance. Throws `HistogramShapeError` when the family is not a histogram, when a
 * series lacks the `+Inf` bucket, repeats an `le`, has an `le` that is not a number, a bucket
 * count that is NaN, or counts that decrease as `le` grows. `_count` is not compared with the
 * `+Inf` bucket (OpenMetrics wants them equal; old clients raced) and `_created` is ignored.
 * @example
 * const { families } = parseExposition(text);
 * const [series] = histogramBuckets(families.find((f) => f.name === 'traefik_service_request_duration_seconds')!);
 * // series.le → [0.1, 0.3, 1.2, 5, Infinity]; series.cumulative → [..., total]
 */
export function histogramBuckets(family: MetricFamily): HistogramSeries[] {
  if (family.type !== 'histogram' && family.type !== 'gaugehistogram') {
    throw new HistogramShapeError(
      family.name,
      family.name,
      `family type is ${family.type}, not histogram or gaugehistogram`,
    );
  }
  const gauge = family.type === 'gaugehistogram';
  const bucketName = `${family.name}_bucket`;
  const sumName = `${family.name}${gauge ? '_gsum' : '_sum'}`;
  const countName = `${family.name}${gauge ? '_gcount' : '_count'}`;
  const groups = new Map<string, Group>();
  for (const sample of family.samples) {
    if (sample.name === bucketName) {
      const g = group(groups, sample.labels);
      const text = sample.labels.le;
      const where = canonicalSeries(family.name, g.series.labels);
      if (text === undefined) throw new HistogramShapeError(family.name, where, 'bucket without an "le" label');
      const le = parseNumber(text, 0, text.length);
      if (le === undefined || Number.isNaN(le))
        throw new HistogramShapeError(family.name, where, `le=${JSON.stringify(text)} is not a number`);
      for (const b of g.bounds)
        if (b.le === le)
          throw new HistogramShapeError(family.name, where, `bucket le=${JSON.stringify(text)} appears twice`);
      if (Number.isNaN(sample.value))
        throw new HistogramShapeError(family.name, where, `bucket le=${JSON.stringify(text)} has a NaN count`);
      g.bounds.push({ le, text, value: sample.value });
    } else if (sample.name === sumName || sample.name === countName) {
      const g = group(groups, sample.labels);
      const field = sample.name === sumName ? 'sum' : 'count';
      if (g.series[field] !== undefined) {
        throw new HistogramShapeError(
          family.name,
          canonicalSeries(family.name, g.series.labels),
          `more than one ${sample.name} sample`,
        );
      }
      g.series[field] = sample.value;
    } else if (sample.name !== `${family.name}_created`) {
      throw new HistogramShapeError(
        family.name,
        canonicalSeries(sample.name, sample.labels),
        `sample "${sample.name}" is not part of histogram "${family.name}"`,
      );
    }
  }
  const out: HistogramSeries[] = [];
  for (const { series, bounds } of groups.values()) {
    const where = canonicalSeries(family.name, series.labels);
    bounds.sort(byLe);
    if (bounds.length === 0 || bounds[bounds.length - 1].le !== Infinity)
      throw new HistogramShapeError(family.name, where, 'no le="+Inf" bucket');
    for (let i = 0; i < bounds.length; i++) {
      if (i > 0 && bounds[i].value < bounds[i - 1].value) {
        throw new HistogramShapeError(
          family.name,
          where,
          `cumulative count decreases from ${bounds[i - 1].value} at le=${JSON.stringify(bounds[i - 1].text)} to ${bounds[i].value} at le=${JSON.stringify(bounds[i].text)}`,
        );
      }
      series.le.push(bounds[i].le);
      series.cumulative.push(bounds[i].value);
    }
    out.push(series);
  }
  return out;
}

interface Bound {
  le: number;
  /** `le` as written, for messages. */
  text: string;
  value: number;
}

interface Group {
  series: HistogramSeries;
  bounds: Bound[];
}

/** The group of a sample's label set without `le`. */
function group(groups: Map<string, Group>, labels: Labels): Group {
  const { le: _le, ...rest } = labels;
  const key = canonicalSeries('', rest);
  let g = groups.get(key);
  if (g === undefined) {
    g = { series: { labels: rest, le: [], cumulative: [] }, bounds: [] };
    groups.set(key, g);
  }
  return g;
}

function byLe(a: Bound, b: Bound): number {
  return a.le - b.le;
}
