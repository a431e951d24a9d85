/**
 * Lexing helpers shared by the Prometheus 0.0.4 and OpenMetrics 1.0 parsers: character
 * classes, number scanning and escape handling. All work on a range [start, end) of the
 * decoded body, with `charCodeAt` loops: no regular expression and no closure per sample.
 */

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const COMMA = 44;
export const EQUALS = 61;
export const BACKSLASH = 92;
export const LBRACE = 123;
export const RBRACE = 125;

const METRIC_START = 1; // [a-zA-Z_:]
const METRIC_CHAR = 2; // [a-zA-Z0-9_:]
const LABEL_START = 4; // [a-zA-Z_]
const LABEL_CHAR = 8; // [a-zA-Z0-9_]
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  const digit = c >= 48 && c <= 57;
  if (letter || c === 58) CLASS[c] |= METRIC_START | METRIC_CHAR;
  if (digit) CLASS[c] |= METRIC_CHAR | LABEL_CHAR;
  if (letter) CLASS[c] |= LABEL_START | LABEL_CHAR;
}

export function isMetricNameStart(c: number): boolean {
  return c < 128 && (CLASS[c] & METRIC_START) !== 0;
}

export function isMetricNameChar(c: number): boolean {
  return c < 128 && (CLASS[c] & METRIC_CHAR) !== 0;
}

export function isLabelNameStart(c: number): boolean {
  return c < 128 && (CLASS[c] & LABEL_START) !== 0;
}

/** End of the metric name that starts at `p` (whose first character the caller has checked). */
export function scanMetricName(s: string, p: number, end: number): number {
  p++;
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c >= 128 || (CLASS[c] & METRIC_CHAR) === 0) break;
    p++;
  }
  return p;
}

/** End of the label name that starts at `p` (whose first character the caller has checked). */
export function scanLabelName(s: string, p: number, end: number): number {
  p++;
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c >= 128 || (CLASS[c] & LABEL_CHAR) === 0) break;
    p++;
  }
  return p;
}

/** Skips spaces and tabs. */
export function skipBlanks(s: string, p: number, end: number): number {
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c !== SPACE && c !== TAB) break;
    p++;
  }
  return p;
}

/** Lexicographic comparison of two ranges of `s` by UTF-16 code unit (the order `Array.sort` uses). */
export function compareRanges(s: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(a + i) - s.charCodeAt(b + i);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}

/**
 * The canonical order of label names in series keys: by name, except that `le` and then
 * `quantile` come last — the order Prometheus client libraries write, so their lines are
 * already canonical and need no rebuilding. Any fixed total order would do for identity.
 */
export function compareLabelNames(s: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const ra = lastRank(s, a, aEnd);
  const rb = lastRank(s, b, bEnd);
  return ra !== rb ? ra - rb : compareRanges(s, a, aEnd, b, bEnd);
}

function lastRank(s: string, a: number, aEnd: number): number {
  const n = aEnd - a;
  if (n === 2) return s.charCodeAt(a) === 108 && s.charCodeAt(a + 1) === 101 ? 1 : 0;
  return n === 8 && s.startsWith('quantile', a) ? 2 : 0;
}

/** `compareLabelNames` for decoded names. */
export function compareLabelNameStrings(a: string, b: string): number {
  const ra = a === 'le' ? 1 : a === 'quantile' ? 2 : 0;
  const rb = b === 'le' ? 1 : b === 'quantile' ? 2 : 0;
  return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
const TWO_53 = 9007199254740992;

/**
 * Parses a number as both formats define it — Go's `strconv.ParseFloat` without hex or `_`
 * (what Prometheus accepts) and the OpenMetrics ABNF: `[+-]digits[.digits][e[+-]digits]`,
 * `[+-].digits…`, case-insensitive `[+-]inf`, `[+-]infinity` and `nan` (unsigned).
 * Returns the value times 10^shift (shift 3 turns seconds into ms), or `undefined` when the
 * text is not a number. The result is correctly rounded: while the digits form an integer
 * below 2^53 and the decimal exponent is within ±22, one IEEE operation does it (Clinger's
 * fast path); otherwise `Number` reads the digits with the exponent adjusted.
 */
export function scanNumber(s: string, start: number, end: number, shift: number): number | undefined {
  let p = start;
  if (p >= end) return undefined;
  let c = s.charCodeAt(p);
  let negative = false;
  if (c === 43 || c === 45) {
    negative = c === 45;
    if (++p >= end) return undefined;
    c = s.charCodeAt(p);
  }
  if (c >= 65) return special(s, p, end, negative, p > start);
  const intStart = p;
  let mantissa = 0;
  for (; p < end; p++) {
    const d = s.charCodeAt(p) - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
  }
  const intEnd = p;
  let fracStart = p;
  let fracEnd = p;
  if (p < end && s.charCodeAt(p) === 46) {
    fracStart = ++p;
    for (; p < end; p++) {
      const d = s.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
    }
    fracEnd = p;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  let exponent = shift - (fracEnd - fracStart);
  if (p < end) {
    c = s.charCodeAt(p);
    if (c !== 101 && c !== 69) return undefined;
    if (++p >= end) return undefined;
    c = s.charCodeAt(p);
    let expNegative = false;
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      if (++p >= end) return undefined;
    }
    let e = 0;
    const expStart = p;
    for (; p < end; p++) {
      const d = s.charCodeAt(p) - 48;
      if (d < 0 || d > 9) return undefined;
      if (e < 100_000_000) e = e * 10 + d;
    }
    if (p === expStart) return undefined;
    exponent += expNegative ? -e : e;
  }
  let v: number;
  if (mantissa < TWO_53 && exponent >= -22 && exponent <= 22)
    v = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
  else v = Number(`${s.slice(intStart, intEnd)}${s.slice(fracStart, fracEnd)}e${exponent}`);
  return negative ? -v : v;
}

function special(s: string, p: number, end: number, negative: boolean, signed: boolean): number | undefined {
  const n = end - p;
  if (n === 3 || n === 8) {
    const word = s.slice(p, end).toLowerCase();
    if (word === 'inf' || word === 'infinity') return negative ? -Infinity : Infinity;
    if (word === 'nan' && !signed) return NaN;
  }
  return undefined;
}

/** `scanNumber` with no shift. */
export function parseNumber(s: string, start: number, end: number): number | undefined {
  return scanNumber(s, start, end, 0);
}

/**
 * Parses an integer millisecond timestamp (Prometheus 0.0.4: `-?digits`). Returns `undefined`
 * for text that is not one and `NaN` for one beyond ±2^53 (not exact as a JS number).
 */
export function parseIntegerMs(s: string, start: number, end: number): number | undefined {
  let p = start;
  let negative = false;
  if (p < end && s.charCodeAt(p) === 45) {
    negative = true;
    p++;
  }
  if (p >= end) return undefined;
  let v = 0;
  for (; p < end; p++) {
    const d = s.charCodeAt(p) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  if (v > Number.MAX_SAFE_INTEGER) return NaN;
  return negative ? -v : v;
}
