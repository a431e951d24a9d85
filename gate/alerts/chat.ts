/**
 * Chat webhook sink: a Slack-compatible incoming-webhook message (`{text, blocks}`; Mattermost,
 * Rocket.Chat and Google Chat's Slack-compatible endpoints read the same `text`) each time a
 * release's decision changes. `text` is the plain fallback shown in notifications; `blocks` the
 * formatted message with links to the verdict and the dashboard.
 *
 * The webhook URL is a secret (Slack puts the token in the path): it is never logged or recorded
 * whole — records show it redacted. Delivery, retries and recording work as in the
 * Alertmanager sink: in the background, outcome to `record`, the verdict unaffected.
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { VerdictSink } from '../../pipeline/types.ts';
import type { ActionRecord, ReleaseRecord } from '../../store/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { postJson, type DeliverDeps, type DeliveryRetryOptions } from './deliver.ts';
import { dashboardUrl, verdictUrl, type LinkOptions } from './links.ts';

export interface ChatSinkOptions extends LinkOptions {
  /** the incoming-webhook URL (a secret) */
  webhookUrl: string;
  /** decisions worth a message when reached (default: all but continue) */
  decisions?: Decision[];
  retry?: DeliveryRetryOptions;
  record?: (action: ActionRecord) => void | Promise<void>;
  clock?: () => number;
}

export interface ChatMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const ICON: Record<Decision, string> = {
  rollback: ':rotating_light:',
  'reduce-traffic': ':warning:',
  inconclusive: ':grey_question:',
  promote: ':white_check_mark:',
  continue: ':arrow_forward:',
};

/** Slack mrkdwn escapes (&, <, >), so a reason cannot inject a link or a mention. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The message for a decision change (pure; exported for tests and previews). */
export function chatMessage(
  verdict: Verdict,
  previous: Verdict | undefined,
  record: ReleaseRecord,
  links: LinkOptions,
): ChatMessage {
  const r = record.release;
  const from = previous ? ` (was ${previous.decision})` : '';
  const text = `${ICON[verdict.decision]} release ${r.id} of ${r.service} ${r.version} in ${r.environment}: ${verdict.decision}${from}, score ${Math.round(verdict.score)}`;
  const linkParts = [`<${verdictUrl(links, r.id)}|verdict>`];
  const dashboard = dashboardUrl(links, r.id);
  if (dashboard) linkParts.push(`<${dashboard}|dashboard>`);
  const blocks: Record<string, unknown>[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${ICON[verdict.decision]} *${esc(r.service)} ${esc(r.version)}* in *${esc(r.environment)}*: *${verdict.decision}*${esc(from)}`,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Release*\n${esc(r.id)}` },
        { type: 'mrkdwn', text: `*Score*\n${Math.round(verdict.score)}` },
        { type: 'mrkdwn', text: `*Class*\n${esc(r.class)}` },
        { type: 'mrkdwn', text: `*Tenant tier*\n${esc(r.tenantTier ?? 'all')}` },
      ],
    },
  ];
  if (verdict.reasons.length > 0) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: verdict.reasons
          .slice(0, 5)
          .map((x) => `• ${esc(x)}`)
          .join('\n')
          .slice(0, 2900),
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: linkParts.join(' · ') }] });
  return { text, blocks };
}

export class ChatWebhookSink implements VerdictSink {
  readonly name = 'chat';
  private queue: Promise<void> = Promise.resolve();
  private readonly clock: () => number;

  constructor(
    private readonly options: ChatSinkOptions,
    private readonly deps: DeliverDeps = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async onVerdict(verdict: Verdict, previous: Verdict | undefined, record: ReleaseRecord): Promise<void> {
    if (previous?.decision === verdict.decision) return;
    const wanted = this.options.decisions ?? ['promote', 'reduce-traffic', 'rollback', 'inconclusive'];
    if (!wanted.includes(verdict.decision)) return;
    const message = chatMessage(verdict, previous, record, this.options);
    this.queue = this.queue.then(() => this.deliver(verdict, message));
  }

  async drain(): Promise<void> {
    await this.queue;
  }

  private async deliver(verdict: Verdict, message: ChatMessage): Promise<void> {
    const createdAt = this.clock();
    const result = await postJson(this.options.webhookUrl, message, {
      ...this.options.retry,
      ...this.deps,
      secrets: [this.options.webhookUrl],
    });
    const action: ActionRecord = {
      releaseId: verdict.releaseId,
      kind: 'chat',
      decision: verdict.decision,
      target: recordedTarget(this.options.webhookUrl, { path: 'first-segment' }),
      state: result.ok ? 'succeeded' : 'failed',
      attempts: result.attempts,
      createdAt,
      updatedAt: this.clock(),
      payload: message,
      ...(result.error
        ? {
            lastError: result.error
              .split(this.options.webhookUrl)
              .join(recordedTarget(this.options.webhookUrl, { path: 'first-segment' })),
          }
        : {}),
    };
    try {
      await this.options.record?.(action);
    } catch {
      // best effort, as in the Alertmanager sink
    }
  }
}
