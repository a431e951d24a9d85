/**
 * Grafana annotation (HTTP API `POST /api/annotations`, Grafana docs "Annotations HTTP API"):
 * `{time, tags, text}` (plus `dashboardUID` when configured; without it the annotation is an
 * organisation-wide one that dashboards show through an annotation query on its tags),
 * authenticated with a service-account token or API key as a bearer token.
 */
import type { Decision } from '../../analyzer/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { ActionError, ALL_DECISIONS, redact, type Action, type ActionContext } from './types.ts';

export interface GrafanaActionOptions {
  /** Grafana's base URL, e.g. http://grafana:3000 (a sub-path is kept) */
  url: string;
  apiKey: string;
  dashboardUid?: string;
  /** added to release-health's own tags */
  tags?: readonly string[];
  timeoutMs?: number;
  on?: readonly Decision[];
}

export function createGrafanaAction(options: GrafanaActionOptions): Action {
  const base = new URL(options.url);
  const endpoint = new URL(`${base.pathname.replace(/\/$/, '')}/api/annotations`, base);
  if (!options.apiKey) throw new ActionError('grafana API key is empty');
  const { apiKey } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const target = recordedTarget(endpoint);

  return {
    kind: 'grafana-annotation',
    target,
    on: new Set(options.on ?? ALL_DECISIONS),
    async run({ verdict, previous, record }: ActionContext) {
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
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const e = err as Error;
        throw new ActionError(
          redact(`POST ${target}: ${e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : e.message}`, [
            apiKey,
          ]),
        );
      }
      const answer = await response.text().catch(() => '');
      if (!response.ok) throw new ActionError(redact(`POST ${target}: HTTP ${response.status}`, [apiKey]));
      let id: unknown;
      try {
        id = (JSON.parse(answer) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      return { status: response.status, annotationId: id, tags };
    },
  };
}
