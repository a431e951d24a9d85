/**
 * The verdict the gate reports for a release: the engine's latest (or a placeholder before the
 * first), passed through governance (`applyGovernance`). Used by the verdict endpoint (through
 * the cache), the Flagger webhooks and `/metrics`, so the three can never disagree.
 */
import {
  applyGovernance,
  resolvePolicy,
  WARMING_UP_REASON,
  type GovernanceConfig,
  type Verdict,
} from '../analyzer/index.ts';
import type { ReleaseRecord, Store } from '../store/index.ts';

/** First words of the reason a release gets before the engine's first look (the engine's own, analyzer/engine). */
export { WARMING_UP_REASON };

const MINUTE = 60_000;

/**
 * Before the engine's first look lands (the pipeline takes one right after registration, off the
 * request; a gate without a pipeline in its process waits for the analysis role's): `continue`, score 0, "warming up" with the minutes of the
 * observation window left. A release is judged from the moment it is registered: being new is
 * not a reason to stop a rollout (`inconclusive` pauses Argo Rollouts for a human, and every
 * rollout would pause at its start), and `continue` never promotes — promotion needs the engine's
 * own `promote`. Answered with 200, not 404: Argo would count a 404 as an Error.
 * `observeMs`: the release's observation window (its class overlaid with its spec's policy).
 */
export function placeholderVerdict(record: ReleaseRecord, now: number, observeMs?: number): Verdict {
  const observedFor = Math.max(0, now - record.release.startedAt);
  const window =
    observeMs === undefined
      ? 'no look taken yet'
      : `no look taken yet; ${Math.max(0, Math.ceil((observeMs - observedFor) / MINUTE))} of ${Math.round(observeMs / MINUTE)} min of the observation window left`;
  const verdict: Verdict = {
    releaseId: record.release.id,
    at: now,
    decision: 'continue',
    score: 0,
    metrics: [],
    reasons: [`${WARMING_UP_REASON}: ${window}`],
    policy: { class: record.release.class, observedFor },
  };
  if (record.frozen) verdict.policy.frozen = record.frozen;
  return verdict;
}

/** Distinct approvers recorded for a release (audit `release.approve`), the registrant excluded. */
export async function countApprovals(store: Store, record: ReleaseRecord): Promise<number> {
  const entries = await store.listAudit({ releaseId: record.release.id, limit: 1000 });
  const approvers = new Set(
    entries.filter((e) => e.action === 'release.approve' && e.actor !== record.registeredBy).map((e) => e.actor),
  );
  return approvers.size;
}

/** Everything governance needs besides the clock; what the verdict cache keeps per release. */
export interface VerdictInputs {
  record: ReleaseRecord;
  /** the engine's latest verdict; undefined before the first */
  engine?: Verdict;
  checkpoints: readonly { backupId: string; takenAt: number }[];
  approvals: number;
}

/** Reads what `governed` needs; checkpoints and approvals only for classes that use them. */
export async function loadVerdictInputs(
  store: Store,
  governance: GovernanceConfig,
  record: ReleaseRecord,
  latest?: Verdict,
): Promise<VerdictInputs> {
  const def = governance.classes[record.release.class];
  const [engine, checkpoints, approvals] = await Promise.all([
    latest ?? store.latestVerdict(record.release.id),
    def?.requiresBackup ? store.listCheckpoints(record.release.id) : [],
    def && def.approvalsRequired > 0 ? countApprovals(store, record) : 0,
  ]);
  return engine ? { record, engine, checkpoints, approvals } : { record, checkpoints, approvals };
}

/**
 * The governed verdict from its inputs (pure).
 *
 * Two closed statuses answer `inconclusive` whatever the release's last judgement was:
 *  - `superseded`: nothing judges it any more and it was never promoted, so it must not pass a
 *    promotion step (Argo's final step succeeds only on `promote`) nor fail a guard (a `rollback`
 *    would abort the rollout, now the newer release's); `inconclusive` pauses for a human, as
 *    Flagger's hooks hold (409) for it. The first reason names the newer release, the second the
 *    last judgement withheld.
 *  - `quarantined`: its analysis failed; its last verdict is already `inconclusive` ("analysis
 *    stopped: …"), and this holds even when that verdict could not be stored.
 */
export function governed(governance: GovernanceConfig, inputs: VerdictInputs, now: number): Verdict {
  const verdict = governedByClass(governance, inputs, now);
  const { record } = inputs;
  if (record.status === 'superseded') {
    const withheld =
      verdict.decision === 'inconclusive' ? [] : [`its last judgement (${verdict.decision}) no longer applies`];
    return {
      ...verdict,
      decision: 'inconclusive',
      reasons: [
        `superseded by ${record.supersededBy ?? 'a newer release'}: no longer judged`,
        ...withheld,
        ...verdict.reasons,
      ],
    };
  }
  if (record.status === 'quarantined' && verdict.decision !== 'inconclusive')
    return {
      ...verdict,
      decision: 'inconclusive',
      reasons: ['quarantined: its analysis failed; a human decides', ...verdict.reasons],
    };
  return verdict;
}

function governedByClass(governance: GovernanceConfig, inputs: VerdictInputs, now: number): Verdict {
  const { record } = inputs;
  const def = governance.classes[record.release.class];
  const engine = inputs.engine ?? placeholderVerdict(record, now, def && observeMsOf(governance, record));
  if (!def) {
    // the policy file changed after registration: report nothing a controller would act on
    return {
      ...engine,
      decision: 'inconclusive',
      reasons: [`release class "${record.release.class}" is no longer configured`, ...engine.reasons],
    };
  }
  const context = {
    releaseClass: def,
    startedAt: record.release.startedAt,
    checkpoints: inputs.checkpoints,
    approvals: inputs.approvals,
    ...(record.frozen ? { frozen: record.frozen } : {}),
  };
  return applyGovernance(engine, context);
}

export async function governedVerdict(
  store: Store,
  governance: GovernanceConfig,
  record: ReleaseRecord,
  now: number,
  latest?: Verdict,
): Promise<Verdict> {
  return governed(governance, await loadVerdictInputs(store, governance, record, latest), now);
}

/** The release's observation window: its class (from the governance file) overlaid with its spec's policy. */
function observeMsOf(governance: GovernanceConfig, record: ReleaseRecord): number | undefined {
  try {
    return resolvePolicy(record.release.class, record.spec.policy, governance.classes).observeMs;
  } catch {
    return undefined; // a policy the engine refuses: the engine says so; the placeholder only omits the minutes
  }
}
