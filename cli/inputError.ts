/** A problem with the user's input: printed as `file:line: field: message`, exit code 1. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
  }
}

/**
 * Parses `500ms`, `30s`, `1m`, `1h` (or a bare number of milliseconds), within `[min, max]` ms
 * when given: `--interval 0.001` made the judge look a million times per replayed second, and
 * `--interval 99999…h` made it wait for ever while the heap grew.
 */
export function parseDuration(text: string, what: string, bounds: { min?: number; max?: number } = {}): number {
  const match = /^(\d{1,15}(?:\.\d{1,9})?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${what}: cannot read "${text.slice(0, 40)}" as a duration (e.g. 30s, 1m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] as number;
  const ms = Number(match[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`${what}: must be positive, got "${text}"`);
  if (bounds.min !== undefined && ms < bounds.min) throw new UsageError(`${what}: at least ${showMs(bounds.min)}, got "${text}"`);
  if (bounds.max !== undefined && ms > bounds.max) throw new UsageError(`${what}: at most ${showMs(bounds.max)}, got "${text.slice(0, 40)}"`);
  return ms;
}

const showMs = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Wrong flags or arguments: usage is printed, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
