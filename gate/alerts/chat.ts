/**
 * Chat webhook sink: a Slack-compatible incoming-webhook message (`{text, blocks}`; Mattermost,
 * Rocket.Chat and Google Chat's Slack-compatible endpoints read the same `text`) each time a
 * release's decision changes. `text` is the plain fallback shown in notifications; `blocks` the
 * formatted message with links to the verdict and the dashboard.
 *
 * The webhook URL is a secret (Slack puts the token in the path): it is never logged or recorded
 * whole — records show its origin and first path segment, errors mask it. Delivery is the gate's
 * one path (gate/actions/delivery.ts), run in a `background` action sink as the Alertmanager
 * action is: the pipeline does not wait, the verdict is unaffected.
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { ReleaseRecord } from '../../store/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { postJson } from '../actions/delivery.ts';
import type { Action, ActionAttempt, ActionContext } from '../actions/types.ts';
import { dashboardUrl, verdictUrl, type LinkOptions } from './links.ts';

export interface ChatActionOptions extends LinkOptions {
  /** the incoming-webhook URL (a secret) */
  webhookUrl: string;
  /** decisions worth a message when reached (default: all but continue) */
  decisions?: readonly Decision[];
  /** per attempt (default: the delivery policy's, 5 s) */
  timeoutMs?: number;
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

export function createChatAction(options: ChatActionOptions): Action {
  const { webhookUrl } = options;
  const url = new URL(webhookUrl);
  const target = recordedTarget(url, { path: 'first-segment' });
  return {
    kind: 'chat',
    target,
    on: new Set(options.decisions ?? ['promote', 'reduce-traffic', 'rollback', 'inconclusive']),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async run({ verdict, previous, record }: ActionContext, attempt: ActionAttempt) {
      const message = chatMessage(verdict, previous, record, options);
      const answer = await postJson(url, message, { ...attempt, target, secrets: [webhookUrl, url.pathname] });
      return { status: answer.status, text: message.text };
    },
  };
}
