/**
 * Signed webhook: POSTs `{release, verdict, previous, sentAt}` as JSON, signed with a shared secret
 * (see `signature.ts`). The secret lives only in this closure: it is never logged, recorded, or
 * part of an error message.
 */
import type { Decision } from '../../analyzer/index.ts';
import { DECISIONS } from '../../pipeline/index.ts';
import { SIGNATURE_HEADER, sign, TIMESTAMP_HEADER } from './signature.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { DeliveryError, postJson } from './delivery.ts';
import type { Action, ActionAttempt, ActionContext } from './types.ts';

export interface WebhookActionOptions {
  url: string;
  secret: string;
  /** per attempt (default: the delivery policy's, 5 s) */
  timeoutMs?: number;
  on?: readonly Decision[];
  /** the URL itself is a secret (a token in its path, as chat webhooks have): record only its origin */
  urlIsSecret?: boolean;
  /** epoch ms for `sentAt` (default Date.now) */
  clock?: () => number;
}

export function createWebhookAction(options: WebhookActionOptions): Action {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DeliveryError(`webhook URL must be http(s), got ${url.protocol}`, { retryable: false });
  if (!options.secret) throw new DeliveryError('webhook secret is empty', { retryable: false });
  const { secret } = options;
  const clock = options.clock ?? Date.now;
  const target = recordedTarget(url, { path: options.urlIsSecret ? 'hidden' : 'full' });
  const secrets = [secret, options.urlIsSecret ? options.url : undefined, url.search.slice(1)];

  return {
    kind: 'webhook',
    target,
    on: new Set(options.on ?? DECISIONS),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async run({ verdict, previous, record }: ActionContext, attempt: ActionAttempt) {
      const sentAt = clock();
      const body = JSON.stringify({ release: record.release, verdict, previous: previous?.decision ?? null, sentAt });
      // sent as signed, byte for byte; the response body is not trusted into records
      const answer = await postJson(url, body, {
        ...attempt,
        target,
        secrets,
        headers: { [SIGNATURE_HEADER]: sign(body, secret), [TIMESTAMP_HEADER]: String(sentAt) },
      });
      return { status: answer.status, bytes: answer.bytes };
    },
  };
}
