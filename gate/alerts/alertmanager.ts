/**
 * Alertmanager action: posts release alerts to Alertmanager's v2 API (`POST /api/v2/alerts`, a
 * JSON array of `{labels, annotations, startsAt, endsAt?, generatorURL?}`) so teams route them
 * with the labels they already use: alertname, release_id, service, environment, tenant_tier,
 * release_class, decision (+ severity).
 *
 * Life of an alert, per release (the runner, gate/actions/runner.ts, decides the phase):
 *  - enter: the decision becomes rollback or reduce-traffic → post it (`startsAt` = that verdict's time);
 *  - repeat: while it stays, re-post every `resendMs`: Alertmanager resolves an alert it has not
 *    heard of for `resolve_timeout` (5 min by default), exactly as Prometheus re-sends firing alerts;
 *  - leave: the decision changes (recovered, promoted, or from rollback to reduce-traffic — a
 *    different alert, its `decision` label differs) or the release closes → post the old alert
 *    again with `endsAt`, which resolves it.
 *
 * Delivery is the gate's one path (gate/actions/delivery.ts: timeout, retries with jitter,
 * redaction, records as kind 'alertmanager'); run it in a `background` action sink so the
 * pipeline never waits for Alertmanager. One that is down costs a recorded failure, and the next
 * verdict tries again (a failed delivery is not counted as sent); the verdict is never affected.
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { ReleaseRecord } from '../../store/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { postJson } from '../actions/delivery.ts';
import type { Action, ActionAttempt, ActionContext } from '../actions/types.ts';
import { dashboardUrl, verdictUrl, type LinkOptions } from './links.ts';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerActionOptions extends LinkOptions {
  /** Alertmanager base URL, e.g. http://alertmanager:9093 */
  url: string;
  /** decisions that fire an alert (default rollback, reduce-traffic) */
  decisions?: readonly Decision[];
  /** re-post a firing alert at most this often (default 60 s; keep it under resolve_timeout) */
  resendMs?: number;
  /** severity label per decision (default rollback critical, others warning) */
  severity?: Partial<Record<Decision, string>>;
  /** per attempt (default: the delivery policy's, 5 s) */
  timeoutMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The alert for a verdict: routing labels, links, the verdict's reasons as description. */
export function alertFor(
  verdict: Verdict,
  record: ReleaseRecord,
  options: Pick<AlertmanagerActionOptions, 'severity'> & LinkOptions,
): AlertmanagerAlert {
  const r = record.release;
  const severity = options.severity?.[verdict.decision] ?? (verdict.decision === 'rollback' ? 'critical' : 'warning');
  const labels: Record<string, string> = {
    alertname: 'ReleaseHealthVerdict',
    release_id: r.id,
    service: r.service,
    environment: r.environment,
    tenant_tier: r.tenantTier ?? 'all',
    release_class: r.class,
    decision: verdict.decision,
    severity,
  };
  const verdictLink = verdictUrl(options, r.id);
  const annotations: Record<string, string> = {
    summary: `Release ${r.id} of ${r.service} ${r.version} in ${r.environment}: ${verdict.decision} (score ${Math.round(verdict.score)})`,
    description: verdict.reasons.slice(0, 5).join('; ').slice(0, 1000),
    verdict_url: verdictLink,
  };
  const dashboard = dashboardUrl(options, r.id);
  if (dashboard) annotations.dashboard_url = dashboard;
  return { labels, annotations, startsAt: iso(verdict.at), generatorURL: verdictLink };
}

export function createAlertmanagerAction(options: AlertmanagerActionOptions): Action {
  const endpoint = `${options.url.replace(/\/+$/, '')}/api/v2/alerts`;
  const target = recordedTarget(endpoint);
  /** the alert each release fires, so a re-send or a resolve carries the first `startsAt` */
  const firing = new Map<string, AlertmanagerAlert>();
  return {
    kind: 'alertmanager',
    target,
    on: new Set(options.decisions ?? ['rollback', 'reduce-traffic']),
    repeatEveryMs: options.resendMs ?? 60_000,
    resolvesOnLeave: true,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    async run({ verdict, previous, record, phase }: ActionContext, attempt: ActionAttempt) {
      const id = verdict.releaseId;
      let alert: AlertmanagerAlert;
      if (phase === 'leave') {
        // a retry of this resolve rebuilds the alert from `previous`: same labels, same fingerprint
        const held = firing.get(id) ?? alertFor(previous ?? verdict, record, options);
        firing.delete(id);
        alert = { ...held, endsAt: iso(verdict.at) };
      } else {
        const held = firing.get(id);
        alert = held?.labels.decision === verdict.decision ? held : alertFor(verdict, record, options);
      }
      const answer = await postJson(endpoint, [alert], { ...attempt, target });
      // kept once delivered; a resolve that never arrives is ended by Alertmanager itself after
      // resolve_timeout, since the alert is no longer re-sent
      if (phase !== 'leave') firing.set(id, alert);
      return {
        status: answer.status,
        alert: { labels: alert.labels, startsAt: alert.startsAt, endsAt: alert.endsAt ?? null },
      };
    },
  };
}
