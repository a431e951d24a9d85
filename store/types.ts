/**
 * The store seam (docs/architecture.md, "Seams"): what every room may ask of persistence. Two
 * implementations share one set of plain SQL migrations and queries: PostgreSQL through `pg`
 * (real deployments) and PGlite (the embedded default). Both must pass the same test suite.
 *
 * Rules every implementation keeps:
 *  - verdicts, actions' attempts and the audit log are append-only history: nothing is updated
 *    in place except a release's status and an action's latest state;
 *  - appending a verdict that is already stored (same release, same `at`) is a no-op, so a
 *    worker that replays after a crash never duplicates history;
 *  - every query is parameterised; ids are validated by the caller (gate) and again by the
 *    database's constraints;
 *  - timestamps are epoch milliseconds (`number`) in and out.
 */
import type { AnalysisSpec, Decision, Release, Verdict } from '../analyzer/index.ts';

/**
 * `superseded`: closed because a newer release of the same target was registered (`supersededBy` names it).
 * `quarantined`: closed by the pipeline because its analysis failed (its last verdict is `inconclusive`,
 * "analysis stopped: …; a human decides"; the audit entry `release.quarantine` gives the error).
 */
export type ReleaseStatus = 'active' | 'completed' | 'aborted' | 'superseded' | 'quarantined';

/** A registered release: the `Release` of analyzer/types.ts, the spec it is judged by, and its life cycle. */
export interface ReleaseRecord {
  release: Release;
  spec: AnalysisSpec;
  /** name of the stored spec it came from, when registered by name */
  specName?: string;
  status: ReleaseStatus;
  registeredAt: number;
  /** who registered it (token name, never the token) */
  registeredBy: string;
  closedAt?: number;
  /** the newer release of the same target that closed it (status `superseded`) */
  supersededBy?: string;
  /** emergency fixes registered during a freeze must say why (governance) */
  justification?: string;
  /** the freeze window it was let through, if any */
  frozen?: string;
  /** latest decision, kept beside the history so listing does not scan verdicts */
  decision?: Decision;
  /** `at` of the latest verdict */
  decidedAt?: number;
}

export interface ReleaseFilter {
  service?: string;
  environment?: string;
  status?: ReleaseStatus;
  tenantTier?: string;
  releaseClass?: string;
  /** registeredAt >= from (ms) */
  from?: number;
  /** registeredAt < to (ms) */
  to?: number;
  /** default 100, at most 1000 */
  limit?: number;
  offset?: number;
}

/** A pre-release backup recorded for a release (governance: schema-change needs one). */
export interface BackupCheckpoint {
  releaseId: string;
  backupId: string;
  /** when the backup was taken (ms) */
  takenAt: number;
  /** where it was read from: 'manual', 'pgbackrest', 'wal-g', 'prometheus', ... */
  source: string;
  recordedAt: number;
  recordedBy: string;
}

export type ActionKind = 'webhook' | 'traefik' | 'grafana-annotation' | 'alertmanager' | 'chat' | string;
export type ActionState = 'pending' | 'succeeded' | 'failed';

/** One action the gate ran because a release's decision changed; retried, every attempt kept. */
export interface ActionRecord {
  /** assigned by the store on insert */
  id?: number;
  releaseId: string;
  kind: ActionKind;
  /** the decision that triggered it */
  decision: Decision;
  /** where it went (URL or file path; never a secret) */
  target: string;
  state: ActionState;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  /** last error message, secrets removed */
  lastError?: string;
  /** what was sent (JSON-able; no secret) */
  payload?: unknown;
}

/** One try of an action (append-only; `ActionRecord` holds only the latest state). Added by the store room. */
export interface ActionAttempt {
  actionId: number;
  /** the action's `attempts` count after this try */
  attempt: number;
  state: ActionState;
  at: number;
  /** error of this try, secrets removed */
  error?: string;
}

/** Who did what, when: every state change through the API and every automatic action. */
export interface AuditEntry {
  id?: number;
  at: number;
  /** token name or 'system' */
  actor: string;
  /** e.g. 'release.register', 'release.abort', 'checkpoint.record', 'action.run', 'freeze.override' */
  action: string;
  releaseId?: string;
  detail?: unknown;
}

export interface AuditFilter {
  releaseId?: string;
  from?: number;
  to?: number;
  limit?: number;
}

/**
 * An engine checkpoint for the live pipeline and the Kafka workers: the engine's JSON snapshot
 * and, in the same transaction, the bus positions it covers (Kafka: topic-partition → next offset)
 * so a new owner resumes exactly where the checkpoint ends.
 */
export interface EngineCheckpoint {
  releaseId: string;
  /** JSON snapshot of `ReleaseEngine.snapshot()` (opaque to the store) */
  snapshot: unknown;
  /** e.g. { "samples:3": "1842" } — strings, Kafka offsets exceed 2^53 in theory */
  offsets: Record<string, string>;
  savedAt: number;
  /** how far the snapshot has got: what fences a stale save (`saveEngineCheckpoint`); absent: never fenced */
  progress?: CheckpointProgress;
}

/**
 * How far an engine checkpoint has got: the batches it covers (every producer's up to its mark)
 * and its clock. Of two checkpoints of one release, the one whose marks are at least the other's
 * holds every batch the other does.
 */
export interface CheckpointProgress {
  /** per producer, the sequence of the last batch the snapshot covers */
  marks: Record<string, number>;
  /** the engine's clock (epoch ms): where its open batch starts */
  at: number;
}

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}
/** Unique id already taken (a release registered twice). */
export class StoreConflictError extends StoreError {
  override readonly name = 'StoreConflictError';
}
/** The referenced release (or spec) does not exist. */
export class StoreNotFoundError extends StoreError {
  override readonly name = 'StoreNotFoundError';
}

export interface Store {
  /** 'postgres' or 'pglite', for logs and /metrics */
  readonly kind: 'postgres' | 'pglite';
  /** applies pending migrations (idempotent; concurrent callers serialise on an advisory lock) */
  migrate(): Promise<void>;
  /** true when a trivial query answers (readiness probe) */
  ping(): Promise<boolean>;
  /** waits for calls in flight, then disconnects; later calls reject with StoreError */
  close(): Promise<void>;

  /** stored metric specs by name (the gate registers a release "by spec name") */
  saveSpec(name: string, spec: unknown, actor: string): Promise<void>;
  getSpec(name: string): Promise<unknown | undefined>;
  listSpecs(): Promise<string[]>;

  /** throws StoreConflictError when `release.id` exists; writes an audit entry in the same transaction */
  createRelease(record: ReleaseRecord, audit: AuditEntry): Promise<void>;
  getRelease(id: string): Promise<ReleaseRecord | undefined>;
  /** newest registration first; a negative or fractional limit/offset throws StoreError, a limit over 1000 is capped */
  listReleases(filter?: ReleaseFilter): Promise<ReleaseRecord[]>;
  /**
   * closes an active release; throws StoreNotFoundError; returns false when it was not active (and
   * then writes no audit entry). `supersededBy` is required with status `superseded` and refused
   * otherwise (StoreError): the newer release that replaced it, another registered release.
   */
  closeRelease(
    id: string,
    status: Exclude<ReleaseStatus, 'active'>,
    at: number,
    audit: AuditEntry,
    supersededBy?: string,
  ): Promise<boolean>;

  /**
   * appends to the history and updates the release's latest decision; a duplicate (releaseId, at) is ignored and returns false.
   * The latest decision only moves forward in `at` (a late older verdict is stored but does not replace it);
   * an unknown release throws StoreNotFoundError.
   */
  appendVerdict(verdict: Verdict): Promise<boolean>;
  /** oldest first; `limit` keeps the newest `limit` */
  listVerdicts(releaseId: string, limit?: number): Promise<Verdict[]>;
  latestVerdict(releaseId: string): Promise<Verdict | undefined>;

  /** same transaction as the audit entry; the same backupId twice for a release is a StoreConflictError, an unknown release StoreNotFoundError */
  addCheckpoint(checkpoint: BackupCheckpoint, audit: AuditEntry): Promise<void>;
  /** by takenAt */
  listCheckpoints(releaseId: string): Promise<BackupCheckpoint[]>;

  /** inserts and returns the id (unknown release: StoreNotFoundError); attempts > 0 also records that attempt */
  recordAction(action: ActionRecord): Promise<number>;
  /** appends an attempt; without `lastError` the previous one is kept; unknown id: StoreNotFoundError */
  updateAction(
    id: number,
    update: Pick<ActionRecord, 'state' | 'attempts' | 'updatedAt'> & { lastError?: string },
  ): Promise<void>;
  /** oldest first; `from`/`to` bound `createdAt` like ReleaseFilter's; `limit` (added: default 1000, at most 10000) keeps the newest */
  listActions(filter: {
    releaseId?: string;
    state?: ActionState;
    from?: number;
    to?: number;
    limit?: number;
  }): Promise<ActionRecord[]>;
  /** every attempt of one action, oldest first (added by the store room) */
  listActionAttempts(actionId: number): Promise<ActionAttempt[]>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** oldest first; `limit` (default 100, at most 1000) keeps the newest */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;

  /**
   * Replaces the release's checkpoint, snapshot, offsets and progress in one statement, unless it
   * is behind the stored one: true when saved; false when every mark of this one is at most the
   * stored one's and the stored one is further — a higher mark, a producer this one lacks, or the
   * same marks and a later clock. A process that gets false holds a release some other process
   * has taken further (see `CheckpointProgress`), and must not acknowledge what it would have
   * covered. Without progress on either side, the last writer wins.
   */
  saveEngineCheckpoint(checkpoint: EngineCheckpoint): Promise<boolean>;
  loadEngineCheckpoint(releaseId: string): Promise<EngineCheckpoint | undefined>;
  /** all checkpoints whose offsets mention one of these bus partitions (a new owner's resume set) */
  loadEngineCheckpointsFor(partitions: string[]): Promise<EngineCheckpoint[]>;
}
