/**
 * Signed webhook: POSTs `{release, verdict, previous, sentAt}` as JSON, signed with a shared secret
 * (see `signature.ts`). The secret lives only in this closure: it is never logged, recorded, or
 * part of an error message.
 */
import type { Decision } from '../../analyzer/index.ts';
import { SIGNATURE_HEADER, sign, TIMESTAMP_HEADER } from './signature.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { ActionError, ALL_DECISIONS, redact, type Action, type ActionContext } from './types.ts';

export interface WebhookActionOptions {
  url: string;
  secret: string;
  /** per attempt (default 5 s) */
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
    throw new ActionError(`webhook URL must be http(s), got ${url.protocol}`);
  if (!options.secret) throw new ActionError('webhook secret is empty');
  const { secret } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const clock = options.clock ?? Date.now;
  const target = recordedTarget(url, { path: options.urlIsSecret ? 'hidden' : 'full' });
  const hide = (message: string) =>
    redact(message, [secret, options.urlIsSecret ? options.url : undefined, url.search.slice(1)]);

  return {
    kind: 'webhook',
    target,
    on: new Set(options.on ?? ALL_DECISIONS),
    async run({ verdict, previous, record }: ActionContext) {
      const sentAt = clock();
      const body = JSON.stringify({ release: record.release, verdict, previous: previous?.decision ?? null, sentAt });
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'release-health',
            [SIGNATURE_HEADER]: sign(body, secret),
            [TIMESTAMP_HEADER]: String(sentAt),
          },
          body,
          // a signed delivery is not re-sent to wherever a redirect points
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const e = err as Error;
        const why =
          e.name === 'TimeoutError'
            ? `timed out after ${timeoutMs} ms`
            : `${e.message}${e.cause ? ` (${String((e.cause as Error).message ?? e.cause)})` : ''}`;
        throw new ActionError(hide(`POST ${target}: ${why}`));
      }
      // drain the body so the connection is released; its content is not trusted into records
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299)
        throw new ActionError(hide(`POST ${target}: HTTP ${response.status}`));
      return { status: response.status, bytes: Buffer.byteLength(body) };
    },
  };
}
