/**
 * The quarter before the demo's day: 13 weeks of releases written into the store the gate
 * reads, so that the scorecard's weekly trends and DORA keys have something to say. Seeded and
 * deterministic (the same history every run). What it models, in the proportions of a mid-size
 * retail estate on Odoo:
 *  - services `odoo` (tenant waves by tier), `odoo-web` (Traefik canaries at 10–25%),
 *    `odoo-worker` (queue jobs) and `pos-sync`; release classes standard, schema-change,
 *    infra-patch and emergency-fix (an emergency fix often follows a rollback within hours);
 *  - a team getting better over the quarter: more releases a week, fewer of them failing, faster
 *    lead times; schema changes fail more often than the rest;
 *  - a failed release is rolled back (or its traffic cut) some minutes after its regression's
 *    onset, which is recorded for most of them (audit `regression.onset`, as a post-incident
 *    review or the simulator would); the restoring action (Traefik weights or the rollout
 *    webhook) succeeds a few minutes later, sometimes on its second attempt;
 *  - healthy releases are promoted at the end of their class's observation window.
 * Verdicts carry effects with intervals consistent with their classification, so each release's
 * page reads like a real one. None of this is judged here: it is history, written as the gate
 * would have written it.
 */
import type { Decision, MetricSpec, MetricVerdict, Release, Verdict } from '../../analyzer/index.ts';
import { resolvePolicy } from '../../analyzer/index.ts';
import { createRng, type Rng } from '../../simulator/index.ts';
import type { Store } from '../../store/index.ts';
import { GOOD_SPEC, MINUTE, TENANTS, WAVE_SPEC } from './story.ts';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const HISTORY_WEEKS = 13;

/**
 * The story's own specs for the two services it judges live, as a recorded release keeps them:
 * without the live run's sample options (histogram buckets, the headline's failWhen), so the
 * quarter before and the demo's day describe the same metrics from one source.
 */
const recorded = (metrics: readonly MetricSpec[]): MetricSpec[] =>
  metrics.map(({ histogram: _histogram, buckets: _buckets, failWhen: _failWhen, ...metric }) => metric);

const METRICS: Record<string, MetricSpec[]> = {
  'odoo-web': recorded(GOOD_SPEC.metrics),
  odoo: recorded(WAVE_SPEC.metrics),
  'odoo-worker': [
    {
      name: 'queue_job_latency_seconds',
      group: 'business',
      kind: 'latency',
      harm: 'increase',
      tolerance: 0.3,
      critical: true,
    },
    {
      name: 'queue_job_failures_total',
      group: 'business',
      kind: 'count',
      harm: 'increase',
      tolerance: 0.2,
      critical: true,
    },
  ],
  'pos-sync': [
    {
      name: 'pos_orders_synced_total',
      group: 'business',
      kind: 'count',
      harm: 'decrease',
      tolerance: 0.1,
      critical: true,
    },
    { name: 'sync_latency_seconds', group: 'business', kind: 'latency', harm: 'increase', tolerance: 0.3 },
  ],
};
const SERVICES = Object.keys(METRICS);

interface Planned {
  release: Release;
  metrics: MetricSpec[];
  fails: boolean;
  cut: boolean;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

/** An interval around `relative` of half-width `half`, as a judge would report it. */
function metricVerdict(
  spec: MetricSpec,
  classification: MetricVerdict['classification'],
  relative: number,
  half: number,
  n: { baseline: number; canary: number },
): MetricVerdict {
  const effect = { relative: round(relative), low: round(Math.max(-1, relative - half)), high: round(relative + half) };
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
  const evidence =
    classification === 'pass'
      ? 0.4
      : classification === 'high' || classification === 'low'
        ? 400 + Math.round(relative * relative * 5000)
        : 3;
  const what =
    classification === 'pass'
      ? `within tolerance ${pct(spec.harm === 'decrease' ? -(spec.tolerance ?? 0) : (spec.tolerance ?? 0))}`
      : classification === 'undecided'
        ? 'not yet conclusive'
        : `beyond tolerance ${pct(spec.harm === 'decrease' ? -(spec.tolerance ?? 0) : (spec.tolerance ?? 0))}`;
  return {
    metric: spec.name,
    classification,
    declaredCritical: spec.critical === true,
    criticalFailure: spec.critical === true && (classification === 'high' || classification === 'low'),
    critical: spec.critical === true && (classification === 'high' || classification === 'low'),
    effect,
    evidence,
    method: spec.kind === 'latency' ? 'latency-shift-e-process' : 'rate-ratio-mixture',
    n,
    reason: `${pct(effect.relative)} [${pct(effect.low)}, ${pct(effect.high)}], evidence ${evidence.toPrecision(3)} (needs 100): ${what}`,
  };
}

function plan(rng: Rng, from: number): Planned[] {
  const out: Planned[] = [];
  let counter = 0;
  // weeks counted from the Monday 00:00 UTC on or before `from`, so day 0..4 is Monday..Friday and
  // the hours are the hours of the day whatever time of day the story starts
  const midnight = from - (from % DAY);
  const monday = midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * DAY;
  for (let week = 0; week < HISTORY_WEEKS; week++) {
    const progress = week / (HISTORY_WEEKS - 1);
    const count = 6 + Math.round(progress * 5) + rng.poisson(2);
    for (let k = 0; k < count; k++) {
      // weekdays, working hours (UTC), never on the weekend
      const day = Math.floor(rng.next() * 5);
      const startedAt =
        monday +
        week * 7 * DAY +
        day * DAY +
        (7 + Math.floor(rng.next() * 9)) * HOUR +
        Math.floor(rng.next() * 60) * MINUTE;
      const service = SERVICES[Math.floor(rng.next() * rng.next() * SERVICES.length)];
      const u = rng.next();
      const cls = u < 0.1 ? 'schema-change' : u < 0.18 ? 'infra-patch' : 'standard';
      const failP = cls === 'schema-change' ? 0.3 : 0.2 - 0.12 * progress;
      const fails = rng.next() < failP;
      const tenant = service === 'odoo' ? TENANTS[Math.floor(rng.next() * TENANTS.length)] : undefined;
      // builds of the 17.0.5 line; the demo's day then ships 17.0.6 and 17.0.7
      const build = ++counter;
      const id = `${service}-17.0.5.${build}`;
      // lead time: median about 30 h early in the quarter, about 8 h at its end
      const leadHours = Math.exp(Math.log(30 - 22 * progress) + 0.6 * rng.normal());
      const release: Release = {
        id,
        service,
        version: `17.0.5.${build}`,
        baselineVersion: `17.0.5.${build - 1}`,
        environment: rng.next() < 0.85 ? 'production' : 'staging',
        strategy: 'canary',
        class: cls,
        startedAt,
        commitAt: startedAt - Math.round(leadHours * HOUR),
        ...(tenant
          ? { tenant: tenant.name, tenantTier: tenant.tier }
          : { canaryWeight: rng.next() < 0.5 ? 0.1 : 0.25 }),
      };
      out.push({ release, metrics: METRICS[service], fails, cut: fails && rng.next() < 0.2 });
      // an emergency fix follows most rollbacks, within a few hours, and nearly always holds
      if (fails && rng.next() < 0.6) {
        const fixAt = startedAt + Math.round((1 + rng.next() * 4) * HOUR);
        out.push({
          release: {
            ...release,
            id: `${id}-fix`,
            version: `${release.version}-hotfix1`,
            class: 'emergency-fix',
            startedAt: fixAt,
            commitAt: fixAt - Math.round((0.3 + rng.next()) * HOUR),
          },
          metrics: METRICS[service],
          fails: rng.next() < 0.05,
          cut: false,
        });
      }
    }
  }
  return out.sort((a, b) => a.release.startedAt - b.release.startedAt);
}

/** Writes the history into the store; returns how many releases it holds. Ends before `until`. */
export async function seedHistory(store: Store, until: number, seed = 2026): Promise<number> {
  const rng = createRng(seed, 'demo/history');
  const from = until - HISTORY_WEEKS * 7 * DAY;
  const planned = plan(rng, from).filter((p) => p.release.startedAt >= from && p.release.startedAt + 3 * HOUR < until);
  for (const p of planned) {
    const r = p.release;
    const window = resolvePolicy(r.class, {}).observeMs;
    const spec = { release: r, metrics: p.metrics, policy: {} };
    await store.createRelease(
      { release: r, spec, status: 'active', registeredAt: r.startedAt - MINUTE, registeredBy: 'ci-pipeline' },
      {
        at: r.startedAt - MINUTE,
        actor: 'ci-pipeline',
        action: 'release.register',
        releaseId: r.id,
        detail: { history: 'demo' },
      },
    );
    const perMinute = 40 + Math.floor(rng.next() * 80);
    const share = r.canaryWeight ?? 0.5;
    const n = (minutes: number) => ({
      baseline: Math.round(perMinute * minutes * (1 - share)),
      canary: Math.round(perMinute * minutes * share),
    });
    const look = (
      minute: number,
      decision: Decision,
      score: number,
      metrics: MetricVerdict[],
      reasons: string[],
    ): Verdict => ({
      releaseId: r.id,
      at: r.startedAt + minute * MINUTE,
      decision,
      score,
      metrics,
      reasons,
      policy: { class: r.class, observedFor: minute * MINUTE },
    });
    const calm = (minutes: number, classification: 'pass' | 'undecided') =>
      p.metrics.map((m) =>
        metricVerdict(
          m,
          classification,
          (rng.next() - 0.5) * 0.04,
          classification === 'pass' ? (m.tolerance ?? 0.1) * 0.6 : (m.tolerance ?? 0.1) * 2,
          n(minutes),
        ),
      );
    const verdicts: Verdict[] = [look(1, 'continue', 0, [], ['too few observations yet'])];
    // a few of the looks (one a minute in the real thing): enough for the timeline, cheap to write
    for (const minute of [5, Math.round(window / MINUTE / 2)])
      verdicts.push(look(minute, 'continue', 70, calm(minute, 'undecided'), ['not yet conclusive']));

    if (p.fails) {
      const onsetMinute = 1 + Math.floor(rng.next() * 6);
      const stopMinute = onsetMinute + 3 + Math.floor(rng.next() * 9);
      const bad = p.metrics[Math.floor(rng.next() * p.metrics.length)];
      const size = (bad.tolerance ?? 0.1) * (2 + rng.next() * 3);
      const relative = bad.harm === 'decrease' ? -Math.min(0.8, size) : size;
      const half = Math.abs(relative) * 0.45;
      const classification = bad.harm === 'decrease' ? 'low' : 'high';
      const metrics = p.metrics.map((m) =>
        m === bad
          ? metricVerdict(m, classification, relative, half, n(stopMinute))
          : metricVerdict(m, 'undecided', (rng.next() - 0.5) * 0.05, (m.tolerance ?? 0.1) * 1.5, n(stopMinute)),
      );
      const decision: Decision = p.cut ? 'reduce-traffic' : 'rollback';
      // the looks after the stop never happened
      while (verdicts.length && verdicts[verdicts.length - 1].at >= r.startedAt + stopMinute * MINUTE) verdicts.pop();
      verdicts.push(
        look(stopMinute, decision, 40, metrics, [
          `critical failure in ${bad.name}`,
          metrics.find((m) => m.metric === bad.name)!.reason,
        ]),
      );
      if (rng.next() < 0.75)
        await store.appendAudit({
          at: r.startedAt + onsetMinute * MINUTE + MINUTE,
          actor: 'post-incident-review',
          action: 'regression.onset',
          releaseId: r.id,
          detail: { onsetAt: r.startedAt + onsetMinute * MINUTE },
        });
      for (const v of verdicts) await store.appendVerdict(v);
      const at = r.startedAt + stopMinute * MINUTE;
      const kind = r.canaryWeight !== undefined ? 'traefik' : 'webhook';
      const attempts = rng.next() < 0.15 ? 2 : 1;
      const restoreMs =
        Math.round((0.5 + rng.next() * (kind === 'traefik' ? 1.5 : 6)) * MINUTE) + (attempts - 1) * 2 * MINUTE;
      await store.recordAction({
        releaseId: r.id,
        kind,
        decision,
        target: kind === 'traefik' ? '/etc/traefik/dynamic/odoo.yaml' : 'https://argo.example.internal/rollouts/abort',
        state: 'succeeded',
        attempts,
        createdAt: at,
        updatedAt: at + restoreMs,
      });
      await store.closeRelease(r.id, 'aborted', at + restoreMs, {
        at: at + restoreMs,
        actor: 'argo-rollouts',
        action: 'release.abort',
        releaseId: r.id,
      });
    } else {
      verdicts.push(
        look(window / MINUTE, 'promote', 100, calm(window / MINUTE, 'pass'), ['every metric is within its tolerance']),
      );
      for (const v of verdicts) await store.appendVerdict(v);
      const at = r.startedAt + window;
      await store.closeRelease(r.id, 'completed', at + MINUTE, {
        at: at + MINUTE,
        actor: 'argo-rollouts',
        action: 'release.complete',
        releaseId: r.id,
      });
    }
  }
  return planned.length;
}
