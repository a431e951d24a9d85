/**
 * One scrape of a Prometheus `/metrics` endpoint: HTTP GET with content negotiation, a timeout,
 * the body limit enforced while the body streams in (a runaway exporter must not be buffered
 * whole before we notice), and parsing into families.
 */
import { parseExposition, ExpositionOptionsError, ExpositionParseError } from '../textparse/index.ts';
import type { ExpositionFormat, MetricFamily } from '../textparse/index.ts';
import type { ScrapeTarget } from './config.ts';

/** The subset of `fetch` a scrape uses; tests and proxies can pass their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** OpenMetrics first, then Prometheus text 0.0.4, as Prometheus's scraper asks. */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export type ScrapeErrorKind = 'http-status' | 'timeout' | 'body-too-large' | 'network' | 'parse' | 'aborted';

/** A failed scrape; the message names the target (and the status or the line). */
export class ScrapeError extends Error {
  override readonly name = 'ScrapeError';
  constructor(
    readonly target: string,
    readonly kind: ScrapeErrorKind,
    detail: string,
    readonly status?: number,
    readonly line?: number,
    options?: { cause?: unknown },
  ) {
    super(`scrape of target "${target}" failed: ${detail}`, options);
  }
}

export interface ScrapeResult {
  target: string;
  /** epoch ms when the request was sent: the samples' timestamp, as in Prometheus */
  ts: number;
  format: ExpositionFormat;
  families: MetricFamily[];
  bytes: number;
  durationMs: number;
}

export interface ScrapeOnceOptions {
  /** aborts the scrape (the `Scraper` passes one so `stop()` ends in-flight requests) */
  signal?: AbortSignal;
}

/**
 * Fetches and parses one exposition. Throws `ScrapeError`: `http-status` for a non-2xx answer,
 * `timeout` after `target.timeoutMs` (connect, headers and body together), `body-too-large` past
 * `target.maxBodyBytes` (checked against Content-Length, then while streaming), `parse` for a
 * malformed body (with its line), `network` otherwise, `aborted` when `options.signal` fired.
 * @example
 * const { families, ts } = await scrapeOnce(target);
 */
export async function scrapeOnce(
  target: ScrapeTarget,
  fetchImpl: FetchLike = fetch,
  options: ScrapeOnceOptions = {},
): Promise<ScrapeResult> {
  const started = Date.now();
  const t0 = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, target.timeoutMs);
  const onOuterAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  const fail = (
    kind: ScrapeErrorKind,
    detail: string,
    extra: { status?: number; line?: number; cause?: unknown } = {},
  ): ScrapeError =>
    new ScrapeError(target.name, kind, `${target.url}: ${detail}`, extra.status, extra.line, { cause: extra.cause });
  try {
    let body: Uint8Array;
    let contentType: string | undefined;
    try {
      const res = await fetchImpl(target.url, {
        method: 'GET',
        headers: { Accept: SCRAPE_ACCEPT },
        signal: controller.signal,
        redirect: 'follow',
      });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined);
        throw fail('http-status', `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, {
          status: res.status,
        });
      }
      contentType = res.headers.get('content-type') ?? undefined;
      const declared = Number(res.headers.get('content-length') ?? Number.NaN);
      if (declared > target.maxBodyBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw fail('body-too-large', `Content-Length ${declared} is over maxBodyBytes (${target.maxBodyBytes})`);
      }
      body = await readLimited(res, target.maxBodyBytes, controller, () =>
        fail('body-too-large', `body is over maxBodyBytes (${target.maxBodyBytes}); stopped reading`),
      );
    } catch (error) {
      if (error instanceof ScrapeError) throw error;
      if (timedOut)
        throw fail('timeout', `no complete answer within timeoutMs (${target.timeoutMs})`, { cause: error });
      if (options.signal?.aborted) throw fail('aborted', 'scrape aborted', { cause: error });
      throw fail('network', (error as Error).message, { cause: error });
    }
    try {
      const parsed = parseExposition(body, {
        contentType,
        limits: { maxBodyBytes: target.maxBodyBytes },
        duplicates: 'error',
      });
      return {
        target: target.name,
        ts: started,
        format: parsed.format,
        families: parsed.families,
        bytes: body.byteLength,
        durationMs: performance.now() - t0,
      };
    } catch (error) {
      if (error instanceof ExpositionParseError)
        throw fail('parse', `malformed exposition: ${error.message}`, { line: error.line, cause: error });
      if (error instanceof ExpositionOptionsError) throw fail('parse', error.message, { cause: error });
      throw error;
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Reads the body chunk by chunk and aborts the request as soon as it passes `max` bytes. */
async function readLimited(
  res: Response,
  max: number,
  controller: AbortController,
  tooLarge: () => ScrapeError,
): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
