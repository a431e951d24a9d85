import {
  HASH,
  LBRACE,
  SPACE,
  TAB,
  isMetricNameStart,
  parseIntegerMs,
  parseNumber,
  scanMetricName,
  skipBlanks,
} from './lex.ts';
import { resolveLimits, type ExpositionLimits } from './limits.ts';
import { BaseTextParser } from './parserBase.ts';
import type { Entry, MetricType } from './types.ts';

/**
 * Pull parser for the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), modelled on Prometheus's
 * `textparse.PromParser`:
 *
 * - `metric_name [{label="value",…}] value [timestamp]`; spaces and tabs may separate any two
 *   tokens and surround the line; blank lines are skipped; a trailing comma in the label set
 *   is accepted; the last line may lack its `\n`.
 * - values as Go's `ParseFloat` without hex or `_` (what Prometheus accepts): decimals,
 *   `NaN`, `+Inf`, `-Inf`, `Inf`; timestamps are integer milliseconds (`-?digits`).
 * - `# HELP name text` (escapes `\\` and `\n`; other backslashes kept as written, as Prometheus
 *   does), `# TYPE name counter|gauge|histogram|summary|untyped`; any other `#` line is a
 *   `'comment'` entry (including `# HELP` with nothing after it).
 * - label values: escapes `\\`, `\"`, `\n`; any other escape is an error.
 * - exemplars are OpenMetrics-only: `# {…}` after a value is an error here.
 *
 * See `ExpositionParser` for the contract of `next()` and the accessors.
 */
export class PrometheusTextParser extends BaseTextParser {
  readonly format = 'prometheus' as const;

  /** Parses a decoded body (see `createExpositionParser` for bytes); `limits` default to `DEFAULT_LIMITS`. */
  constructor(body: string, limits?: Partial<ExpositionLimits>) {
    super(body, resolveLimits(limits));
  }

  protected readEntry(): Entry {
    const s = this.s;
    while (this.advanceLine()) {
      const end = this.lineEnd;
      const p = skipBlanks(s, this.lineStart, end);
      if (p === end) continue;
      const c = s.charCodeAt(p);
      if (isMetricNameStart(c)) {
        this.readSample(p);
        return 'series';
      }
      if (c === HASH) return this.readHashLine(p + 1);
      if (c === LBRACE)
        this.fail('quoted (UTF-8) metric names inside braces are not supported; expected a metric name', p);
      this.fail(`expected a metric name, "# HELP", "# TYPE" or a comment, got ${this.describeAt(p)}`, p);
    }
    return 'eof';
  }

  private readSample(p: number): void {
    const s = this.s;
    const end = this.lineEnd;
    this.nameStart = p;
    const nameEnd = this.scanName(p);
    this.canonical = true;
    this.sorted = true;
    this.nLabels = 0;
    p = nameEnd;
    let c = s.charCodeAt(p);
    if (c === SPACE || c === TAB) {
      const q = skipBlanks(s, p, end);
      if (q < end && s.charCodeAt(q) === LBRACE) {
        this.canonical = false;
        p = q;
        c = LBRACE;
      }
    }
    if (c === LBRACE) {
      p = this.scanLabels(p + 1, true, 0);
      this.nLabels = this.lastScanCount();
      c = s.charCodeAt(p);
    }
    this.seriesEnd = p;
    if (p < end && c !== SPACE && c !== TAB) {
      this.fail(
        `unexpected ${this.describeAt(p)} after ${p > nameEnd ? 'the label set' : `metric name "${this.name}"`}`,
        p,
      );
    }
    let q = skipBlanks(s, p, end);
    if (q === end) this.fail(`missing value after ${JSON.stringify(s.slice(this.nameStart, p))}`, q);
    const v0 = q;
    q = scanBlankToken(s, q, end);
    const value = parseNumber(s, v0, q);
    if (value === undefined) this.failToken('value', v0, q);
    this.val = value;
    this.hasTs = false;
    if (q === end) return;
    q = skipBlanks(s, q, end);
    if (q === end) return;
    if (s.charCodeAt(q) === HASH) this.fail('exemplars ("# {…}" after the value) are only allowed in OpenMetrics', q);
    const t0 = q;
    q = scanBlankToken(s, q, end);
    const ts = parseIntegerMs(s, t0, q);
    if (ts === undefined) this.failToken('timestamp (expected integer milliseconds)', t0, q);
    if (Number.isNaN(ts)) this.fail(`timestamp ${s.slice(t0, q)} is beyond ±2^53 milliseconds`, t0);
    this.ts = ts;
    this.hasTs = true;
    if (q < end && skipBlanks(s, q, end) < end)
      this.fail(
        `unexpected text after the timestamp: ${this.describeAt(skipBlanks(s, q, end))}`,
        skipBlanks(s, q, end),
      );
  }

  /** A line starting with `#`; `p` is just after it. */
  private readHashLine(p: number): Entry {
    const s = this.s;
    const end = this.lineEnd;
    let q = skipBlanks(s, p, end);
    if (q > p && end - q > 4) {
      const help = s.startsWith('HELP', q);
      if ((help || s.startsWith('TYPE', q)) && isBlank(s.charCodeAt(q + 4))) {
        const keyword = help ? 'HELP' : 'TYPE';
        q = skipBlanks(s, q + 4, end);
        if (q === end || !isMetricNameStart(s.charCodeAt(q)))
          this.fail(`expected a metric name after "# ${keyword}", got ${this.describeAt(q)}`, q);
        const nameEnd = scanMetricName(s, q, end);
        if (nameEnd < end && !isBlank(s.charCodeAt(nameEnd)))
          this.fail(`unexpected ${this.describeAt(nameEnd)} in the metric name of "# ${keyword}"`, nameEnd);
        this.metaName = s.slice(q, nameEnd);
        q = skipBlanks(s, nameEnd, end);
        if (help) {
          this.textStart = q;
          this.textEnd = end;
          return 'help';
        }
        const t0 = q;
        while (q < end && !isBlank(s.charCodeAt(q))) q++;
        const type = PROMETHEUS_TYPES.get(s.slice(t0, q));
        if (type === undefined) {
          this.fail(
            `${t0 === end ? 'missing metric type' : `unknown metric type ${JSON.stringify(s.slice(t0, q))}`} (expected counter, gauge, histogram, summary or untyped)`,
            t0,
          );
        }
        if (skipBlanks(s, q, end) < end)
          this.fail(
            `unexpected text after the metric type: ${this.describeAt(skipBlanks(s, q, end))}`,
            skipBlanks(s, q, end),
          );
        this.metaType = type;
        return 'type';
      }
    }
    this.textStart = q;
    this.textEnd = end;
    return 'comment';
  }
}

const PROMETHEUS_TYPES = new Map<string, MetricType>([
  ['counter', 'counter'],
  ['gauge', 'gauge'],
  ['histogram', 'histogram'],
  ['summary', 'summary'],
  ['untyped', 'untyped'],
]);

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** End of a token that runs to the next space, tab or end of line. */
function scanBlankToken(s: string, p: number, end: number): number {
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c === SPACE || c === TAB) break;
    p++;
  }
  return p;
}
