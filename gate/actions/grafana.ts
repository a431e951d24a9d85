/**
 * Grafana annotation (HTTP API `POST /api/annotations`, Grafana docs "Annotations HTTP API"):
 * `{time, tags, text}` (plus `dashboardUID` when configured; without it the annotation is an
 * organisation-wide one that dashboards show through an annotation query on its tags),
 * authenticated with a service-account token or API key as a bearer token.
 */
import type { Decision } from '../../analyzer/index.ts';
import { DECISIONS } from '../../pipeline/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { DeliveryError, postJson } from './delivery.ts';
import type { Action, ActionAttempt, ActionContext } from './types.ts';

export interface GrafanaActionOptions {
  /** Grafana's base URL, e.g. http://grafana:3000 (a sub-path is kept) */
  url: string;
  apiKey: string;
  dashboardUid?: string;
  /** added to release-health's own tags */
  tags?: readonly string[];
  /** per attempt (default: the delivery policy's, 5 s) */
  timeoutMs?: number;
  on?: readonly Decision[];
}

export function createGrafanaAction(options: GrafanaActionOptions): Action {
  const base = new URL(options.url);
  const endpoint = new URL(`${base.pathname.replace(/\/$/, '')}/api/annotations`, base);
  if (!options.apiKey) throw new DeliveryError('grafana API key is empty', { retryable: false });
  const { apiKey } = options;
  const target = recordedTarget(endpoint);

  return {
    kind: 'grafana-annotation',
    target,
    on: new Set(options.on ?? DECISIONS),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async run({ verdict, previous, record }: ActionContext, attempt: ActionAttempt) {
      const r = record.release;
      const tags = [
        'release-health',
        `decision:${verdict.decision}`,
        `service:${r.service}`,
        `environment:${r.environment}`,
        `release:${r.id}`,
        ...(options.tags ?? []),
      ];
      const text = `${r.service} ${r.version}: ${previous?.decision ?? 'start'} → ${verdict.decision} (score ${verdict.score})${verdict.reasons[0] ? ` — ${verdict.reasons[0]}` : ''}`;
      const payload: Record<string, unknown> = { time: verdict.at, tags, text };
      if (options.dashboardUid) payload.dashboardUID = options.dashboardUid;
      const answer = await postJson(endpoint, payload, {
        ...attempt,
        target,
        headers: { authorization: `Bearer ${apiKey}` },
      });
      let id: unknown;
      try {
        id = (JSON.parse(answer.text) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      // only the number: the rest of Grafana's answer is not copied into the audit trail
      return { status: answer.status, annotationId: typeof id === 'number' ? id : null, tags };
    },
  };
}
