/**
 * Alertmanager sink: posts release alerts to Alertmanager's v2 API (`POST /api/v2/alerts`, a
 * JSON array of `{labels, annotations, startsAt, endsAt?, generatorURL?}`) so teams route them
 * with the labels they already use: alertname, release_id, service, environment, tenant_tier,
 * release_class, decision (+ severity).
 *
 * Life of an alert, per release:
 *  - the decision becomes rollback or reduce-traffic → post it (`startsAt` = that verdict's time);
 *  - while it stays, re-post every `resendMs`: Alertmanager resolves an alert it has not heard
 *    of for `resolve_timeout` (5 min by default), exactly as Prometheus re-sends firing alerts;
 *  - the decision changes (recovered, promoted, or from rollback to reduce-traffic — a different
 *    alert, its `decision` label differs) or the release completes → post the old one again with
 *    `endsAt`, which resolves it.
 *
 * Deliveries run in the background, one after another (onVerdict returns at once: the pipeline
 * never waits for Alertmanager), each retried with backoff; every outcome goes to `record` as an
 * ActionRecord (kind 'alertmanager'). An Alertmanager that is down costs a recorded failure and
 * the next re-send tries again; the verdict is never affected.
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { VerdictSink } from '../../pipeline/types.ts';
import type { ActionRecord, ReleaseRecord } from '../../store/index.ts';
import { recordedTarget } from '../../collector/observe/redact.ts';
import { postJson, type DeliverDeps, type DeliveryRetryOptions } from './deliver.ts';
import { dashboardUrl, verdictUrl, type LinkOptions } from './links.ts';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerSinkOptions extends LinkOptions {
  /** Alertmanager base URL, e.g. http://alertmanager:9093 */
  url: string;
  /** decisions that fire an alert (default rollback, reduce-traffic) */
  decisions?: Decision[];
  /** re-post a firing alert at most this often (default 60 s; keep it under resolve_timeout) */
  resendMs?: number;
  /** severity label per decision (default rollback critical, others warning) */
  severity?: Partial<Record<Decision, string>>;
  retry?: DeliveryRetryOptions;
  /** receives every delivery outcome (e.g. `(a) => store.recordAction(a)`); its errors are swallowed */
  record?: (action: ActionRecord) => void | Promise<void>;
  /** epoch ms (default Date.now) */
  clock?: () => number;
}

interface Firing {
  alert: AlertmanagerAlert;
  decision: Decision;
  lastSent: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AlertmanagerSink implements VerdictSink {
  readonly name = 'alertmanager';
  private readonly firing = new Map<string, Firing>();
  private queue: Promise<void> = Promise.resolve();
  private readonly endpoint: string;
  private readonly clock: () => number;

  constructor(
    private readonly options: AlertmanagerSinkOptions,
    private readonly deps: DeliverDeps = {},
  ) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/v2/alerts`;
    this.clock = options.clock ?? Date.now;
  }

  async onVerdict(verdict: Verdict, _previous: Verdict | undefined, record: ReleaseRecord): Promise<void> {
    const id = verdict.releaseId;
    const current = this.firing.get(id);
    const alerting =
      (this.options.decisions ?? ['rollback', 'reduce-traffic']).includes(verdict.decision) &&
      record.status === 'active';
    if (current && (!alerting || current.decision !== verdict.decision)) {
      this.firing.delete(id);
      this.enqueue(id, current.decision, { ...current.alert, endsAt: iso(verdict.at) });
    }
    if (!alerting) return;
    const still = this.firing.get(id);
    const now = this.clock();
    if (still && now - still.lastSent < (this.options.resendMs ?? 60_000)) return;
    const alert = still?.alert ?? this.alertFor(verdict, record);
    this.firing.set(id, { alert, decision: verdict.decision, lastSent: now });
    this.enqueue(id, verdict.decision, alert);
  }

  /** Resolves the release's alert, if one fires (call on complete/abort); returns once queued. */
  resolve(releaseId: string, at = this.clock()): void {
    const current = this.firing.get(releaseId);
    if (!current) return;
    this.firing.delete(releaseId);
    this.enqueue(releaseId, current.decision, { ...current.alert, endsAt: iso(at) });
  }

  /** Waits for every queued delivery (tests, shutdown). */
  async drain(): Promise<void> {
    await this.queue;
  }

  /** The alert for a verdict: routing labels, links, the verdict's reasons as description. */
  alertFor(verdict: Verdict, record: ReleaseRecord): AlertmanagerAlert {
    const r = record.release;
    const severity =
      this.options.severity?.[verdict.decision] ?? (verdict.decision === 'rollback' ? 'critical' : 'warning');
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
    const verdictLink = verdictUrl(this.options, r.id);
    const annotations: Record<string, string> = {
      summary: `Release ${r.id} of ${r.service} ${r.version} in ${r.environment}: ${verdict.decision} (score ${Math.round(verdict.score)})`,
      description: verdict.reasons.slice(0, 5).join('; ').slice(0, 1000),
      verdict_url: verdictLink,
    };
    const dashboard = dashboardUrl(this.options, r.id);
    if (dashboard) annotations.dashboard_url = dashboard;
    return { labels, annotations, startsAt: iso(verdict.at), generatorURL: verdictLink };
  }

  private enqueue(releaseId: string, decision: Decision, alert: AlertmanagerAlert): void {
    this.queue = this.queue.then(() => this.deliver(releaseId, decision, alert));
  }

  private async deliver(releaseId: string, decision: Decision, alert: AlertmanagerAlert): Promise<void> {
    const createdAt = this.clock();
    const result = await postJson(this.endpoint, [alert], { ...this.options.retry, ...this.deps });
    const action: ActionRecord = {
      releaseId,
      kind: 'alertmanager',
      decision,
      target: recordedTarget(this.endpoint),
      state: result.ok ? 'succeeded' : 'failed',
      attempts: result.attempts,
      createdAt,
      updatedAt: this.clock(),
      payload: alert,
      ...(result.error ? { lastError: result.error } : {}),
    };
    if (!result.ok) {
      // a resolve that never arrived: Alertmanager ends the alert itself after resolve_timeout;
      // a firing alert is re-sent at the next verdict after resendMs
      const f = this.firing.get(releaseId);
      if (f && !alert.endsAt) f.lastSent = 0;
    }
    try {
      await this.options.record?.(action);
    } catch {
      // recording is best effort: a store hiccup must not break alert delivery
    }
  }
}
