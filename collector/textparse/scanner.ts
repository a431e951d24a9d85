import { ExpositionParseError } from './errors.ts';
import { labelCodePoints } from './labelSet.ts';
import {
  COMMA,
  CR,
  EQUALS,
  QUOTE,
  RBRACE,
  SPACE,
  TAB,
  compareLabelNames,
  compareRanges,
  isLabelNameStart,
  isMetricNameChar,
  scanLabelName,
  scanMetricName,
  skipBlanks,
} from './lex.ts';
import { UNTERMINATED, quotedScan, scanQuoted } from './escape.ts';
import type { ExpositionLimits } from './limits.ts';
import type { MetricType } from './types.ts';

/**
 * Line stepping, errors and the scanning shared by both text formats: metric names and label
 * sets, recorded as offsets into the decoded body (see labelSet.ts). The format parsers read a
 * line's entry with these; `BaseTextParser` adds the accessors.
 */
export abstract class LineScanner {
  protected readonly s: string;
  protected readonly bodyEnd: number;
  protected readonly limits: ExpositionLimits;

  /** Start of the next line to read. */
  protected pos = 0;
  protected lineNo = 0;
  protected lineStart = 0;
  protected lineEnd = 0;
  /** Set by `fail`: a failed parser rethrows it. */
  protected failure: ExpositionParseError | undefined = undefined;

  // The current sample line.
  protected name = '';
  protected nameStart = 0;
  protected seriesEnd = 0;
  protected val = 0;
  protected ts = 0;
  protected hasTs = false;
  /** Series labels from slot 0, then exemplar labels; four offsets per label (see labelSet.ts). */
  protected lab = new Int32Array(64);
  protected nLabels = 0;
  protected nExemplarLabels = 0;
  protected hasExemplar = false;
  protected exemplarValue = 0;
  protected exemplarTs = 0;
  protected exemplarHasTs = false;
  /** Series labels are in strictly increasing canonical order (`compareLabelNames`). */
  protected sorted = true;
  /** The series text as written is already canonical (no blanks, no trailing comma, no empty braces). */
  protected canonical = true;
  /** Label count of the last `scanLabels`. */
  private scanCount = 0;

  // The current metadata or comment line.
  protected metaName = '';
  protected metaType: MetricType = 'untyped';
  protected textStart = 0;
  protected textEnd = 0;

  /** A few recent sample names besides `name` (histograms cycle through `_bucket`, `_sum`, `_count`). */
  private recentNames = ['', '', ''];
  private recentNext = 0;
  /** Position of the next backslash at or after the last label value scanned (`bodyEnd` when none): values before it need no escape handling. */
  private nextBackslash = -1;

  constructor(body: string, limits: ExpositionLimits) {
    this.s = body;
    this.bodyEnd = body.length;
    this.limits = limits;
  }

  /** Moves to the next line; false at the end of the body. Enforces `maxLineLength`. */
  protected advanceLine(): boolean {
    if (this.pos >= this.bodyEnd) return false;
    const start = this.pos;
    const nl = this.s.indexOf('\n', start);
    this.lineStart = start;
    this.lineEnd = nl < 0 ? this.bodyEnd : nl;
    this.pos = nl < 0 ? this.bodyEnd : nl + 1;
    this.lineNo++;
    if (this.lineEnd - start > this.limits.maxLineLength) {
      this.fail(
        `line is ${this.lineEnd - start} characters long, over limits.maxLineLength (${this.limits.maxLineLength})`,
        start,
        'maxLineLength',
      );
    }
    return true;
  }

  /** Throws an `ExpositionParseError` at position `p` of the current line; the parser stays failed. */
  protected fail(detail: string, p: number, limit?: keyof ExpositionLimits): never {
    const column = p - this.lineStart + 1;
    const from = Math.max(this.lineStart, p - 40);
    const to = Math.min(this.lineEnd, Math.max(p, from) + 40);
    const excerpt = (from > this.lineStart ? '…' : '') + this.s.slice(from, to) + (to < this.lineEnd ? '…' : '');
    this.failure = new ExpositionParseError(detail, this.lineNo, column, limit, excerpt);
    throw this.failure;
  }

  /** Throws at a line/column outside the current line (end of body, line after `# EOF`). */
  protected failAt(detail: string, line: number, column: number): never {
    this.failure = new ExpositionParseError(detail, line, column);
    throw this.failure;
  }

  /** Human description of the character at `p` for error messages. */
  protected describeAt(p: number): string {
    if (p >= this.lineEnd) return 'end of line';
    const c = this.s.charCodeAt(p);
    if (c === CR) return 'a carriage return (lines must end with \\n, not \\r\\n)';
    return JSON.stringify(String.fromCodePoint(this.s.codePointAt(p) ?? c));
  }

  /** Fails about the token [start, end) that should have been a `what`. */
  protected failToken(what: string, start: number, end: number): never {
    const text = this.s.slice(start, end);
    const cr = text.includes('\r') ? ' (a carriage return: lines must end with \\n, not \\r\\n)' : '';
    this.fail(`invalid ${what} ${JSON.stringify(text)}${cr}`, start);
  }

  /**
   * Scans the metric name at `p` (first character checked by the caller), sets `name` and
   * returns its end. While lines repeat one of the last few names, the same string object is
   * reused: no allocation kept, and hash lookups on it stay cached. Comparing a slice with `===`
   * runs natively and costs less than scanning the name character by character.
   */
  protected scanName(p: number): number {
    const s = this.s;
    const name = this.name;
    let end = p + name.length;
    if (!isMetricNameChar(s.charCodeAt(end)) && s.slice(p, end) === name) return end;
    const recent = this.recentNames;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i];
      end = p + r.length;
      if (!isMetricNameChar(s.charCodeAt(end)) && s.slice(p, end) === r) {
        recent[i] = name;
        this.name = r;
        return end;
      }
    }
    end = scanMetricName(s, p, this.lineEnd);
    recent[this.recentNext] = name;
    this.recentNext = (this.recentNext + 1) % recent.length;
    this.name = s.slice(p, end);
    return end;
  }

  /**
   * Scans `name="value", …}` from `p` (just after `{`) into slots from `base`; returns the
   * position after `}`. `blanks` allows spaces and tabs between tokens (Prometheus 0.0.4); they
   * are looked for only where the expected character is missing, so blank-free text pays
   * nothing for them. A trailing comma is accepted in both formats, as Prometheus does.
   * Reading one character past the line is safe: it is `\n` or `NaN`, never an expected token.
   */
  protected scanLabels(p: number, blanks: boolean, base: number): number {
    const s = this.s;
    const end = this.lineEnd;
    const maxLabels = this.limits.maxLabelsPerSeries;
    let canonical = true;
    let sorted = true;
    let n = 0;
    let c = s.charCodeAt(p);
    if (blanks && (c === SPACE || c === TAB)) {
      p = skipBlanks(s, p, end);
      c = s.charCodeAt(p);
      canonical = false;
    }
    if (c === RBRACE) {
      this.scanCount = 0;
      if (base === 0) this.canonical = false;
      return p + 1;
    }
    for (;;) {
      if (!isLabelNameStart(c) || p >= end) {
        if (c === QUOTE) this.fail('quoted (UTF-8) label names are not supported', p);
        this.fail(`expected a label name, got ${this.describeAt(p)}`, p);
      }
      const ns = p;
      p = scanLabelName(s, p, end);
      const ne = p;
      c = s.charCodeAt(p);
      if (c !== EQUALS) {
        if (blanks && (c === SPACE || c === TAB)) {
          p = skipBlanks(s, p, end);
          c = s.charCodeAt(p);
          canonical = false;
        }
        if (c !== EQUALS || p >= end)
          this.fail(`expected "=" after label name "${s.slice(ns, ne)}", got ${this.describeAt(p)}`, p);
      }
      c = s.charCodeAt(++p);
      if (c !== QUOTE) {
        if (blanks && (c === SPACE || c === TAB)) {
          p = skipBlanks(s, p, end);
          c = s.charCodeAt(p);
          canonical = false;
        }
        if (c !== QUOTE || p >= end)
          this.fail(`expected a quoted value for label "${s.slice(ns, ne)}", got ${this.describeAt(p)}`, p);
      }
      const vs = p + 1;
      // Fast path: the closing quote by indexOf, when no backslash lies before it.
      let ve = s.indexOf('"', vs);
      let escapes = 0;
      if (this.nextBackslash < vs) {
        const bs = s.indexOf('\\', vs);
        this.nextBackslash = bs < 0 ? this.bodyEnd : bs;
      }
      if (ve < 0 || ve >= end || this.nextBackslash < ve) {
        ve = scanQuoted(s, vs, end);
        if (ve < 0) {
          if (ve === UNTERMINATED)
            this.fail(`unterminated value of label "${s.slice(ns, ne)}" (no closing quote on this line)`, p);
          const at = -1 - ve;
          this.fail(
            `invalid escape "\\${s[at + 1]}" in the value of label "${s.slice(ns, ne)}" (allowed: \\\\, \\", \\n)`,
            at,
          );
        }
        escapes = quotedScan.escapes;
      }
      if (ve - vs - escapes > this.limits.maxLabelValueLength) {
        this.fail(
          `value of label "${s.slice(ns, ne)}" is ${ve - vs - escapes} characters, over limits.maxLabelValueLength (${this.limits.maxLabelValueLength})`,
          vs,
          'maxLabelValueLength',
        );
      }
      if (n >= maxLabels)
        this.fail(`more than limits.maxLabelsPerSeries (${maxLabels}) labels`, ns, 'maxLabelsPerSeries');
      const slot = base + n;
      if (4 * slot + 4 > this.lab.length) this.grow(slot + 1);
      const lab = this.lab;
      if (n > 0) {
        const cmp = compareLabelNames(s, lab[4 * slot - 4], lab[4 * slot - 3], ns, ne);
        if (cmp === 0) this.fail(`duplicate label name "${s.slice(ns, ne)}"`, ns);
        if (cmp > 0) sorted = false;
        // Out of canonical order: compare with all earlier names.
        if (!sorted && n < 32) {
          for (let j = base; j < slot - 1; j++) {
            if (lab[4 * j + 1] - lab[4 * j] === ne - ns && compareRanges(s, lab[4 * j], lab[4 * j + 1], ns, ne) === 0) {
              this.fail(`duplicate label name "${s.slice(ns, ne)}"`, ns);
            }
          }
        }
      }
      lab[4 * slot] = ns;
      lab[4 * slot + 1] = ne;
      lab[4 * slot + 2] = vs;
      lab[4 * slot + 3] = escapes > 0 ? ~ve : ve;
      n++;
      p = ve + 1;
      c = s.charCodeAt(p);
      if (c !== COMMA && c !== RBRACE) {
        if (blanks && (c === SPACE || c === TAB)) {
          p = skipBlanks(s, p, end);
          c = s.charCodeAt(p);
          canonical = false;
        }
        if ((c !== COMMA && c !== RBRACE) || p >= end)
          this.fail(`expected "," or "}" after the value of label "${s.slice(ns, ne)}", got ${this.describeAt(p)}`, p);
      }
      if (c === RBRACE) {
        p++;
        break;
      }
      c = s.charCodeAt(++p);
      if (blanks && (c === SPACE || c === TAB)) {
        p = skipBlanks(s, p, end);
        c = s.charCodeAt(p);
        canonical = false;
      }
      if (c === RBRACE && p < end) {
        canonical = false;
        p++;
        break;
      }
    }
    if (!sorted && n >= 32) this.checkUniqueNames(base, n);
    if (base === 0) {
      this.sorted = sorted;
      if (!canonical) this.canonical = false;
    }
    this.scanCount = n;
    return p;
  }

  /** Label count of the last `scanLabels` call. */
  protected lastScanCount(): number {
    return this.scanCount;
  }

  private grow(slots: number): void {
    let size = this.lab.length / 4;
    while (size < slots) size *= 2;
    const lab = new Int32Array(4 * size);
    lab.set(this.lab);
    this.lab = lab;
  }

  /** Duplicate-name check for long label sets written out of order (others are checked while scanning). */
  private checkUniqueNames(base: number, n: number): void {
    const seen = new Set<string>();
    for (let i = base; i < base + n; i++) {
      const name = this.s.slice(this.lab[4 * i], this.lab[4 * i + 1]);
      if (seen.has(name)) this.fail(`duplicate label name "${name}"`, this.lab[4 * i]);
      seen.add(name);
    }
  }

  /** Code points of the exemplar's label names and decoded values together (OpenMetrics caps them at 128). */
  protected exemplarLabelChars(): number {
    return labelCodePoints(this.s, this.lab, this.nLabels, this.nLabels + this.nExemplarLabels);
  }
}
