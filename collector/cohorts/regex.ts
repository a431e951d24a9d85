/**
 * Label-value patterns matched in linear time. JavaScript's `RegExp` backtracks: a pattern such as
 * `(a|a)*` or `(a?){25}a{25}` that a shape heuristic lets through blocked the event loop for a
 * minute on one 29-character label value. RE2 (here RE2JS, a pure-JavaScript port: no native
 * build, no binary download at install) runs in time linear in the value whatever the pattern,
 * and its syntax is the one Prometheus's `=~` uses, so a pattern copied from a PromQL selector
 * means the same thing here.
 */
import { RE2JS } from 're2js';

/** Longest accepted pattern (a bound on compile time and memory, not a ReDoS guard any more). */
export const MAX_REGEX_LENGTH = 256;

/** A compiled pattern that must match the WHOLE value (anchored like Prometheus's `=~`). */
export interface LinearRegex {
  readonly source: string;
  test(value: string): boolean;
}

/** Compiles `pattern` anchored at both ends; throws `Error` with RE2's message when invalid. */
export function compileLinearRegex(pattern: string): LinearRegex {
  if (pattern.length > MAX_REGEX_LENGTH)
    throw new Error(`regex is ${pattern.length} characters, over ${MAX_REGEX_LENGTH}`);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(`^(?:${pattern})$`);
  } catch (error) {
    throw new Error(`invalid regex: ${(error as Error).message}`);
  }
  return { source: pattern, test: (value) => compiled.test(value) };
}

/** Why a pattern is refused (too long, not RE2 syntax — backreferences included), or `undefined`. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compileLinearRegex(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
