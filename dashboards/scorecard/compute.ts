/**
 * The scorecard as a pure function of releases, their verdict histories, actions and audit
 * entries over a period (no clock, no I/O: the same history always gives the same figures).
 *
 * Definitions (per release, then aggregated per environment, service, tenant tier, release class,
 * UTC month and overall):
 *  - a release belongs to the period when `release.startedAt` ∈ [from, to);
 *  - change failure: some verdict decided `rollback` or `reduce-traffic` (DORA's change failure
 *    rate counts changes that needed remediation; reducing traffic is one);
 *  - rollback frequency: rolled-back releases per week;
 *  - time to verdict: from the regression's onset to the first stopping verdict. The onset is the
 *    recorded one when there is one (`onsetAt`, from an audit entry `regression.onset`), else the
 *    release's start — the earliest the new version could have hurt, so without a record the
 *    figure is an upper bound (a regression that only appears under the evening peak was not
 *    "undetected" all afternoon);
 *  - time to restore: from the first rollback verdict to the first restoring action for it that
 *    succeeded (`decision` rollback, `state` succeeded, created at or after the verdict; pure
 *    notifications — grafana-annotation, chat, alertmanager — restore nothing);
 *  - deployment frequency: releases per week (period length / 7 days). Per-week rates of a span
 *    shorter than a week are null: twenty minutes with two releases is not "1,008 a week";
 *  - lead time for changes (DORA): from the commit time given at registration (`commitAt`) to the
 *    first promote verdict; releases without either are left out of the median;
 *  - weekly trend: seven-day spans from `from`; a remainder under seven days is left out;
 *  - business impact avoided: see impact.ts;
 *  - freeze violations: audit entries `freeze.override`; emergency fixes: releases of class
 *    `emergency-fix`.
 * Medians of an even count are the mean of the two middle values.
 */
import type { Verdict } from '../../analyzer/index.ts';
import type { ActionRecord, AuditEntry } from '../../store/index.ts';
import { impactAvoided } from './impact.ts';
import { DIMENSIONS, NO_TIER } from './types.ts';
import type {
  Dimension,
  GroupRow,
  MonthRow,
  ReleaseOutcome,
  Scorecard,
  ScorecardFigures,
  ScorecardInput,
  ScorecardReleaseRecord,
  WeekRow,
} from './types.ts';

export const WEEK_MS = 7 * 24 * 3600_000;
const NOTIFY_ONLY = new Set(['grafana-annotation', 'chat', 'alertmanager']);
const STOPPING = new Set(['rollback', 'reduce-traffic']);
export const FREEZE_OVERRIDE = 'freeze.override';
export const REGRESSION_ONSET = 'regression.onset';

export class ScorecardPeriodError extends Error {
  override readonly name = 'ScorecardPeriodError';
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function groupBy<T>(items: readonly T[], key: (x: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** The outcome of one release from its own history. */
export function releaseOutcome(
  record: ScorecardReleaseRecord,
  verdicts: readonly Verdict[],
  actions: readonly ActionRecord[],
  audit: readonly AuditEntry[],
  warnings: string[],
): ReleaseOutcome {
  const r = record.release;
  const history = [...verdicts].sort((a, b) => a.at - b.at);
  const stop = history.find((v) => STOPPING.has(v.decision));
  const rollback = history.find((v) => v.decision === 'rollback');
  const promote = history.find((v) => v.decision === 'promote');
  const onsetAt = record.onsetAt ?? r.startedAt;
  const outcome: ReleaseOutcome = {
    id: r.id,
    service: r.service,
    environment: r.environment,
    tenantTier: r.tenantTier ?? NO_TIER,
    releaseClass: r.class,
    startedAt: r.startedAt,
    decision: history.at(-1)?.decision ?? record.decision,
    failed: stop !== undefined || (record.decision !== undefined && STOPPING.has(record.decision)),
    rolledBack: rollback !== undefined || record.decision === 'rollback',
    onsetAt,
    ordersProtected: 0,
    checkoutMinutesProtected: 0,
    freezeOverrides: audit.filter((a) => a.action === FREEZE_OVERRIDE).length,
    emergencyFix: r.class === 'emergency-fix',
  };
  if (r.commitAt !== undefined) outcome.commitAt = r.commitAt;
  if (promote) {
    outcome.promotedAt = promote.at;
    // a commit time after the promotion is a pipeline's mistake, not a lead time
    if (r.commitAt !== undefined && r.commitAt <= promote.at) outcome.leadTimeMs = promote.at - r.commitAt;
  }
  if (stop) {
    outcome.stoppedAt = stop.at;
    outcome.timeToVerdictMs = Math.max(0, stop.at - onsetAt);
    const impact = impactAvoided(record, stop);
    outcome.ordersProtected = impact.ordersProtected;
    outcome.checkoutMinutesProtected = impact.checkoutMinutesProtected;
    if (impact.warning) warnings.push(impact.warning);
  }
  if (rollback) {
    const restored = actions
      .filter(
        (a) =>
          a.decision === 'rollback' &&
          a.state === 'succeeded' &&
          !NOTIFY_ONLY.has(a.kind) &&
          a.createdAt >= rollback.at,
      )
      .map((a) => a.updatedAt)
      .sort((a, b) => a - b)[0];
    if (restored !== undefined) {
      outcome.restoredAt = restored;
      outcome.timeToRestoreMs = restored - rollback.at;
    }
  }
  return outcome;
}

/** Aggregate figures of some outcomes over `spanMs` of time (for the per-week rates). */
export function figures(
  outcomes: readonly ReleaseOutcome[],
  spanMs: number,
  extraFreezeOverrides = 0,
): ScorecardFigures {
  const weeks = spanMs / WEEK_MS;
  const releases = outcomes.length;
  const failed = outcomes.filter((o) => o.failed).length;
  const rolledBack = outcomes.filter((o) => o.rolledBack).length;
  return {
    releases,
    failed,
    changeFailureRate: releases === 0 ? null : failed / releases,
    rolledBack,
    rollbacksPerWeek: weeks >= 1 ? rolledBack / weeks : null,
    deploymentsPerWeek: weeks >= 1 ? releases / weeks : null,
    medianTimeToVerdictMs: median(
      outcomes.flatMap((o) => (o.timeToVerdictMs === undefined ? [] : [o.timeToVerdictMs])),
    ),
    medianTimeToRestoreMs: median(
      outcomes.flatMap((o) => (o.timeToRestoreMs === undefined ? [] : [o.timeToRestoreMs])),
    ),
    medianLeadTimeMs: median(outcomes.flatMap((o) => (o.leadTimeMs === undefined ? [] : [o.leadTimeMs]))),
    ordersProtected: outcomes.reduce((s, o) => s + o.ordersProtected, 0),
    checkoutMinutesProtected: outcomes.reduce((s, o) => s + o.checkoutMinutesProtected, 0),
    freezeOverrides: outcomes.reduce((s, o) => s + o.freezeOverrides, 0) + extraFreezeOverrides,
    emergencyFixes: outcomes.filter((o) => o.emergencyFix).length,
  };
}

const DIMENSION_KEY: Record<Dimension, (o: ReleaseOutcome) => string> = {
  environment: (o) => o.environment,
  service: (o) => o.service,
  tenantTier: (o) => o.tenantTier,
  releaseClass: (o) => o.releaseClass,
};

/** UTC month `YYYY-MM` of a timestamp, and the month's [start, end). */
export function monthOf(ts: number): { key: string; start: number; end: number } {
  const d = new Date(ts);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { key: new Date(start).toISOString().slice(0, 7), start, end };
}

export function computeScorecard(input: ScorecardInput): Scorecard {
  const { from, to } = input;
  if (!(Number.isFinite(from) && Number.isFinite(to) && from < to))
    throw new ScorecardPeriodError(`period must satisfy from < to (got ${from}, ${to})`);
  const warnings: string[] = [];
  const inPeriod = input.releases.filter((r) => r.release.startedAt >= from && r.release.startedAt < to);
  const ids = new Set(inPeriod.map((r) => r.release.id));
  const actionsBy = groupBy(input.actions, (a) => a.releaseId);
  const auditBy = groupBy(input.audit, (a) => a.releaseId);
  const outcomes = inPeriod
    .map((r) =>
      releaseOutcome(
        r,
        input.verdicts[r.release.id] ?? [],
        actionsBy.get(r.release.id) ?? [],
        auditBy.get(r.release.id) ?? [],
        warnings,
      ),
    )
    .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  // overrides not tied to a release of the period still happened in it
  const looseOverrides = input.audit.filter(
    (a) =>
      a.action === FREEZE_OVERRIDE && a.at >= from && a.at < to && (a.releaseId === undefined || !ids.has(a.releaseId)),
  ).length;

  const span = to - from;
  const groups = {} as Record<Dimension, GroupRow[]>;
  for (const dim of DIMENSIONS) {
    groups[dim] = [...groupBy(outcomes, DIMENSION_KEY[dim]).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, os]) => ({ key, ...figures(os, span) }));
  }

  const months: MonthRow[] = [];
  for (let m = monthOf(from); m.start < to; m = monthOf(m.end)) {
    const start = Math.max(m.start, from);
    const end = Math.min(m.end, to);
    const os = outcomes.filter((o) => o.startedAt >= start && o.startedAt < end);
    months.push({ month: m.key, ...figures(os, end - start) });
  }
  const weeks: WeekRow[] = [];
  for (let start = from; start + WEEK_MS <= to; start += WEEK_MS) {
    const end = start + WEEK_MS;
    weeks.push({
      start,
      end,
      ...figures(
        outcomes.filter((o) => o.startedAt >= start && o.startedAt < end),
        WEEK_MS,
      ),
    });
  }
  const rest = to - (from + weeks.length * WEEK_MS);
  if (rest > 0 && weeks.length > 0)
    warnings.push(
      `the weekly trend covers ${weeks.length} whole weeks; the last ${(rest / 86_400_000).toFixed(1)} days of the period are in the totals only`,
    );
  if (span < WEEK_MS)
    warnings.push('the period is shorter than a week: per-week rates are not given (they would extrapolate)');
  return {
    from,
    to,
    overall: figures(outcomes, span, looseOverrides),
    groups,
    months,
    weeks,
    releases: outcomes,
    warnings,
  };
}
