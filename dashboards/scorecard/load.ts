/**
 * Reads a period's history through the Store seam and computes its scorecard.
 *
 * Releases belong to the period by `release.startedAt`, but the store filters by `registeredAt`:
 * registration precedes the start (by minutes, normally), so releases registered up to a day
 * before the period are read too and `computeScorecard` keeps those that started in it.
 * Per release: its verdicts, actions and audit entries (freeze overrides, recorded onsets). One
 * query per release and table — fine for a scorecard's hundreds of releases a quarter.
 */
import type { Verdict } from '../../analyzer/index.ts';
import type { ActionRecord, AuditEntry, ReleaseRecord, Store } from '../../store/index.ts';
import { computeScorecard, REGRESSION_ONSET } from './compute.ts';
import type { Scorecard, ScorecardReleaseRecord } from './types.ts';

const DAY_MS = 24 * 3600_000;
const PAGE = 1000;
/** the store's cap on one audit listing (AuditFilter.limit) */
const AUDIT_CAP = 1000;

export interface ScorecardPeriod {
  from: number;
  to: number;
}

async function allReleases(store: Store, from: number, to: number): Promise<ReleaseRecord[]> {
  const out: ReleaseRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listReleases({ from, to, limit: PAGE, offset });
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/** The latest `regression.onset` recorded for a release, if any (`detail.onsetAt`, epoch ms). */
export function recordedOnset(audit: readonly AuditEntry[]): number | undefined {
  let onset: number | undefined;
  for (const a of audit) {
    if (a.action !== REGRESSION_ONSET) continue;
    const v = (a.detail as { onsetAt?: unknown } | undefined)?.onsetAt;
    if (typeof v === 'number' && Number.isFinite(v)) onset = v;
  }
  return onset;
}

export async function loadScorecard(store: Store, period: ScorecardPeriod): Promise<Scorecard> {
  const { from, to } = period;
  const records = await allReleases(store, from - DAY_MS, to);
  const releases: ScorecardReleaseRecord[] = [];
  const verdicts: Record<string, Verdict[]> = {};
  const actions: ActionRecord[] = [];
  const audit: AuditEntry[] = [];
  const warnings: string[] = [];
  for (const record of records) {
    if (record.release.startedAt < from || record.release.startedAt >= to) continue;
    const id = record.release.id;
    const [v, a, au] = await Promise.all([
      store.listVerdicts(id),
      store.listActions({ releaseId: id, limit: 10_000 }),
      store.listAudit({ releaseId: id, limit: AUDIT_CAP }),
    ]);
    if (au.length >= AUDIT_CAP) warnings.push(`release ${id}: audit history capped at ${AUDIT_CAP} entries`);
    const onsetAt = recordedOnset(au);
    releases.push(onsetAt === undefined ? record : { ...record, onsetAt });
    verdicts[id] = v;
    actions.push(...a);
    audit.push(...au);
  }
  // freeze overrides recorded without a release (a rejected registration, a manual deploy)
  const periodAudit = await store.listAudit({ from, to, limit: AUDIT_CAP });
  if (periodAudit.length >= AUDIT_CAP)
    warnings.push(`period audit capped at ${AUDIT_CAP} entries: overrides without a release may be missing`);
  audit.push(...periodAudit.filter((a) => a.releaseId === undefined));

  const card = computeScorecard({ from, to, releases, verdicts, actions, audit });
  card.warnings.push(...warnings);
  return card;
}
