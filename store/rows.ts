/**
 * Database rows → store records. Column lists live beside the mappers so a SELECT and the code
 * reading it cannot drift apart.
 */
import type { AnalysisSpec, Decision, Release, Verdict } from '../analyzer/index.ts';
import { compact, fromJson, toNumber, toOptionalNumber } from './codec.ts';
import type { Row } from './sql.ts';
import type {
  ActionAttempt,
  ActionRecord,
  ActionState,
  AuditEntry,
  BackupCheckpoint,
  CheckpointProgress,
  EngineCheckpoint,
  ReleaseRecord,
  ReleaseStatus,
} from './types.ts';

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export const RELEASE_COLUMNS =
  'release, spec, spec_name, status, registered_at, registered_by, closed_at, superseded_by, justification, frozen, decision, decided_at';

export function toReleaseRecord(r: Row): ReleaseRecord {
  return compact<ReleaseRecord>({
    release: fromJson(r.release) as Release,
    spec: fromJson(r.spec) as AnalysisSpec,
    specName: str(r.spec_name),
    status: r.status as ReleaseStatus,
    registeredAt: toNumber(r.registered_at),
    registeredBy: String(r.registered_by),
    closedAt: toOptionalNumber(r.closed_at),
    supersededBy: str(r.superseded_by),
    justification: str(r.justification),
    frozen: str(r.frozen),
    decision: str(r.decision) as Decision | undefined,
    decidedAt: toOptionalNumber(r.decided_at),
  });
}

export const toVerdict = (r: Row): Verdict => fromJson(r.verdict) as Verdict;

export const CHECKPOINT_COLUMNS = 'release_id, backup_id, taken_at, source, recorded_at, recorded_by';

export function toBackupCheckpoint(r: Row): BackupCheckpoint {
  return {
    releaseId: String(r.release_id),
    backupId: String(r.backup_id),
    takenAt: toNumber(r.taken_at),
    source: String(r.source),
    recordedAt: toNumber(r.recorded_at),
    recordedBy: String(r.recorded_by),
  };
}

export const ACTION_COLUMNS =
  'id, release_id, kind, decision, target, state, attempts, created_at, updated_at, last_error, payload';

export function toActionRecord(r: Row): ActionRecord {
  return compact<ActionRecord>({
    id: toNumber(r.id),
    releaseId: String(r.release_id),
    kind: String(r.kind),
    decision: r.decision as Decision,
    target: String(r.target),
    state: r.state as ActionState,
    attempts: toNumber(r.attempts),
    createdAt: toNumber(r.created_at),
    updatedAt: toNumber(r.updated_at),
    lastError: str(r.last_error),
    payload: r.payload === null ? undefined : fromJson(r.payload),
  });
}

export const ATTEMPT_COLUMNS = 'action_id, attempt, state, at, error';

export function toActionAttempt(r: Row): ActionAttempt {
  return compact<ActionAttempt>({
    actionId: toNumber(r.action_id),
    attempt: toNumber(r.attempt),
    state: r.state as ActionState,
    at: toNumber(r.at),
    error: str(r.error),
  });
}

export const AUDIT_COLUMNS = 'id, at, actor, action, release_id, detail';

export function toAuditEntry(r: Row): AuditEntry {
  return compact<AuditEntry>({
    id: toNumber(r.id),
    at: toNumber(r.at),
    actor: String(r.actor),
    action: String(r.action),
    releaseId: str(r.release_id),
    detail: r.detail === null ? undefined : fromJson(r.detail),
  });
}

export const ENGINE_CHECKPOINT_COLUMNS = 'release_id, snapshot, offsets, saved_at, progress';

export function toEngineCheckpoint(r: Row): EngineCheckpoint {
  const progress = r.progress === null || r.progress === undefined ? undefined : fromJson(r.progress);
  return {
    releaseId: String(r.release_id),
    snapshot: fromJson(r.snapshot),
    offsets: fromJson(r.offsets) as Record<string, string>,
    savedAt: toNumber(r.saved_at),
    ...(progress === undefined ? {} : { progress: progress as CheckpointProgress }),
  };
}
