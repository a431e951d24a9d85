/**
 * Types shared by the text-format parsers (Prometheus 0.0.4 and OpenMetrics 1.0) and by the
 * family assembler built on them.
 */

/** The text formats this folder reads. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * What `next()` found. Mirrors Prometheus's `textparse.Entry`: a sample line (`series`), a
 * metadata line (`help`, `type`, `unit`), a comment (Prometheus 0.0.4 only) or the end (`eof`).
 */
export type Entry = 'series' | 'help' | 'type' | 'unit' | 'comment' | 'eof';

/** Metric types of Prometheus 0.0.4 (`untyped`) and OpenMetrics 1.0 (the rest). */
export type MetricType =
  'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'info' | 'stateset' | 'gaugehistogram';

/** Label name → decoded label value (escapes resolved). */
export type Labels = Record<string, string>;

export interface Exemplar {
  labels: Labels;
  value: number;
  /** Epoch milliseconds (OpenMetrics writes seconds; converted and rounded to the ms). */
  timestampMs?: number;
}

/** One sample line. Optional fields are absent (not `undefined`) when the line has none. */
export interface ExpositionSample {
  /** The sample's own name, e.g. `http_request_duration_seconds_bucket`. */
  name: string;
  labels: Labels;
  value: number;
  timestampMs?: number;
  exemplar?: Exemplar;
}

/** A metric family: metadata plus its samples in input order. */
export interface MetricFamily {
  name: string;
  /** `untyped` (Prometheus) or `unknown` (OpenMetrics) when no `# TYPE` line names it. */
  type: MetricType;
  help?: string;
  unit?: string;
  samples: ExpositionSample[];
}

/**
 * A pull parser over one exposition body (after Prometheus's `textparse.Parser`).
 *
 * Contract:
 * - `next()` reads the next entry and returns its kind, or throws `ExpositionParseError` (with
 *   line and column) on malformed input. After `'eof'` every call returns `'eof'`. After an
 *   error the parser is spent: further calls rethrow the same error. Each call consumes at
 *   least one line, so a loop over `next()` always terminates.
 * - Accessors describe the entry last returned by `next()` and throw `ParserStateError` when
 *   called after a different kind of entry (a programming error, not bad input).
 * - The parser checks each line on its own (syntax, escapes, numbers, duplicate label names,
 *   limits) plus, in OpenMetrics, the `# EOF` rules. Rules that span lines — a family's
 *   metadata before its samples, one TYPE per family, duplicate series, OpenMetrics family
 *   grouping — are checked by `parseExposition`, which builds families from these entries.
 */
export interface ExpositionParser {
  readonly format: ExpositionFormat;
  next(): Entry;
  /** 1-based line number of the current entry. */
  line(): number;

  /** After `'series'`: the sample's name (the same string object while consecutive lines repeat it). */
  metricName(): string;
  /** After `'series'`: the series as written, `name{labels}` (without value or timestamp). */
  series(): string;
  /**
   * After `'series'`: a canonical identity of the series, `name{a="x",b="y"}` with the labels in
   * a fixed order (by name, `le` and `quantile` last, as Prometheus clients write them) and the
   * values escaped — equal for equal label sets whatever their order or spacing.
   */
  seriesKey(): string;
  /** After `'series'`: a fresh object of the decoded labels (the metric name is not among them). */
  labels(): Labels;
  /** After `'series'`: number of labels on the line. */
  labelCount(): number;
  /** After `'series'`: the sample value (NaN and ±Infinity included). */
  value(): number;
  /** After `'series'`: the timestamp in epoch ms, or `undefined` when the line has none. */
  timestamp(): number | undefined;
  /** After `'series'`: the OpenMetrics exemplar, or `undefined` (always, in Prometheus 0.0.4). */
  exemplar(): Exemplar | undefined;

  /** After `'help'`: the metric name and the decoded help text. */
  help(): { metric: string; text: string };
  /** After `'type'`: the metric name and its type. */
  type(): { metric: string; type: MetricType };
  /** After `'unit'` (OpenMetrics): the metric name and its unit (possibly empty). */
  unit(): { metric: string; unit: string };
  /** After `'comment'`: the text after `#` with leading blanks removed. */
  comment(): string;
}
