import { HASH, LBRACE, SPACE, TAB, isMetricNameStart, parseNumber, scanMetricName, scanNumber } from './lex.ts';
import { resolveLimits, type ExpositionLimits } from './limits.ts';
import { BaseTextParser } from './parserBase.ts';
import type { Entry, MetricType } from './types.ts';

/** OpenMetrics 1.0: an exemplar's label names and values together may hold at most 128 code points. */
export const EXEMPLAR_MAX_LABEL_CHARS = 128;

/**
 * Pull parser for the OpenMetrics 1.0 text format
 * (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md), modelled
 * on Prometheus's `textparse.OpenMetricsParser`:
 *
 * - `name[{label="value",…}] value [timestamp] [# {label="value",…} value [timestamp]]`, tokens
 *   separated by exactly one space; no blank lines, no leading or trailing blanks, no comments.
 * - values: decimals, case-insensitive `NaN`, `[+-]Inf`, `[+-]Infinity`; timestamps are seconds
 *   (any decimal) and come out as epoch ms, rounded to the ms.
 * - `# HELP name text` (escapes `\\`, `\"`, `\n`; other backslashes kept, as Prometheus does),
 *   `# TYPE name counter|gauge|histogram|gaugehistogram|summary|info|stateset|unknown`,
 *   `# UNIT name unit` where a non-empty unit must be the name's `_unit` suffix.
 * - the body must end with the line `# EOF` (optionally followed by one `\n`) and nothing after.
 * - exemplars are exposed by `exemplar()`; their label names and values may hold at most 128
 *   code points together. A trailing comma in a label set is accepted, as Prometheus does.
 *
 * See `ExpositionParser` for the contract of `next()` and the accessors.
 */
export class OpenMetricsParser extends BaseTextParser {
  readonly format = 'openmetrics' as const;

  /** Parses a decoded body (see `createExpositionParser` for bytes); `limits` default to `DEFAULT_LIMITS`. */
  constructor(body: string, limits?: Partial<ExpositionLimits>) {
    super(body, resolveLimits(limits));
  }

  protected readEntry(): Entry {
    if (!this.advanceLine()) {
      const terminated = this.bodyEnd > 0 && this.s.charCodeAt(this.bodyEnd - 1) === 10;
      const line = this.lineNo === 0 ? 1 : this.lineNo + (terminated ? 1 : 0);
      const column = terminated || this.lineNo === 0 ? 1 : this.lineEnd - this.lineStart + 1;
      this.failAt('missing "# EOF": an OpenMetrics exposition must end with the line "# EOF"', line, column);
    }
    const s = this.s;
    const p = this.lineStart;
    const end = this.lineEnd;
    if (p === end) this.fail('empty line (OpenMetrics allows no blank lines)', p);
    const c = s.charCodeAt(p);
    if (isMetricNameStart(c)) {
      this.readSample(p);
      return 'series';
    }
    if (c === HASH) return this.readDescriptor(p);
    if (c === SPACE || c === TAB) this.fail('leading blank (OpenMetrics separates tokens with exactly one space)', p);
    if (c === LBRACE)
      this.fail('quoted (UTF-8) metric names inside braces are not supported; expected a metric name', p);
    this.fail(`expected a metric name, "# HELP", "# TYPE", "# UNIT" or "# EOF", got ${this.describeAt(p)}`, p);
  }

  private readSample(p: number): void {
    const s = this.s;
    const end = this.lineEnd;
    this.nameStart = p;
    p = this.scanName(p);
    this.canonical = true;
    this.sorted = true;
    this.nLabels = 0;
    this.hasExemplar = false;
    this.hasTs = false;
    if (p < end && s.charCodeAt(p) === LBRACE) {
      p = this.scanLabels(p + 1, false, 0);
      this.nLabels = this.lastScanCount();
    }
    this.seriesEnd = p;
    if (p === end) this.fail(`missing value after ${JSON.stringify(s.slice(this.nameStart, p))}`, p);
    if (s.charCodeAt(p) !== SPACE) {
      this.fail(
        `unexpected ${this.describeAt(p)} after ${this.nLabels > 0 || p > this.nameStart + this.name.length ? 'the label set' : `metric name "${this.name}"`}`,
        p,
      );
    }
    const v0 = ++p;
    p = scanSpaceToken(s, p, end);
    if (p === v0) this.fail('expected a value after exactly one space', p);
    const value = parseNumber(s, v0, p);
    if (value === undefined) this.failToken('value', v0, p);
    this.val = value;
    if (p === end) return;
    p++;
    if (p < end && s.charCodeAt(p) !== HASH) {
      const t0 = p;
      p = scanSpaceToken(s, p, end);
      this.ts = this.secondsToMs(t0, p);
      this.hasTs = true;
      if (p === end) return;
      p++;
      if (p >= end || s.charCodeAt(p) !== HASH)
        this.fail(`unexpected text after the timestamp: ${this.describeAt(p)} (an exemplar starts with "# {")`, p);
    }
    if (p >= end) this.fail('trailing space at the end of the line', p - 1);
    this.readExemplar(p);
  }

  /** `# {labels} value [timestamp]` from `p` (at the `#`) to the end of the line. */
  private readExemplar(p: number): void {
    const s = this.s;
    const end = this.lineEnd;
    if (p + 2 >= end || s.charCodeAt(p + 1) !== SPACE || s.charCodeAt(p + 2) !== LBRACE)
      this.fail('expected "# {" to start an exemplar', p);
    const canonical = this.canonical;
    p = this.scanLabels(p + 3, false, this.nLabels);
    this.canonical = canonical;
    this.nExemplarLabels = this.lastScanCount();
    const chars = this.exemplarLabelChars();
    if (chars > EXEMPLAR_MAX_LABEL_CHARS)
      this.fail(`exemplar labels hold ${chars} characters, over OpenMetrics' ${EXEMPLAR_MAX_LABEL_CHARS}`, p - 1);
    if (p >= end || s.charCodeAt(p) !== SPACE)
      this.fail(`expected a space and the exemplar value, got ${this.describeAt(p)}`, p);
    const v0 = ++p;
    p = scanSpaceToken(s, p, end);
    const value = parseNumber(s, v0, p);
    if (value === undefined) this.failToken('exemplar value', v0, p);
    this.exemplarValue = value;
    this.exemplarHasTs = false;
    if (p < end) {
      const t0 = ++p;
      p = scanSpaceToken(s, p, end);
      this.exemplarTs = this.secondsToMs(t0, p);
      this.exemplarHasTs = true;
      if (p < end) this.fail(`unexpected text after the exemplar: ${this.describeAt(p)}`, p);
    }
    this.hasExemplar = true;
  }

  /** Parses a timestamp in seconds as epoch ms (rounded); fails on non-numbers, NaN and infinities. */
  private secondsToMs(start: number, end: number): number {
    const ms = scanNumber(this.s, start, end, 3);
    if (ms === undefined || !Number.isFinite(ms))
      this.failToken('timestamp (expected seconds since the epoch)', start, end);
    const rounded = Math.round(ms);
    if (!Number.isSafeInteger(rounded))
      this.fail(`timestamp ${this.s.slice(start, end)} is beyond ±2^53 milliseconds`, start);
    return rounded;
  }

  /** `# HELP`, `# TYPE`, `# UNIT` or `# EOF`; `p` is at the `#`. */
  private readDescriptor(p: number): Entry {
    const s = this.s;
    const end = this.lineEnd;
    if (end - p === 5 && s.startsWith('# EOF', p)) {
      if (this.pos < this.bodyEnd) this.failAt('content after "# EOF" (it must be the last line)', this.lineNo + 1, 1);
      return 'eof';
    }
    const keyword = s.charCodeAt(p + 1) === SPACE && s.charCodeAt(p + 6) === SPACE ? s.slice(p + 2, p + 6) : '';
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') {
      this.fail('expected "# HELP ", "# TYPE ", "# UNIT " or "# EOF" (OpenMetrics has no comments)', p);
    }
    let q = p + 7;
    if (q >= end || !isMetricNameStart(s.charCodeAt(q)))
      this.fail(`expected a metric name after "# ${keyword} ", got ${this.describeAt(q)}`, q);
    const nameEnd = scanMetricName(s, q, end);
    if (nameEnd < end && s.charCodeAt(nameEnd) !== SPACE)
      this.fail(`unexpected ${this.describeAt(nameEnd)} in the metric name of "# ${keyword}"`, nameEnd);
    this.metaName = s.slice(q, nameEnd);
    q = nameEnd < end ? nameEnd + 1 : end;
    this.textStart = q;
    this.textEnd = end;
    if (keyword === 'HELP') return 'help';
    if (keyword === 'TYPE') {
      const type = OPENMETRICS_TYPES.get(s.slice(q, end));
      if (type === undefined) {
        this.fail(
          `${q === end ? 'missing metric type' : `unknown metric type ${JSON.stringify(s.slice(q, end))}`} (expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)`,
          q,
        );
      }
      this.metaType = type;
      return 'type';
    }
    if (q < end) {
      const unitEnd = isMetricNameStart(s.charCodeAt(q)) || isDigit(s.charCodeAt(q)) ? scanMetricName(s, q, end) : q;
      if (unitEnd < end) this.fail(`unexpected ${this.describeAt(unitEnd)} in the unit`, unitEnd);
      const unit = s.slice(q, end);
      const name = this.metaName;
      if (!(
        name.length > unit.length + 1 &&
        name.endsWith(unit) &&
        name.charCodeAt(name.length - unit.length - 1) === 95
      )) {
        this.fail(
          `unit ${JSON.stringify(unit)} is not the suffix of metric name "${name}" (expected "${name}" to end with "_${unit}")`,
          q,
        );
      }
    }
    return 'unit';
  }
}

const OPENMETRICS_TYPES = new Map<string, MetricType>([
  ['counter', 'counter'],
  ['gauge', 'gauge'],
  ['histogram', 'histogram'],
  ['gaugehistogram', 'gaugehistogram'],
  ['summary', 'summary'],
  ['info', 'info'],
  ['stateset', 'stateset'],
  ['unknown', 'unknown'],
]);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** End of a token that runs to the next space or end of line. */
function scanSpaceToken(s: string, p: number, end: number): number {
  while (p < end && s.charCodeAt(p) !== SPACE) p++;
  return p;
}
