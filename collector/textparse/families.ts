import { ExpositionParseError } from './errors.ts';
import { parseNumber } from './lex.ts';
import type {
  ExpositionFormat,
  ExpositionParser,
  ExpositionSample,
  Labels,
  MetricFamily,
  MetricType,
} from './types.ts';

/** A repeated series (same labels and same timestamp) met under `duplicates: 'record'`. */
export interface DuplicateSeries {
  /** Canonical `name{labels}`. */
  series: string;
  timestampMs?: number;
  /** Line of the repeat (dropped) and of the first occurrence (kept). */
  line: number;
  firstLine: number;
}

interface FamilyState {
  family: MetricFamily;
  /** Lines of the family's metadata and first sample; 0 when absent. */
  typeLine: number;
  helpLine: number;
  unitLine: number;
  firstSampleLine: number;
}

/** Sample-name suffixes each type allows after the family name, per format ('' is the bare name). */
const PROMETHEUS_SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  summary: ['', '_sum', '_count'],
  histogram: ['_bucket', '_sum', '_count'],
};
const OPENMETRICS_SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  gauge: [''],
  unknown: [''],
  stateset: [''],
  info: ['_info'],
  summary: ['', '_sum', '_count', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_sum', '_count', '_gsum', '_gcount', '_info'];

/**
 * Builds metric families from parser entries and checks the rules that span lines:
 *
 * - both formats: at most one TYPE, HELP and UNIT per family; a TYPE (and, in OpenMetrics, any
 *   metadata) before the family's first sample; histogram `_bucket` samples carry a numeric
 *   `le`, summary quantile samples a numeric `quantile`; a sample name must fit its family's
 *   type (a histogram family has no bare-name sample); no duplicate series — same labels and
 *   same timestamp — which is an error or, with `duplicates: 'record'`, dropped and recorded.
 * - Prometheus 0.0.4: a sample belongs to the family of its exact name, else to the histogram
 *   or summary it is a `_bucket`/`_sum`/`_count` of, else to a new `untyped` family; families
 *   may be split across the text (Prometheus accepts that).
 * - OpenMetrics 1.0: families are contiguous — metadata or samples of a family met again after
 *   another family started is an error; a sample without metadata starts an `unknown` family.
 */
export class FamilyAssembler {
  readonly families: MetricFamily[] = [];
  readonly duplicates: DuplicateSeries[] = [];
  private readonly byName = new Map<string, FamilyState>();
  /** Sample name → canonical label text (plus ` @timestamp`) → line of first occurrence. */
  private readonly seen = new Map<string, Map<string, number>>();
  private seenName = '';
  private seenSeries = new Map<string, number>();
  private readonly suffixes: Partial<Record<MetricType, readonly string[]>>;
  private readonly defaultType: MetricType;
  private current: FamilyState | undefined = undefined;
  private lastName = '';
  private lastState: FamilyState | undefined = undefined;
  private lastSpecial: 'le' | 'quantile' | undefined = undefined;
  /** Sample name → family, valid until metadata or a new family changes what names resolve to. */
  private readonly resolved = new Map<string, FamilyState>();

  constructor(
    private readonly format: ExpositionFormat,
    private readonly onDuplicate: 'error' | 'record',
  ) {
    this.suffixes = format === 'openmetrics' ? OPENMETRICS_SUFFIXES : PROMETHEUS_SUFFIXES;
    this.defaultType = format === 'openmetrics' ? 'unknown' : 'untyped';
  }

  /** Handles a `'help'`, `'type'` or `'unit'` entry. */
  metadata(kind: 'help' | 'type' | 'unit', parser: ExpositionParser): void {
    const line = parser.line();
    const metric =
      kind === 'help' ? parser.help().metric : kind === 'type' ? parser.type().metric : parser.unit().metric;
    let state = this.byName.get(metric);
    if (this.format === 'openmetrics' && state !== undefined && state !== this.current) {
      throw error(
        `metadata for metric family "${metric}" appears again after other families (OpenMetrics families must be contiguous; it started on line ${firstLine(state)})`,
        line,
      );
    }
    if (state === undefined) {
      state = {
        family: { name: metric, type: this.defaultType, samples: [] },
        typeLine: 0,
        helpLine: 0,
        unitLine: 0,
        firstSampleLine: 0,
      };
      this.byName.set(metric, state);
      this.families.push(state.family);
      this.current = state;
    }
    this.forgetResolutions();
    const keyword = kind.toUpperCase();
    const previous = kind === 'help' ? state.helpLine : kind === 'type' ? state.typeLine : state.unitLine;
    if (previous > 0) throw error(`second ${keyword} line for "${metric}" (the first is on line ${previous})`, line);
    if (state.firstSampleLine > 0 && (kind === 'type' || this.format === 'openmetrics')) {
      throw error(
        `${keyword} line for "${metric}" comes after its samples (the first is on line ${state.firstSampleLine})`,
        line,
      );
    }
    if (kind === 'help') {
      state.family.help = parser.help().text;
      state.helpLine = line;
    } else if (kind === 'unit') {
      state.family.unit = parser.unit().unit;
      state.unitLine = line;
    } else {
      const type = parser.type().type;
      if (this.format === 'prometheus') this.checkNoEarlierParts(metric, type, line);
      state.family.type = type;
      state.typeLine = line;
    }
  }

  /** Handles a `'series'` entry. */
  sample(parser: ExpositionParser): void {
    const name = parser.metricName();
    const line = parser.line();
    let state = this.lastState;
    if (state === undefined || name !== this.lastName) {
      state = this.resolved.get(name);
      if (state === undefined) {
        state = this.resolve(name, line);
        this.resolved.set(name, state);
      }
      this.lastName = name;
      this.lastState = state;
      this.lastSpecial = specialLabel(state.family, name);
    }
    if (this.seenName !== name) {
      let seen = this.seen.get(name);
      if (seen === undefined) this.seen.set(name, (seen = new Map()));
      this.seenName = name;
      this.seenSeries = seen;
    }
    const labels = parser.labels();
    if (this.lastSpecial !== undefined) checkSpecialLabel(state.family, name, this.lastSpecial, labels, line);
    const timestamp = parser.timestamp();
    // Per-name maps keyed by the canonical label text: shorter keys hash faster.
    const labelsKey = parser.seriesKey().slice(name.length);
    const key = timestamp === undefined ? labelsKey : `${labelsKey} @${timestamp}`;
    const first = this.seenSeries.get(key);
    if (first !== undefined) {
      const series = parser.seriesKey();
      if (this.onDuplicate === 'error') {
        throw error(
          `duplicate series ${series}${timestamp === undefined ? '' : ` at ${timestamp}`} (first on line ${first})`,
          line,
        );
      }
      this.duplicates.push(
        timestamp === undefined
          ? { series, line, firstLine: first }
          : { series, timestampMs: timestamp, line, firstLine: first },
      );
      return;
    }
    this.seenSeries.set(key, line);
    const sample: ExpositionSample = { name, labels, value: parser.value() };
    if (timestamp !== undefined) sample.timestampMs = timestamp;
    const exemplar = parser.exemplar();
    if (exemplar !== undefined) sample.exemplar = exemplar;
    if (state.firstSampleLine === 0) state.firstSampleLine = line;
    state.family.samples.push(sample);
  }

  /** The family a sample name belongs to (creating an untyped/unknown one when none fits). */
  private resolve(name: string, line: number): FamilyState {
    const current = this.current;
    if (this.format === 'openmetrics' && current !== undefined && this.fits(current.family, name)) return current;
    let candidate = this.byName.get(name);
    if (candidate === undefined || !this.fits(candidate.family, name)) {
      for (const suffix of ALL_SUFFIXES) {
        if (!name.endsWith(suffix)) continue;
        const base = this.byName.get(name.slice(0, -suffix.length));
        if (base !== undefined && this.fits(base.family, name)) candidate = base;
      }
    }
    if (candidate !== undefined && this.fits(candidate.family, name)) {
      if (this.format === 'openmetrics' && candidate !== current) {
        throw error(
          `sample "${name}" of metric family "${candidate.family.name}" after other families (OpenMetrics families must be contiguous; it started on line ${firstLine(candidate)})`,
          line,
        );
      }
      return candidate;
    }
    if (candidate !== undefined) {
      const family = candidate.family;
      const allowed = (this.suffixes[family.type] ?? ['']).map((s) => `"${family.name}${s}"`).join(', ');
      throw error(
        `sample "${name}" does not fit ${family.type} family "${family.name}" (its samples are named ${allowed})`,
        line,
      );
    }
    const state: FamilyState = {
      family: { name, type: this.defaultType, samples: [] },
      typeLine: 0,
      helpLine: 0,
      unitLine: 0,
      firstSampleLine: 0,
    };
    this.byName.set(name, state);
    this.families.push(state.family);
    this.current = state;
    this.forgetResolutions();
    return state;
  }

  private forgetResolutions(): void {
    this.resolved.clear();
    this.lastName = '';
    this.lastState = undefined;
  }

  private fits(family: MetricFamily, name: string): boolean {
    if (!name.startsWith(family.name)) return false;
    const suffix = name.slice(family.name.length);
    return (this.suffixes[family.type] ?? ['']).includes(suffix);
  }

  /** Prometheus 0.0.4: `# TYPE x histogram` must precede `x_bucket`/`x_sum`/`x_count` samples already read as untyped. */
  private checkNoEarlierParts(metric: string, type: MetricType, line: number): void {
    for (const suffix of this.suffixes[type] ?? []) {
      if (suffix === '') continue;
      const part = this.byName.get(metric + suffix);
      if (part !== undefined && part.typeLine === 0 && part.firstSampleLine > 0) {
        throw error(
          `TYPE line for "${metric}" comes after its sample "${metric}${suffix}" (line ${part.firstSampleLine})`,
          line,
        );
      }
    }
  }
}

/** The label a sample of this name needs: `le` on histogram buckets, `quantile` on summary quantiles. */
function specialLabel(family: MetricFamily, name: string): 'le' | 'quantile' | undefined {
  const histogram = family.type === 'histogram' || family.type === 'gaugehistogram';
  return histogram && name === `${family.name}_bucket`
    ? 'le'
    : family.type === 'summary' && name === family.name
      ? 'quantile'
      : undefined;
}

/** Histogram buckets need a numeric `le`; summary quantiles a numeric `quantile`. */
function checkSpecialLabel(
  family: MetricFamily,
  name: string,
  label: 'le' | 'quantile',
  labels: Labels,
  line: number,
): void {
  const value = labels[label];
  if (value === undefined) throw error(`${family.type} sample "${name}" has no "${label}" label`, line);
  const n = parseNumber(value, 0, value.length);
  if (n === undefined || Number.isNaN(n))
    throw error(`${family.type} sample "${name}" has ${label}=${JSON.stringify(value)}, not a number`, line);
}

function firstLine(state: FamilyState): number {
  const lines = [state.typeLine, state.helpLine, state.unitLine, state.firstSampleLine].filter((l) => l > 0);
  return Math.min(...lines);
}

function error(detail: string, line: number): ExpositionParseError {
  return new ExpositionParseError(detail, line, 1);
}
