/** Public face of store/: the `Store` seam, its records, and the PostgreSQL and PGlite implementations. */
export type {
  ActionAttempt,
  ActionKind,
  ActionRecord,
  ActionState,
  AuditEntry,
  AuditFilter,
  BackupCheckpoint,
  CheckpointProgress,
  EngineCheckpoint,
  ReleaseFilter,
  ReleaseRecord,
  ReleaseStatus,
  Store,
} from './types.ts';
export { StoreConflictError, StoreError, StoreNotFoundError } from './types.ts';
export { findIntegrityProblems, StoreIntegrityError } from './integrity.ts';
export { openStore, postgresUrlInSchema } from './open.ts';
export type { OpenStoreOptions } from './open.ts';
export { createPostgresStore } from './postgres.ts';
export type { PostgresStoreOptions } from './postgres.ts';
export { createPgliteStore } from './pglite.ts';
export type { PgliteStoreOptions } from './pglite.ts';
export { DbError } from './sql.ts';
