/**
 * Scorecard records: what leadership reads after releases. Times are epoch
 * milliseconds; durations are milliseconds; rates are fractions (0.25 = 25%).
 */
import type { Decision, Verdict } from '../../analyzer/index.ts';
import type { ActionRecord, AuditEntry, ReleaseRecord } from '../../store/index.ts';

/** The four ways releases are grouped. */
export type Dimension = 'environment' | 'service' | 'tenantTier' | 'releaseClass';
export const DIMENSIONS: readonly Dimension[] = ['environment', 'service', 'tenantTier', 'releaseClass'];
export const DIMENSION_LABELS: Record<Dimension, string> = {
  environment: 'Environment',
  service: 'Service',
  tenantTier: 'Tenant tier',
  releaseClass: 'Release class',
};
/** Group key of releases without a tenant tier. */
export const NO_TIER = '(none)';

/**
 * A release as the scorecard reads it. `onsetAt` is when the regression began, when someone or
 * something recorded it (a post-incident review, the simulator that injected it); the store keeps
 * it as an audit entry `regression.onset` with `detail.onsetAt`, which `loadScorecard` copies here.
 */
export type ScorecardReleaseRecord = ReleaseRecord & { onsetAt?: number };

/** Everything the pure computation needs; `loadScorecard` reads it from a Store. */
export interface ScorecardInput {
  /** the period [from, to), ms; a release belongs to it by `release.startedAt` */
  from: number;
  to: number;
  releases: ScorecardReleaseRecord[];
  /** verdict history per release id, any order */
  verdicts: Record<string, Verdict[]>;
  actions: ActionRecord[];
  audit: AuditEntry[];
}

/** What happened to one release. */
export interface ReleaseOutcome {
  id: string;
  service: string;
  environment: string;
  tenantTier: string;
  releaseClass: string;
  startedAt: number;
  /** latest decision (verdict history, else the record's) */
  decision?: Decision;
  /** a verdict said rollback or reduce-traffic: a change failure */
  failed: boolean;
  rolledBack: boolean;
  /** `at` of the first rollback / reduce-traffic verdict */
  stoppedAt?: number;
  /** regression onset used for time to verdict (recorded onset, else the release's start) */
  onsetAt: number;
  timeToVerdictMs?: number;
  /** when the first restoring action for the rollback succeeded */
  restoredAt?: number;
  timeToRestoreMs?: number;
  /** `at` of the first promote verdict */
  promotedAt?: number;
  /** the change's commit time, when the registration gave one (`release.commitAt`) */
  commitAt?: number;
  /** DORA lead time for changes: commit → promoted (needs both) */
  leadTimeMs?: number;
  ordersProtected: number;
  checkoutMinutesProtected: number;
  freezeOverrides: number;
  emergencyFix: boolean;
}

/** The figures of a set of releases over a span of time. */
export interface ScorecardFigures {
  releases: number;
  /** releases rolled back or with traffic reduced */
  failed: number;
  /** failed / releases; null without releases */
  changeFailureRate: number | null;
  rolledBack: number;
  /** rolled back releases per week (rollback frequency); null over less than a week (no extrapolation) */
  rollbacksPerWeek: number | null;
  /** DORA deployment frequency: releases per week; null over less than a week */
  deploymentsPerWeek: number | null;
  /** median over failed releases of onset → first stopping verdict; null without one */
  medianTimeToVerdictMs: number | null;
  /** median over restored releases of rollback verdict → restoring action succeeded (DORA time to restore) */
  medianTimeToRestoreMs: number | null;
  /** median over promoted releases with a commit time of commit → promote (DORA lead time for changes) */
  medianLeadTimeMs: number | null;
  ordersProtected: number;
  checkoutMinutesProtected: number;
  /** audit entries `freeze.override` */
  freezeOverrides: number;
  emergencyFixes: number;
}

export interface GroupRow extends ScorecardFigures {
  key: string;
}

export interface MonthRow extends ScorecardFigures {
  /** UTC month, `YYYY-MM` */
  month: string;
}

/** Seven whole days of the period, counted from its start (the weekly trend). */
export interface WeekRow extends ScorecardFigures {
  /** the week's [start, end) */
  start: number;
  end: number;
}

export interface Scorecard {
  from: number;
  to: number;
  overall: ScorecardFigures;
  groups: Record<Dimension, GroupRow[]>;
  months: MonthRow[];
  /** whole weeks from `from`; a remainder shorter than a week is left out of the trend (and said in warnings) */
  weeks: WeekRow[];
  releases: ReleaseOutcome[];
  /** things that made a figure less certain (unknown release class, truncated audit, …) */
  warnings: string[];
}
