/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
 * 2015): the n-th retry waits a uniform random time in [0, min(maxDelay, base·2^(n−1))], so many
 * gates retrying the same receiver spread out instead of hammering it in lock-step.
 */
export interface RetryOptions {
  /** tries in all, the first included (default 4) */
  attempts?: number;
  /** cap of the first wait (default 500 ms) */
  baseDelayMs?: number;
  /** cap of any wait (default 10 s) */
  maxDelayMs?: number;
}

export const RETRY_DEFAULTS: Readonly<Required<RetryOptions>> = Object.freeze({
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
});

export function resolveRetry(options: RetryOptions = {}): Required<RetryOptions> {
  const r = { ...RETRY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const [k, v] of Object.entries(r)) {
    if (!(k in RETRY_DEFAULTS)) throw new RangeError(`unknown retry option ${k}`);
    if (!Number.isSafeInteger(v) || v < (k === 'attempts' ? 1 : 0))
      throw new RangeError(
        `retry option ${k} must be a ${k === 'attempts' ? 'positive' : 'non-negative'} integer, got ${String(v)}`,
      );
  }
  if (r.attempts > 20) throw new RangeError('retry option attempts must be at most 20 (bounded retries)');
  return r;
}

/** The wait before try `attempt + 1`, after `attempt` failures (1-based). `random` in [0, 1). */
export function backoffDelay(
  attempt: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}
