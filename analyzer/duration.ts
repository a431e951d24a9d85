/**
 * Durations, one grammar for every configuration file and flag: a number followed by `ms`, `s`,
 * `m`, `h` or `d` (`500ms`, `90s`, `1.5h`, `1d`); in a file a bare number is milliseconds. Before
 * this module four copies disagreed (the serve config refused `1d`, the release policy took it).
 *
 * Not this grammar: the `for:` of generated Prometheus rules (`gate/alerts/rules.ts`), which is
 * Prometheus's own (`1h30m`, `w`, `y`) because Prometheus reads it, not us.
 */
import { z } from 'zod';

export const DURATION_UNIT_MS: Readonly<Record<DurationUnit, number>> = Object.freeze({
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/** At most 15 integer digits and 9 decimals: enough for any real duration, and never `Infinity`. */
const DURATION_TEXT = /^(\d{1,15}(?:\.\d{1,9})?)(ms|s|m|h|d)$/;
export const DURATION_EXAMPLES = '500ms, 90s, 15m, 2h or 1d';

/**
 * Milliseconds of a duration such as `90s` or `1.5h`, rounded to a whole millisecond; `undefined`
 * when `text` is not one (the caller says what was expected where).
 *
 * @example durationToMs('1d') === 86_400_000; durationToMs('1.5s') === 1_500; durationToMs('5') === undefined
 */
export function durationToMs(text: string): number | undefined {
  const match = DURATION_TEXT.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNIT_MS[match[2] as DurationUnit]);
}

/** A duration in a YAML/JSON file: whole milliseconds as a number, or text in the grammar above. */
export const durationSchema = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .refine((text) => durationToMs(text) !== undefined, `a duration such as ${DURATION_EXAMPLES}`)
    .transform((text) => durationToMs(text) as number),
]);

/**
 * Exact text for `ms` in the grammar above, in the largest of h, m, s that divides it (`86400000` →
 * `24h`, `1500` → `1500ms`): hours, not days, because people read limits such as "at most 24h" so.
 */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms !== 0 && ms % DURATION_UNIT_MS[unit] === 0) return `${ms / DURATION_UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
