/**
 * A small seeded release history for the scorecard tests (pure, page and real-browser), stated
 * once: four releases in a two-week period, one before it and one at its exclusive end. The
 * figures each test expects are worked out by hand in compute.test.ts.
 *
 * Period: 2026-02-22T00:00Z → 2026-03-08T00:00Z (14 days = 2 weeks; February's part is 1 week).
 */
import type { Decision, MetricSpec, MetricVerdict, Release, Verdict } from '../../../analyzer/index.ts';
import type { ActionRecord, AuditEntry, Store } from '../../../store/index.ts';
import type { ScorecardInput, ScorecardReleaseRecord } from '../types.ts';

export const MIN = 60_000;
export const FROM = Date.UTC(2026, 1, 22);
export const TO = Date.UTC(2026, 2, 8);

const ORDERS: MetricSpec = {
  name: 'orders_confirmed_total',
  group: 'business',
  kind: 'count',
  harm: 'decrease',
  tolerance: 0.1,
  critical: true,
};
const CREATED: MetricSpec = {
  name: 'orders_created_total',
  group: 'business',
  kind: 'count',
  harm: 'decrease',
  tolerance: 0.1,
};
const LATENCY: MetricSpec = {
  name: 'checkout_latency_seconds',
  group: 'ingress',
  kind: 'latency',
  harm: 'increase',
  tolerance: 0.05,
};

function release(id: string, startedAt: number, extra: Partial<Release>): Release {
  return {
    id,
    service: 'odoo-web',
    version: '17.0.43',
    environment: 'prod',
    strategy: 'canary',
    class: 'standard',
    startedAt,
    ...extra,
  };
}

function record(r: Release, metrics: MetricSpec[]): ScorecardReleaseRecord {
  return {
    release: r,
    spec: { release: r, metrics, policy: {} },
    status: 'completed',
    registeredAt: r.startedAt - MIN,
    registeredBy: 'ci',
  };
}

function mv(
  metric: string,
  classification: MetricVerdict['classification'],
  high: number,
  n: [number, number],
): MetricVerdict {
  return {
    metric,
    classification,
    effect: { relative: high * 1.5, low: high * 2, high },
    evidence: 250,
    method: 'rate-ratio-mixture',
    n: { baseline: n[0], canary: n[1] },
    reason: `${metric} ${classification}`,
  };
}

function verdict(r: Release, minutes: number, decision: Decision, metrics: MetricVerdict[] = []): Verdict {
  return {
    releaseId: r.id,
    at: r.startedAt + minutes * MIN,
    decision,
    score: decision === 'promote' ? 100 : decision === 'continue' ? 90 : 40,
    metrics,
    reasons: [decision],
    policy: { class: r.class, observedFor: minutes * MIN },
  };
}

function action(
  r: Release,
  kind: string,
  createdMin: number,
  updatedMin: number,
  state: ActionRecord['state'],
  attempts = 1,
): ActionRecord {
  return {
    releaseId: r.id,
    kind,
    decision: 'rollback',
    target: `https://hooks.example/${kind}`,
    state,
    attempts,
    createdAt: r.startedAt + createdMin * MIN,
    updatedAt: r.startedAt + updatedMin * MIN,
  };
}

// A: standard canary at 25%, orders drop; rolled back at 20 min; onset recorded at 10 min.
const A = release('rel-a', Date.UTC(2026, 1, 23, 10), { tenantTier: 'tier-1', canaryWeight: 0.25 });
// B: emergency fix at 50% during a freeze; traffic reduced at 5 min (latency), then promoted.
// B and C give their commit times: lead times 40 + 20 = 60 min and 6 h + 60 min = 420 min.
const B = release('rel-b', Date.UTC(2026, 1, 25, 9), {
  tenantTier: 'tier-1',
  canaryWeight: 0.5,
  class: 'emergency-fix',
  version: '17.0.43-hotfix1',
  commitAt: Date.UTC(2026, 1, 25, 9) - 40 * MIN,
});
// C: staging, no tier, healthy.
const C = release('rel-c', Date.UTC(2026, 2, 2, 12), { environment: 'staging', commitAt: Date.UTC(2026, 2, 2, 6) });
// D: schema change, before-after (all traffic), two order metrics fail; rolled back at 30 min.
const D = release('rel-d', Date.UTC(2026, 2, 4, 8), {
  service: 'odoo-worker',
  tenantTier: 'tier-2',
  class: 'schema-change',
  strategy: 'before-after',
});
// E: before the period; F: starts exactly at its exclusive end. Both must not count.
const E = release('rel-e', Date.UTC(2026, 1, 20, 8), { tenantTier: 'tier-1', canaryWeight: 0.1 });
const F = release('rel-f', TO, {});

/** The history as plain data (what `loadScorecard` would read from a store). */
export function seededHistory(): ScorecardInput {
  const releases: ScorecardReleaseRecord[] = [
    { ...record(A, [ORDERS, LATENCY]), onsetAt: A.startedAt + 10 * MIN },
    record(B, [LATENCY]),
    record(C, [ORDERS]),
    record(D, [ORDERS, CREATED]),
    record(E, [ORDERS]),
    record(F, [ORDERS]),
  ];
  const verdicts: Record<string, Verdict[]> = {
    // the judge's two fields: ORDERS is declared critical and failed (a critical failure); LATENCY is neither
    [A.id]: [
      verdict(A, 10, 'continue'),
      verdict(A, 20, 'rollback', [
        {
          ...mv(ORDERS.name, 'low', -0.2, [3000, 1000]),
          declaredCritical: true,
          criticalFailure: true,
          critical: true,
        },
        { ...mv(LATENCY.name, 'pass', 0.01, [500, 160]), declaredCritical: false, criticalFailure: false },
      ]),
    ],
    [B.id]: [
      verdict(B, 5, 'reduce-traffic', [mv(LATENCY.name, 'high', 0.3, [400, 400])]),
      verdict(B, 20, 'promote', [mv(LATENCY.name, 'pass', 0.01, [900, 800])]),
    ],
    [C.id]: [verdict(C, 30, 'continue'), verdict(C, 60, 'promote')],
    [D.id]: [
      verdict(D, 30, 'rollback', [
        mv(ORDERS.name, 'low', -0.1, [600, 300]),
        mv(CREATED.name, 'low', -0.05, [900, 300]),
      ]),
    ],
    [E.id]: [verdict(E, 10, 'rollback', [mv(ORDERS.name, 'low', -0.5, [100, 100])])],
    [F.id]: [verdict(F, 10, 'rollback')],
  };
  const actions: ActionRecord[] = [
    action(A, 'grafana-annotation', 20, 20.1, 'succeeded'), // a notification restores nothing
    action(A, 'traefik', 20.05, 21, 'succeeded'),
    action(D, 'webhook', 30, 34, 'succeeded', 2), // failed once at 31 min, retried, succeeded at 34
    action(E, 'traefik', 10, 11, 'succeeded'),
  ];
  const audit: AuditEntry[] = [
    {
      at: A.startedAt + 60 * MIN,
      actor: 'sre-anna',
      action: 'regression.onset',
      releaseId: A.id,
      detail: { onsetAt: A.startedAt + 10 * MIN },
    },
    {
      at: B.startedAt - MIN,
      actor: 'release-bot',
      action: 'freeze.override',
      releaseId: B.id,
      detail: { freeze: 'inventory-count' },
    },
    {
      at: Date.UTC(2026, 2, 5, 14),
      actor: 'ops-lead',
      action: 'freeze.override',
      detail: { freeze: 'inventory-count', note: 'manual deploy' },
    },
    { at: E.startedAt, actor: 'release-bot', action: 'freeze.override', releaseId: E.id },
  ];
  return { from: FROM, to: TO, releases, verdicts, actions, audit };
}

/** Writes the same history through the Store seam (actions' retries as updates, as the gate does). */
export async function seedStore(store: Store): Promise<void> {
  const h = seededHistory();
  for (const r of h.releases) {
    const { onsetAt, ...record } = r;
    void onsetAt; // recorded as an audit entry below, as in production
    await store.createRelease(record, {
      at: r.registeredAt,
      actor: 'ci',
      action: 'release.register',
      releaseId: r.release.id,
    });
    for (const v of h.verdicts[r.release.id] ?? []) await store.appendVerdict(v);
  }
  for (const a of h.actions) {
    if (a.attempts > 1) {
      const id = await store.recordAction({
        ...a,
        state: 'failed',
        attempts: 1,
        updatedAt: a.updatedAt - 3 * MIN,
        lastError: 'HTTP 503',
      });
      await store.updateAction(id, { state: a.state, attempts: a.attempts, updatedAt: a.updatedAt });
    } else await store.recordAction(a);
  }
  for (const e of h.audit) await store.appendAudit(e);
}
