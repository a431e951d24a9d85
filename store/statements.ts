/**
 * The statements of sqlStore.ts that are more than one line of SQL, and the parameter helpers they
 * share. Each runs unchanged on PostgreSQL and PGlite.
 */
import { toJsonText } from './codec.ts';
import { StoreError, type AuditEntry, type CheckpointProgress } from './types.ts';

export const INSERT_AUDIT = `INSERT INTO audit_log (at, actor, action, release_id, detail) VALUES ($1, $2, $3, $4, $5::text::jsonb)`;

// One statement, so the verdict, its metric rows and the release's latest decision are written
// together or not at all; the conflict clause makes a replayed verdict a no-op. The latest decision
// only moves forward in time, so an out-of-order replay cannot regress it.
export const APPEND_VERDICT = `
WITH v AS (
  INSERT INTO verdicts (release_id, at, decision, score, verdict)
  VALUES ($1, $2, $3, $4::text::float8, $5::text::jsonb)
  ON CONFLICT (release_id, at) DO NOTHING
  RETURNING id
), m AS (
  INSERT INTO metric_results (verdict_id, ordinal, release_id, at, metric, classification, effect_relative,
                              effect_low, effect_high, evidence, method, n_baseline, n_canary, critical)
  SELECT v.id, x.ordinal, $1, $2, x.metric, x.classification, x.relative, x.low, x.high, x.evidence, x.method,
         x.n_baseline, x.n_canary, coalesce(x.critical, false)
  FROM v, jsonb_to_recordset($6::text::jsonb) AS x(ordinal int, metric text, classification text, relative float8,
       low float8, high float8, evidence float8, method text, n_baseline float8, n_canary float8, critical boolean)
), u AS (
  UPDATE releases SET decision = $3, decided_at = $2
  WHERE id = $1 AND EXISTS (SELECT 1 FROM v) AND (decided_at IS NULL OR decided_at <= $2)
), l AS (
  INSERT INTO integrity_ledger (release_id, verdicts) SELECT $1, 1 FROM v
  ON CONFLICT (release_id) DO UPDATE SET verdicts = integrity_ledger.verdicts + 1
)
SELECT count(*)::int AS inserted FROM v`;

export const RECORD_ACTION = `
WITH a AS (
  INSERT INTO actions (release_id, kind, decision, target, state, attempts, created_at, updated_at, last_error, payload)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb)
  RETURNING id, attempts, state, updated_at, last_error
), t AS (
  INSERT INTO action_attempts (action_id, attempt, state, at, error)
  SELECT id, attempts, state, updated_at, last_error FROM a WHERE attempts > 0
)
SELECT id FROM a`;

export const UPDATE_ACTION = `
WITH a AS (
  UPDATE actions SET state = $2, attempts = $3, updated_at = $4, last_error = coalesce($5, last_error)
  WHERE id = $1 RETURNING id
), t AS (
  INSERT INTO action_attempts (action_id, attempt, state, at, error) SELECT id, $3, $2, $4, $5 FROM a
)
SELECT count(*)::int AS updated FROM a`;

export const CLOSED_STATUSES: readonly string[] = ['completed', 'aborted', 'superseded', 'quarantined'];
export const ACTION_STATES: readonly string[] = ['pending', 'succeeded', 'failed'];

/** A limit within [1, max], `fallback` when unset; a non-integer or negative limit is refused. */
export function limitOf(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 0) throw new StoreError(`limit must be a non-negative integer, got ${limit}`);
  return Math.min(limit, max);
}

export function offsetOf(offset: number | undefined): number {
  if (offset === undefined) return 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new StoreError(`offset must be a non-negative integer, got ${offset}`);
  return offset;
}

export function auditParams(entry: AuditEntry, releaseId?: string): unknown[] {
  return [entry.at, entry.actor, entry.action, entry.releaseId ?? releaseId ?? null, toJsonText(entry.detail)];
}

/** An id for an error message: quoted, and cut short (ids may be kilobytes long). */
export function shown(id: string): string {
  return JSON.stringify(id.length > 120 ? `${id.slice(0, 120)}…` : id);
}

// SAVE_UNLESS_BEHIND. An engine checkpoint replaces the stored one unless it is behind it: every
// mark of the new one is present in the stored one and at least as high there, and either the
// stored one has a higher mark (or one the new lacks), or the marks are the same and the stored
// clock is further. Data comes first: an instance that woke from a pause and advanced its clock
// over the data it lacks is still behind. Marks compare as numbers; a checkpoint without progress
// (NULL) neither fences nor is fenced. The integrity ledger records that the release has a
// checkpoint either way (a refused save leaves one). Returns one row when saved, none when refused.
export const SAVE_UNLESS_BEHIND = `
WITH c AS (
  INSERT INTO engine_checkpoints (release_id, snapshot, offsets, saved_at, progress)
  VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4, $5::text::jsonb)
  ON CONFLICT (release_id) DO UPDATE
  SET snapshot = EXCLUDED.snapshot, offsets = EXCLUDED.offsets, saved_at = EXCLUDED.saved_at, progress = EXCLUDED.progress
  WHERE NOT (
    engine_checkpoints.progress IS NOT NULL AND EXCLUDED.progress IS NOT NULL
    AND NOT EXISTS (
      SELECT 1 FROM jsonb_each_text(EXCLUDED.progress->'marks') n
      WHERE coalesce((engine_checkpoints.progress->'marks'->>n.key)::float8 < n.value::float8, true))
    AND ((engine_checkpoints.progress->>'at')::float8 > (EXCLUDED.progress->>'at')::float8
      OR EXISTS (
        SELECT 1 FROM jsonb_each_text(engine_checkpoints.progress->'marks') s
        WHERE coalesce((EXCLUDED.progress->'marks'->>s.key)::float8 < s.value::float8, true)))
  )
  RETURNING 1 AS saved
), l AS (
  INSERT INTO integrity_ledger (release_id, checkpoint) VALUES ($1, true)
  ON CONFLICT (release_id) DO UPDATE SET checkpoint = true WHERE NOT integrity_ledger.checkpoint
)
SELECT saved FROM c`;

/** a checkpoint's progress as the text of SAVE_UNLESS_BEHIND's parameter: finite numbers only, or the save is refused whole */
export function progressParam(progress: CheckpointProgress | undefined): string | null {
  if (progress === undefined) return null;
  const { marks, at } = progress;
  if (!Number.isFinite(at)) throw new StoreError(`checkpoint progress: at must be a finite number, got ${String(at)}`);
  if (marks === null || typeof marks !== 'object')
    throw new StoreError('checkpoint progress: marks must be an object of producer → sequence');
  for (const [producer, sequence] of Object.entries(marks)) {
    if (!Number.isFinite(sequence))
      throw new StoreError(`checkpoint progress: the mark of ${shown(producer)} must be a finite number`);
  }
  return JSON.stringify({ marks, at });
}
