/**
 * Option checking shared by the fixed-horizon statistics (internal; not re-exported from index.ts).
 *
 * Options are one typed object with defaults, and what the statistic does not know is
 * rejected with a `StatsInputError` — an unknown key (a typo such as `alternativ`) or an unknown
 * value (`alternative: 'bigger'`) never falls back silently to a default.
 */
import type { Alternative } from './anytime.ts';
import { StatsInputError } from './errors.ts';

const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'greater', 'less'];

/** Throws unless `options` is undefined or a plain object whose keys are all in `known`. */
export function checkOptionKeys(fn: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new StatsInputError(fn, `options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new StatsInputError(fn, `unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

/** The value if it is one of `allowed`, else a `StatsInputError` naming the allowed values. */
export function checkChoice<T extends string>(fn: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new StatsInputError(
    fn,
    `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
  );
}

/** 'two-sided' | 'greater' | 'less' ('greater' always means canary higher than baseline). */
export function checkAlternative(fn: string, value: unknown): Alternative {
  return checkChoice(fn, 'alternative', value, ALTERNATIVES);
}

/** A confidence level strictly between 0 and 1. */
export function checkConfidence(fn: string, value: unknown): number {
  if (typeof value === 'number' && value > 0 && value < 1) return value;
  throw new StatsInputError(fn, `confidence must be a number in (0, 1), got ${String(value)}`);
}

/** A non-negative integer count (a safe integer). */
export function checkCount(fn: string, name: string, value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new StatsInputError(fn, `${name} must be a non-negative integer, got ${String(value)}`);
}
