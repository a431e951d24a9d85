/**
 * POSTs JSON with retries, for the alert sinks. Never throws: the outcome is returned, so a sink
 * can record it and carry on (a verdict never depends on an alert being delivered).
 *
 * Retried: network errors, timeouts, 5xx and 429 (the receiver may come back). Not retried:
 * other 4xx — the same payload would be refused again. The waits and the redaction are the
 * actions' own (`../actions/retry.ts`: exponential backoff with full jitter, so many gates do not
 * retry a receiver in lock-step; `redact` for every secret the caller names), one policy for
 * every outbound delivery.
 */
import { backoffDelay, resolveRetry, type RetryOptions } from '../actions/retry.ts';
import { redact } from '../actions/types.ts';

/** The actions' retry policy (`../actions/retry.ts`), plus a timeout per request. */
export interface DeliveryRetryOptions extends RetryOptions {
  /** per request (default 5 s) */
  timeoutMs?: number;
}

export interface DeliverDeps {
  fetch?: typeof fetch;
  /** injected for tests (default: setTimeout) */
  sleep?: (ms: number) => Promise<void>;
  /** in [0, 1), for the jitter (default Math.random) */
  random?: () => number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** last HTTP status, when there was an answer */
  status?: number;
  /** last error, without URL credentials or tokens */
  error?: string;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `secrets`: strings never to appear in the returned error (a webhook URL with its token, a header value). */
export async function postJson(
  url: string,
  body: unknown,
  options: DeliveryRetryOptions & DeliverDeps & { headers?: Record<string, string>; secrets?: readonly string[] } = {},
): Promise<DeliveryResult> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? sleepFor;
  const retry = resolveRetry({
    attempts: Math.max(1, options.attempts ?? 4),
    baseDelayMs: options.baseDelayMs,
    maxDelayMs: options.maxDelayMs,
  });
  const attempts = retry.attempts;
  const payload = JSON.stringify(body);
  const hide = (result: DeliveryResult): DeliveryResult =>
    result.error
      ? {
          ...result,
          error: redact(result.error, [...(options.secrets ?? []), ...Object.values(options.headers ?? {})]),
        }
      : result;
  let last: DeliveryResult = { ok: false, attempts: 0 };
  for (let n = 1; n <= attempts; n++) {
    if (n > 1) await sleep(backoffDelay(n - 1, retry, options.random));
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: payload,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true, attempts: n, status: res.status };
      last = {
        ok: false,
        attempts: n,
        status: res.status,
        error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`,
      };
      if (res.status < 500 && res.status !== 429) return hide(last);
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      last = {
        ok: false,
        attempts: n,
        error: `${e.name === 'TimeoutError' ? 'timeout' : e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`,
      };
    }
  }
  return hide(last);
}
