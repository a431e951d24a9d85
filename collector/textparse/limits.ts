import { ExpositionOptionsError } from './errors.ts';

/**
 * Limits that bound the work and memory one exposition can cost. Each must be a positive
 * integer or `Infinity` (no limit). Breaking one throws `ExpositionParseError` whose `limit`
 * names it.
 */
export interface ExpositionLimits {
  /** Body size in bytes (UTF-8). A 50,000-series exposition is about 8 MB. */
  maxBodyBytes: number;
  /** Characters on one line, newline excluded. */
  maxLineLength: number;
  /** Labels on one sample line (the metric name not counted). */
  maxLabelsPerSeries: number;
  /** Characters of one decoded label value. */
  maxLabelValueLength: number;
}

export const DEFAULT_LIMITS: Readonly<ExpositionLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024 * 1024,
  maxLineLength: 256 * 1024,
  maxLabelsPerSeries: 256,
  maxLabelValueLength: 32 * 1024,
});

/** Fills defaults and rejects unknown names and values that are not positive integers (or Infinity). */
export function resolveLimits(limits: Partial<ExpositionLimits> | undefined): ExpositionLimits {
  const resolved: ExpositionLimits = { ...DEFAULT_LIMITS };
  if (limits === undefined) return resolved;
  for (const [key, value] of Object.entries(limits)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new ExpositionOptionsError(`unknown limit "${key}"; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value > 0))) {
      throw new ExpositionOptionsError(`limits.${key} must be a positive integer or Infinity, got ${String(value)}`);
    }
    resolved[key as keyof ExpositionLimits] = value;
  }
  return resolved;
}
