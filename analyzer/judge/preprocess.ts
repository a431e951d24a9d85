/**
 * The preprocess stage, shared by both judges: what a raw sample value becomes before any
 * statistic sees it. One rule set, so the sequential and the fixed judge never disagree about
 * which input counts.
 *  - NaN (missing data, `null` in NDJSON): dropped (`nanStrategy: remove`, default) or taken as 0
 *    (`replace`, Kayenta's option);
 *  - Infinity, negative values, or anything that overflows to a non-finite number: invalid input,
 *    counted and left out (a metric's value is a duration, a count or a level, all ≥ 0);
 *  - histogram input: `le` parsed as Prometheus writes it ("0.1", "1e-3", "+Inf"); a bucket count
 *    must be a non-negative integer.
 */
import type { MetricSpec } from '../types.ts';

/** What to do with one value: use it, skip it silently (missing data), or count it as invalid. */
export type Preprocessed = { use: true; value: number } | { use: false; invalid: boolean };

const SKIP: Preprocessed = { use: false, invalid: false };
const INVALID: Preprocessed = { use: false, invalid: true };

export function preprocessValue(spec: Pick<MetricSpec, 'nanStrategy'>, value: number): Preprocessed {
  if (Number.isNaN(value)) return (spec.nanStrategy ?? 'remove') === 'remove' ? SKIP : { use: true, value: 0 };
  if (!Number.isFinite(value) || value < 0) return INVALID;
  return { use: true, value };
}

/** The bucket's upper edge from a sample's `le` label; NaN when absent or not a number. */
export function bucketEdge(labels: Record<string, string> | undefined): number {
  const le = labels?.le;
  if (le === undefined) return Number.NaN;
  return le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
}

/** A bucket count is a whole number of observations. */
export const isBucketCount = (count: number): boolean => Number.isInteger(count) && count >= 0;

/** True when adding `value` to `sum` stays finite: sums past 1.8e308 are invalid input, not +Infinity. */
export const staysFinite = (sum: number, value: number): boolean => Number.isFinite(sum + value);
