// the duration grammar directly, not analyzer/index.ts: cli/main.ts loads this file for every command
import { DURATION_EXAMPLES, durationToMs, formatDuration } from './duration.ts';

/** A problem with the user's input: printed as `file:line: field: message`, exit code 65 (`EXIT.input`, cli/command.ts). */
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
 * Parses `500ms`, `30s`, `1m`, `1h`, `1d` (or a bare number of milliseconds), within `[min, max]` ms
 * when given: `--interval 0.001` made the judge look a million times per replayed second, and
 * `--interval 99999…h` made it wait for ever while the heap grew.
 */
export function parseDuration(text: string, what: string, bounds: { min?: number; max?: number } = {}): number {
  // a bare number is milliseconds, as in the files
  const ms = /^\d{1,15}(?:\.\d{1,9})?$/.test(text.trim()) ? Number(text.trim()) : durationToMs(text);
  if (ms === undefined)
    throw new UsageError(`${what}: cannot read "${text.slice(0, 40)}" as a duration (e.g. ${DURATION_EXAMPLES})`);
  if (!(ms > 0)) throw new UsageError(`${what}: must be positive, got "${text}"`);
  if (bounds.min !== undefined && ms < bounds.min)
    throw new UsageError(`${what}: at least ${showMs(bounds.min)}, got "${text}"`);
  if (bounds.max !== undefined && ms > bounds.max)
    throw new UsageError(`${what}: at most ${showMs(bounds.max)}, got "${text.slice(0, 40)}"`);
  return ms;
}

const showMs = formatDuration;

/** Wrong flags or arguments: a pointer to `--help` is printed, exit code 64 (`EXIT.usage`, command.ts). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
