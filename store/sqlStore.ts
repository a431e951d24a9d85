/**
 * The `Store` over any `Database` (store/sql.ts): the same statements run on PostgreSQL and PGlite.
 * Optional filters use `($n IS NULL OR col = $n)` so each query is one fixed, parameterised string.
 */
import type { Verdict } from '../analyzer/index.ts';
import { floatParam, fromJson, toJsonText, toNumber } from './codec.ts';
import {
  ACTION_COLUMNS,
  ATTEMPT_COLUMNS,
  AUDIT_COLUMNS,
  CHECKPOINT_COLUMNS,
  ENGINE_CHECKPOINT_COLUMNS,
  RELEASE_COLUMNS,
  toActionAttempt,
  toActionRecord,
  toAuditEntry,
  toBackupCheckpoint,
  toEngineCheckpoint,
  toReleaseRecord,
  toVerdict,
} from './rows.ts';
import { migrate, rethrow, type Database } from './sql.ts';
import {
  ACTION_STATES,
  APPEND_VERDICT,
  auditParams,
  CLOSED_STATUSES,
  INSERT_AUDIT,
  limitOf,
  offsetOf,
  progressParam,
  shown,
  RECORD_ACTION,
  SAVE_UNLESS_BEHIND,
  UPDATE_ACTION,
} from './statements.ts';
import { StoreError, StoreNotFoundError } from './types.ts';
import type {
  ActionAttempt,
  ActionRecord,
  ActionState,
  AuditEntry,
  AuditFilter,
  BackupCheckpoint,
  EngineCheckpoint,
  ReleaseFilter,
  ReleaseRecord,
  ReleaseStatus,
  Store,
} from './types.ts';

export class SqlStore implements Store {
  readonly kind: 'postgres' | 'pglite';
  private closed = false;
  private readonly inflight = new Set<Promise<unknown>>();
  /** the database, guarded: refused after close(), and every call tracked so close() can wait for it */
  private readonly db: Database;

  constructor(private readonly database: Database) {
    this.kind = database.kind;
    const track = <T>(run: () => Promise<T>): Promise<T> => {
      if (this.closed) return Promise.reject(new StoreError(`${this.kind} store is closed`));
      const p = run();
      this.inflight.add(p);
      const done = (): void => void this.inflight.delete(p);
      p.then(done, done);
      return p;
    };
    this.db = {
      kind: database.kind,
      query: (text, params) => track(() => database.query(text, params)),
      exec: (text) => track(() => database.exec(text)),
      transaction: (fn) => track(() => database.transaction(fn)),
      close: () => database.close(),
    };
  }

  async migrate(): Promise<void> {
    await migrate(this.db);
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await this.db.query<{ one: number }>('SELECT 1 AS one');
      return Number(rows[0]?.one) === 1;
    } catch {
      return false;
    }
  }

  /** Refuses new calls, waits for those in flight (so an acknowledged write is never cut off), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.database.close();
  }

  async saveSpec(name: string, spec: unknown, actor: string): Promise<void> {
    const at = Date.now();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO specs (name, spec, updated_at, updated_by) VALUES ($1, $2::text::jsonb, $3, $4)
         ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [name, toJsonText(spec), at, actor],
      );
      await tx.query(INSERT_AUDIT, auditParams({ at, actor, action: 'spec.save', detail: { name } }));
    });
  }

  async getSpec(name: string): Promise<unknown | undefined> {
    const { rows } = await this.db.query('SELECT spec FROM specs WHERE name = $1', [name]);
    return rows.length === 0 ? undefined : fromJson(rows[0].spec);
  }

  async listSpecs(): Promise<string[]> {
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM specs ORDER BY name');
    return rows.map((r) => r.name);
  }

  async createRelease(record: ReleaseRecord, audit: AuditEntry): Promise<void> {
    const r = record.release;
    await this.db.transaction(async (tx) => {
      try {
        await tx.query(
          `INSERT INTO releases (id, service, environment, version, tenant, tenant_tier, release_class, strategy, started_at,
             release, spec, spec_name, status, registered_at, registered_by, closed_at, justification, frozen, decision, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb, $11::text::jsonb, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
          [
            r.id,
            r.service,
            r.environment,
            r.version,
            r.tenant ?? null,
            r.tenantTier ?? null,
            r.class,
            r.strategy,
            r.startedAt,
            toJsonText(r),
            toJsonText(record.spec),
            record.specName ?? null,
            record.status,
            record.registeredAt,
            record.registeredBy,
            record.closedAt ?? null,
            record.justification ?? null,
            record.frozen ?? null,
            record.decision ?? null,
            record.decidedAt ?? null,
          ],
        );
      } catch (err) {
        rethrow(
          err,
          `release ${shown(r.id)} is already registered`,
          `release ${shown(r.id)} refers to something missing`,
        );
      }
      await tx.query(INSERT_AUDIT, auditParams(audit, r.id));
    });
  }

  async getRelease(id: string): Promise<ReleaseRecord | undefined> {
    const { rows } = await this.db.query(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = $1`, [id]);
    return rows.length === 0 ? undefined : toReleaseRecord(rows[0]);
  }

  /** newest registration first */
  async listReleases(filter: ReleaseFilter = {}): Promise<ReleaseRecord[]> {
    const { rows } = await this.db.query(
      `SELECT ${RELEASE_COLUMNS} FROM releases
       WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
         AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR tenant_tier = $4)
         AND ($5::text IS NULL OR release_class = $5)
         AND ($6::bigint IS NULL OR registered_at >= $6) AND ($7::bigint IS NULL OR registered_at < $7)
       ORDER BY registered_at DESC, id DESC LIMIT $8 OFFSET $9`,
      [
        filter.service ?? null,
        filter.environment ?? null,
        filter.status ?? null,
        filter.tenantTier ?? null,
        filter.releaseClass ?? null,
        filter.from ?? null,
        filter.to ?? null,
        limitOf(filter.limit, 100, 1000),
        offsetOf(filter.offset),
      ],
    );
    return rows.map(toReleaseRecord);
  }

  /** The audit entry is written only when the release changes (it was active). */
  async closeRelease(
    id: string,
    status: Exclude<ReleaseStatus, 'active'>,
    at: number,
    audit: AuditEntry,
    supersededBy?: string,
  ): Promise<boolean> {
    if (!CLOSED_STATUSES.includes(status)) throw new StoreError(`cannot close a release as "${String(status)}"`);
    if ((status === 'superseded') !== (supersededBy !== undefined))
      throw new StoreError(
        status === 'superseded'
          ? 'a superseded release needs the id of the release that superseded it'
          : `supersededBy is only for status "superseded", not "${status}"`,
      );
    if (supersededBy === id) throw new StoreError(`release ${shown(id)} cannot supersede itself`);
    return this.db.transaction(async (tx) => {
      if (supersededBy !== undefined) {
        const newer = await tx.query('SELECT 1 FROM releases WHERE id = $1', [supersededBy]);
        if (newer.rowCount === 0) throw new StoreNotFoundError(`superseding release ${shown(supersededBy)} not found`);
      }
      const updated = await tx.query(
        `UPDATE releases SET status = $2, closed_at = $3, superseded_by = $4 WHERE id = $1 AND status = 'active' RETURNING id`,
        [id, status, at, supersededBy ?? null],
      );
      if (updated.rowCount === 0) {
        const found = await tx.query('SELECT 1 FROM releases WHERE id = $1', [id]);
        if (found.rowCount === 0) throw new StoreNotFoundError(`release ${shown(id)} not found`);
        return false;
      }
      await tx.query(INSERT_AUDIT, auditParams(audit, id));
      return true;
    });
  }

  async appendVerdict(verdict: Verdict): Promise<boolean> {
    const metrics = verdict.metrics.map((m, ordinal) => ({
      ordinal,
      metric: m.metric,
      classification: m.classification,
      relative: floatParam(m.effect?.relative),
      low: floatParam(m.effect?.low),
      high: floatParam(m.effect?.high),
      evidence: floatParam(m.evidence),
      method: m.method,
      n_baseline: floatParam(m.n?.baseline),
      n_canary: floatParam(m.n?.canary),
      critical: m.critical ?? false,
    }));
    try {
      const { rows } = await this.db.query<{ inserted: number }>(APPEND_VERDICT, [
        verdict.releaseId,
        verdict.at,
        verdict.decision,
        String(floatParam(verdict.score)),
        toJsonText(verdict),
        JSON.stringify(metrics),
      ]);
      return Number(rows[0]?.inserted) === 1;
    } catch (err) {
      rethrow(
        err,
        `verdict conflict for release ${shown(verdict.releaseId)}`,
        `release ${shown(verdict.releaseId)} not found`,
      );
    }
  }

  async listVerdicts(releaseId: string, limit?: number): Promise<Verdict[]> {
    // LIMIT NULL is no limit: one statement for both cases.
    const { rows } = await this.db.query(
      `SELECT verdict FROM (SELECT verdict, at FROM verdicts WHERE release_id = $1 ORDER BY at DESC LIMIT $2) t ORDER BY at`,
      [releaseId, limit === undefined ? null : limitOf(limit, 0, Number.MAX_SAFE_INTEGER)],
    );
    return rows.map(toVerdict);
  }

  async latestVerdict(releaseId: string): Promise<Verdict | undefined> {
    const { rows } = await this.db.query(
      'SELECT verdict FROM verdicts WHERE release_id = $1 ORDER BY at DESC LIMIT 1',
      [releaseId],
    );
    return rows.length === 0 ? undefined : toVerdict(rows[0]);
  }

  /** A second checkpoint with the same backup id for the same release is a conflict. */
  async addCheckpoint(c: BackupCheckpoint, audit: AuditEntry): Promise<void> {
    await this.db.transaction(async (tx) => {
      try {
        await tx.query(`INSERT INTO backup_checkpoints (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
          c.releaseId,
          c.backupId,
          c.takenAt,
          c.source,
          c.recordedAt,
          c.recordedBy,
        ]);
      } catch (err) {
        rethrow(
          err,
          `backup ${shown(c.backupId)} is already recorded for release ${shown(c.releaseId)}`,
          `release ${shown(c.releaseId)} not found`,
        );
      }
      await tx.query(INSERT_AUDIT, auditParams(audit, c.releaseId));
    });
  }

  async listCheckpoints(releaseId: string): Promise<BackupCheckpoint[]> {
    const { rows } = await this.db.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM backup_checkpoints WHERE release_id = $1 ORDER BY taken_at, backup_id`,
      [releaseId],
    );
    return rows.map(toBackupCheckpoint);
  }

  /** An action created with attempts > 0 records that attempt in the history too. */
  async recordAction(a: ActionRecord): Promise<number> {
    try {
      const { rows } = await this.db.query(RECORD_ACTION, [
        a.releaseId,
        a.kind,
        a.decision,
        a.target,
        a.state,
        a.attempts,
        a.createdAt,
        a.updatedAt,
        a.lastError ?? null,
        toJsonText(a.payload),
      ]);
      return toNumber(rows[0].id);
    } catch (err) {
      rethrow(err, 'action conflict', `release ${shown(a.releaseId)} not found`);
    }
  }

  /** Appends an attempt; an update without `lastError` keeps the previous one. */
  async updateAction(
    id: number,
    update: Pick<ActionRecord, 'state' | 'attempts' | 'updatedAt'> & { lastError?: string },
  ): Promise<void> {
    if (!ACTION_STATES.includes(update.state)) throw new StoreError(`unknown action state "${String(update.state)}"`);
    const { rows } = await this.db.query<{ updated: number }>(UPDATE_ACTION, [
      id,
      update.state,
      update.attempts,
      update.updatedAt,
      update.lastError ?? null,
    ]);
    if (Number(rows[0]?.updated) !== 1) throw new StoreNotFoundError(`action ${id} not found`);
  }

  async listActions(filter: {
    releaseId?: string;
    state?: ActionState;
    from?: number;
    to?: number;
    limit?: number;
  }): Promise<ActionRecord[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM (SELECT ${ACTION_COLUMNS} FROM actions
         WHERE ($1::text IS NULL OR release_id = $1) AND ($2::text IS NULL OR state = $2)
           AND ($3::bigint IS NULL OR created_at >= $3) AND ($4::bigint IS NULL OR created_at < $4)
         ORDER BY id DESC LIMIT $5) t ORDER BY id`,
      [
        filter.releaseId ?? null,
        filter.state ?? null,
        filter.from ?? null,
        filter.to ?? null,
        limitOf(filter.limit, 1000, 10_000),
      ],
    );
    return rows.map(toActionRecord);
  }

  async listActionAttempts(actionId: number): Promise<ActionAttempt[]> {
    const { rows } = await this.db.query(
      `SELECT ${ATTEMPT_COLUMNS} FROM action_attempts WHERE action_id = $1 ORDER BY id`,
      [actionId],
    );
    return rows.map(toActionAttempt);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db.query(INSERT_AUDIT, auditParams(entry));
  }

  /** Oldest first; `limit` (default 100, at most 1000) keeps the newest. */
  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM (SELECT ${AUDIT_COLUMNS} FROM audit_log
         WHERE ($1::text IS NULL OR release_id = $1) AND ($2::bigint IS NULL OR at >= $2) AND ($3::bigint IS NULL OR at < $3)
         ORDER BY at DESC, id DESC LIMIT $4) t ORDER BY at, id`,
      [filter.releaseId ?? null, filter.from ?? null, filter.to ?? null, limitOf(filter.limit, 100, 1000)],
    );
    return rows.map(toAuditEntry);
  }

  /**
   * Snapshot, offsets and progress replace the previous checkpoint in one statement, unless the
   * stored progress dominates the new one (`Store.saveEngineCheckpoint`; SAVE_UNLESS_BEHIND).
   */
  async saveEngineCheckpoint(c: EngineCheckpoint): Promise<boolean> {
    const { rows } = await this.db.query(SAVE_UNLESS_BEHIND, [
      c.releaseId,
      toJsonText(c.snapshot) ?? 'null',
      toJsonText(c.offsets ?? {}),
      c.savedAt,
      progressParam(c.progress),
    ]);
    return rows.length > 0;
  }

  async loadEngineCheckpoint(releaseId: string): Promise<EngineCheckpoint | undefined> {
    const { rows } = await this.db.query(
      `SELECT ${ENGINE_CHECKPOINT_COLUMNS} FROM engine_checkpoints WHERE release_id = $1`,
      [releaseId],
    );
    return rows.length === 0 ? undefined : toEngineCheckpoint(rows[0]);
  }

  async loadEngineCheckpointsFor(partitions: string[]): Promise<EngineCheckpoint[]> {
    if (partitions.length === 0) return [];
    const { rows } = await this.db.query(
      `SELECT ${ENGINE_CHECKPOINT_COLUMNS} FROM engine_checkpoints WHERE offsets ?| $1::text[] ORDER BY release_id`,
      [partitions],
    );
    return rows.map(toEngineCheckpoint);
  }
}
