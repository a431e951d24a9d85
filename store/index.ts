/** Public face of store/: the `Store` seam and its records. Implementations are added beside it. */
export type {
  ActionKind,
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
export { StoreConflictError, StoreError, StoreNotFoundError } from './types.ts';
