/**
 * The one rule for bad input to a statistic: throw a `StatsInputError` naming
 * the argument and what is wrong, never return `null` in one place and `NaN` in another.
 */
export class StatsInputError extends Error {
  override readonly name = 'StatsInputError';
  constructor(
    readonly fn: string,
    readonly detail: string,
  ) {
    super(`${fn}: ${detail}`);
  }
}

/** Throws unless every value is a finite number; statistics never guess what NaN meant. */
export function assertFiniteSample(fn: string, label: string, values: ArrayLike<number>, minLength = 1): void {
  if (values.length < minLength)
    throw new StatsInputError(fn, `${label} needs at least ${minLength} value(s), got ${values.length}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new StatsInputError(fn, `${label}[${i}] is ${values[i]}; clean NaN/Inf first (see cleanSample)`);
  }
}
