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

/** Parses `500ms`, `30s`, `1m`, `1h` (or a bare number of milliseconds). */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${what}: cannot read "${text}" as a duration (e.g. 30s, 1m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] as number;
  const ms = Number(match[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`${what}: must be positive, got "${text}"`);
  return ms;
}

/** Wrong flags or arguments: usage is printed, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
