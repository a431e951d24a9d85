/**
 * The one outbound delivery path of the gate: every action and alert (webhook, Traefik, Grafana,
 * Alertmanager, chat) is delivered here — attempts bounded by a timeout each, retried with
 * exponential backoff and full jitter, every error redacted, every attempt recorded with an audit
 * entry. An `Action` (types.ts) is only "one attempt"; `postJson` is the one HTTP POST they share.
 *
 * Retry policy: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter", 2015): the n-th retry waits a uniform random time in [0, min(maxDelay,
 * base·2^(n−1))], so many gates retrying one receiver spread out instead of hammering it in
 * lock-step. Retried: network errors, timeouts, HTTP 5xx, 408 and 429 (the receiver may come back).
 * Not retried: other 4xx and 3xx — the same request would be refused again.
 *
 * Redaction: an action names its secrets to `postJson` (a token, a signing key, a webhook URL whose
 * path is the token); every error is passed through the shared redaction
 * (collector/observe/redact.ts) before it reaches a record, an audit entry or a log line.
 * Response bodies are never copied into errors: a receiver may echo the request, secrets included.
 */
import { redactSecrets } from '../../collector/observe/redact.ts';
import { silentLogger, type Logger } from '../../analyzer/logger.ts';
import type { ActionRecord, ActionState, Store } from '../../store/index.ts';
import type { Action, ActionContext } from './types.ts';

/** An attempt that failed; `retryable: false` when the same attempt would be refused again. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;
  constructor(message: string, options: { retryable?: boolean } = {}) {
    super(message);
    this.retryable = options.retryable ?? true;
  }
}

export interface DeliveryPolicy {
  /** tries in all, the first included (default 4, at most 20) */
  attempts?: number;
  /** cap of the first wait (default 500 ms) */
  baseDelayMs?: number;
  /** cap of any wait (default 10 s) */
  maxDelayMs?: number;
  /** per attempt, unless the action sets its own (default 5 s) */
  timeoutMs?: number;
}

export const DELIVERY_DEFAULTS: Readonly<Required<DeliveryPolicy>> = Object.freeze({
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  timeoutMs: 5_000,
});

/** The policy with defaults filled in; a bad value is a RangeError naming the option. */
export function resolvePolicy(options: DeliveryPolicy = {}): Required<DeliveryPolicy> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const policy = { ...DELIVERY_DEFAULTS, ...given };
  for (const [key, value] of Object.entries(policy)) {
    if (!(key in DELIVERY_DEFAULTS)) throw new RangeError(`unknown delivery option ${key}`);
    const least = key === 'attempts' || key === 'timeoutMs' ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < least)
      throw new RangeError(
        `delivery option ${key} must be a ${least ? 'positive' : 'non-negative'} integer, got ${String(value)}`,
      );
  }
  if (policy.attempts > 20) throw new RangeError('delivery option attempts must be at most 20 (bounded retries)');
  return policy;
}

/** The wait before try `attempt + 1`, after `attempt` failures (1-based). `random` in [0, 1). */
export function backoffDelay(
  attempt: number,
  policy: Pick<Required<DeliveryPolicy>, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/** What `deliver` hands each attempt. */
export interface AttemptContext {
  /** aborts when the attempt's time is up: pass it to fetch, check it before side effects */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface PostJsonOptions extends AttemptContext {
  /** the receiver as errors may show it (recordedTarget: no credentials, query or secret path) */
  target: string;
  headers?: Record<string, string>;
  /** strings never to appear in an error: tokens, signing keys, a URL that is itself a secret */
  secrets?: readonly (string | undefined)[];
}

export interface PostJsonAnswer {
  status: number;
  /** the response body (the caller decides what of it, if anything, is safe to keep) */
  text: string;
  /** bytes sent */
  bytes: number;
}

const RETRYABLE_STATUS = new Set([408, 429]);

/**
 * One POST of a JSON body (an object, or text already serialised — a signed body must be sent as
 * signed). Resolves on 2xx; otherwise throws a `DeliveryError` with a redacted message. Redirects
 * are not followed: an authenticated or signed delivery is not re-sent wherever a 3xx points.
 */
export async function postJson(url: string | URL, body: unknown, options: PostJsonOptions): Promise<PostJsonAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const secrets = [...(options.secrets ?? []), ...Object.values(options.headers ?? {})];
  const fail = (why: string, retryable: boolean) =>
    new DeliveryError(redactSecrets(`POST ${options.target}: ${why}`, [], secrets), { retryable });
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'release-health', ...options.headers },
      body: payload,
      redirect: 'manual',
      signal: options.signal,
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (options.signal.aborted || e.name === 'TimeoutError' || e.name === 'AbortError')
      throw fail(`timed out after ${options.timeoutMs} ms`, true);
    const cause = e.cause?.code ?? e.cause?.message;
    throw fail(`${e.message}${cause ? ` (${cause})` : ''}`, true);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    // the body timed out or broke off: the status stands, the text is not needed for it
    text = '';
  }
  if (response.status < 200 || response.status > 299)
    throw fail(`HTTP ${response.status}`, response.status >= 500 || RETRYABLE_STATUS.has(response.status));
  return { status: response.status, text, bytes: Buffer.byteLength(payload) };
}

/** Where deliveries are recorded: a `Store` is one. */
export type DeliveryLedger = Pick<Store, 'recordAction' | 'updateAction' | 'appendAudit'>;

export interface DeliverOptions {
  ledger: DeliveryLedger;
  policy: Required<DeliveryPolicy>;
  /** epoch ms for records (default Date.now) */
  clock?: () => number;
  /** waits between attempts (default setTimeout) */
  sleep?: (ms: number) => Promise<void>;
  /** in [0, 1) (default Math.random), for the jitter */
  random?: () => number;
  logger?: Logger;
  /** stored as the action record's payload (what to find it by on a replay; no secret) */
  payload?: unknown;
}

export interface DeliveryOutcome {
  /** the action record's id; undefined when the ledger could not record it */
  id: number | undefined;
  state: Exclude<ActionState, 'pending'>;
  attempts: number;
  /** the last attempt's error, redacted */
  lastError?: string;
  /** the successful attempt's result */
  result?: unknown;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers `action` for `context`: attempts until one succeeds, a failure is not retryable, or the
 * policy's attempts are spent. Records the action (`recordAction`), every attempt (`updateAction`,
 * which keeps the attempt history) and an audit entry `action.run` per attempt. Never throws: a
 * ledger that fails is logged and the delivery goes on (a rollback signal matters more than its
 * record), and the outcome says what happened.
 */
export async function deliver(
  action: Action,
  context: ActionContext,
  options: DeliverOptions,
): Promise<DeliveryOutcome> {
  const { ledger, policy } = options;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const logger = options.logger ?? silentLogger;
  const { verdict } = context;
  const releaseId = verdict.releaseId;
  const where = { releaseId, kind: action.kind, target: action.target, decision: verdict.decision };
  const bookkeeping = async <T>(what: string, step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (error) {
      logger.error({ ...where, err: redactSecrets(String(error)) }, `delivery record failed (${what})`);
      return undefined;
    }
  };
  const created = clock();
  const record: ActionRecord = {
    releaseId,
    kind: action.kind,
    decision: verdict.decision,
    target: action.target,
    state: 'pending',
    attempts: 0,
    createdAt: created,
    updatedAt: created,
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
  };
  const id = await bookkeeping('recordAction', () => ledger.recordAction(record));
  const timeoutMs = action.timeoutMs ?? policy.timeoutMs;
  let last: DeliveryOutcome = { id, state: 'failed', attempts: 0 };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let result: unknown;
    let error: string | undefined;
    let retryable = true;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      result = await action.run(context, { signal, timeoutMs });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      error = redactSecrets(
        signal.aborted && !(err instanceof DeliveryError) ? `timed out after ${timeoutMs} ms` : message,
      );
      retryable = !(err instanceof DeliveryError) || err.retryable;
    }
    const state: ActionState =
      error === undefined ? 'succeeded' : attempt === policy.attempts || !retryable ? 'failed' : 'pending';
    const at = clock();
    if (id !== undefined)
      await bookkeeping('updateAction', () =>
        ledger.updateAction(id, {
          state,
          attempts: attempt,
          updatedAt: at,
          ...(error !== undefined ? { lastError: error } : {}),
        }),
      );
    const detail: Record<string, unknown> = {
      actionId: id ?? null,
      kind: action.kind,
      target: action.target,
      decision: verdict.decision,
      verdictAt: verdict.at,
      phase: context.phase,
      attempt,
      state,
    };
    if (error !== undefined) detail.error = error;
    if (result !== undefined) detail.result = result;
    await bookkeeping('appendAudit', () =>
      ledger.appendAudit({ at, actor: 'system', action: 'action.run', releaseId, detail }),
    );
    last = { id, state: state === 'succeeded' ? 'succeeded' : 'failed', attempts: attempt };
    if (state === 'succeeded') {
      logger.info({ ...where, attempt }, 'delivered');
      return { ...last, ...(result !== undefined ? { result } : {}) };
    }
    if (state === 'failed') {
      logger.error(
        { ...where, attempt, error },
        retryable ? 'delivery failed; attempts exhausted' : 'delivery refused; not retried',
      );
      return { ...last, lastError: error };
    }
    const wait = backoffDelay(attempt, policy, options.random);
    logger.warn({ ...where, attempt, error, retryInMs: wait }, 'delivery attempt failed; retrying');
    await sleep(wait);
  }
  return last;
}
