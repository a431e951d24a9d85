import { BACKSLASH, LF, QUOTE } from './lex.ts';

/**
 * Quoted strings and escapes of the text formats. Label values (both formats) and OpenMetrics
 * HELP text escape `\\`, `\"` and newline as `\n`; Prometheus 0.0.4 HELP text escapes only
 * `\\` and `\n`.
 */

/** `scanQuoted` result for a string that reaches the end of the line before its closing quote. */
export const UNTERMINATED = -0x7fffffff;
/** Number of escapes the last successful `scanQuoted` met (a slot, so the scan allocates nothing). */
export const quotedScan = { escapes: 0 };
/**
 * Checks the escapes of a quoted string body from `p` (just after the opening quote) and
 * returns the position of the closing quote, or a negative number: `-1 - position` of a bad
 * escape, or `UNTERMINATED` when `end` comes first. Valid escapes: `\\`, `\"`, `\n`.
 */
export function scanQuoted(s: string, p: number, end: number): number {
  let escapes = 0;
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c === QUOTE) {
      quotedScan.escapes = escapes;
      return p;
    }
    if (c === BACKSLASH) {
      if (p + 1 >= end) return UNTERMINATED;
      const e = s.charCodeAt(p + 1);
      if (e !== BACKSLASH && e !== QUOTE && e !== 110) return -1 - p;
      escapes++;
      p += 2;
    } else p++;
  }
  return UNTERMINATED;
}

/** Decodes `\\`, `\"` and `\n` in a range already checked by `scanQuoted`. */
export function unescapeQuoted(s: string, start: number, end: number): string {
  let out = '';
  let run = start;
  for (let p = start; p < end; p++) {
    if (s.charCodeAt(p) !== BACKSLASH) continue;
    const e = s.charCodeAt(p + 1);
    out += s.slice(run, p) + (e === 110 ? '\n' : e === QUOTE ? '"' : '\\');
    p++;
    run = p + 1;
  }
  return out + s.slice(run, end);
}

/**
 * Decodes HELP text leniently, as Prometheus's scrape parser does: `\\` and `\n` always,
 * `\"` when `quotes` (OpenMetrics); any other backslash is kept as written.
 */
export function unescapeHelp(s: string, start: number, end: number, quotes: boolean): string {
  let out = '';
  let run = start;
  for (let p = start; p + 1 < end; p++) {
    if (s.charCodeAt(p) !== BACKSLASH) continue;
    const e = s.charCodeAt(p + 1);
    if (e === BACKSLASH || e === 110 || (quotes && e === QUOTE)) {
      out += s.slice(run, p) + (e === 110 ? '\n' : e === QUOTE ? '"' : '\\');
      run = p + 2;
    }
    p++;
  }
  return out + s.slice(run, end);
}

/** Escapes a label value for the text formats: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === BACKSLASH || c === QUOTE || c === LF) return v.replace(/[\\"\n]/g, escapeChar);
  }
  return v;
}

/** Escapes HELP text: `\` → `\\`, newline → `\n`, and `"` → `\"` when `quotes` (OpenMetrics). */
export function escapeHelp(v: string, quotes: boolean): string {
  return v.replace(quotes ? /[\\"\n]/g : /[\\\n]/g, escapeChar);
}

function escapeChar(c: string): string {
  return c === '\n' ? '\\n' : `\\${c}`;
}
