/**
 * Where a release's judge code runs, and the pipeline's side of one release.
 *
 * `ReleaseAnalysis` is the seam: the pipeline feeds batches and asks for looks through it and
 * never touches the engine itself. `openLocalAnalysis` runs the engine in the calling thread (tests,
 * the demo, replays); `AnalysisThreads` (analysisThreads.ts) runs it in worker threads, so the
 * process's event loop — the one answering HTTP in `serve` — never runs judge code.
 *
 * `ReleaseSlot` is what the pipeline keeps per release in its own thread: the verdicts not yet
 * stored (outbox), the acknowledgements waiting for the checkpoint that will cover their batches,
 * the batches held until the release's look is due (look spreading), and a lock that keeps the
 * bus handler and the timers from interleaving on one release.
 */
import type { EngineOptions, Verdict } from '../analyzer/index.ts';
import type { Ack, SampleBatch } from '../collector/index.ts';
import type { ReleaseRecord } from '../store/index.ts';
import { fnv1a32 } from '../analyzer/hash.ts';
import { ReleaseRun, type AnalysisState, type BatchOutcome, type PipelineCheckpoint } from './releaseRun.ts';

export interface ReleaseAnalysis {
  ingest(batch: SampleBatch): Promise<BatchOutcome & { state: AnalysisState }>;
  advanceTo(now: number): Promise<{ verdicts: Verdict[]; state: AnalysisState }>;
  /** the look at registration, before the first interval closes; undefined once a look was taken */
  firstLook(at: number): Promise<Verdict | undefined>;
  checkpoint(lastHanded: Verdict | undefined): Promise<PipelineCheckpoint>;
  /** frees the engine (the release stopped or was forgotten); later calls fail */
  dispose(): void;
}

export interface OpenedAnalysis {
  analysis: ReleaseAnalysis;
  state: AnalysisState;
}

/**
 * Opens a release's analysis: from `checkpoint` when given (rejects when it does not fit the
 * spec: the caller starts afresh), else fresh (rejects when the engine refuses the release, e.g.
 * an unknown class).
 */
export type AnalysisOpener = (
  record: ReleaseRecord,
  options: EngineOptions,
  watchMs: number,
  checkpoint?: PipelineCheckpoint,
) => Promise<OpenedAnalysis>;

/** The engine in the calling thread. */
export const openLocalAnalysis: AnalysisOpener = async (record, options, watchMs, checkpoint) => {
  const core = checkpoint
    ? ReleaseRun.restore(record, options, watchMs, checkpoint)
    : ReleaseRun.fresh(record, options, watchMs);
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error(`analysis of ${record.release.id} was disposed`);
    return core;
  };
  return {
    state: core.state,
    analysis: {
      ingest: async (batch) => {
        const outcome = live().ingest(batch);
        return { ...outcome, state: core.state };
      },
      advanceTo: async (now) => ({ verdicts: live().advanceTo(now), state: core.state }),
      firstLook: async (at) => live().firstLook(at),
      checkpoint: async (lastHanded) => {
        const c = live();
        c.lastHanded = lastHanded;
        return c.checkpoint();
      },
      dispose: () => (disposed = true),
    },
  };
};

/** A batch held until its release's look is due, with the acknowledgement it will earn. */
export interface DeferredBatch {
  batch: SampleBatch;
  ack: Ack;
}

export class ReleaseSlot {
  /** verdicts produced and not yet stored + handed on, oldest first */
  readonly outbox: Verdict[] = [];
  /** acks of batches ingested since the last checkpoint */
  heldAcks: Ack[] = [];
  /** batches that reach into the next look, held until that look is due (look spreading) */
  deferred: DeferredBatch[] = [];
  batchesSinceCheckpoint = 0;
  /** batches ingested since the last look (a look with none, and none held back, finds the release quiet) */
  batchesSinceLook = 0;
  /** batches after which the next checkpoint is due (0: not set yet; the pipeline staggers the first) */
  checkpointDue = 0;
  lastHanded: Verdict | undefined;
  /** the latest verdict the analysis emitted (the quarantine verdict keeps its metrics) */
  current: Verdict | undefined;
  /** clock time of the last look the spread scheduler took for a decided release (its post-release watch) */
  lastClockLook = 0;
  /** a scheduled look is being taken (the scheduler does not start a second one) */
  looking = false;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    /** replaced (never edited) when the pipeline closes the release itself: the quarantine */
    public record: ReleaseRecord,
    readonly analysis: ReleaseAnalysis,
    public state: AnalysisState,
  ) {}

  get id(): string {
    return this.record.release.id;
  }

  noteVerdicts(verdicts: readonly Verdict[]): void {
    if (verdicts.length > 0) this.current = verdicts[verdicts.length - 1];
  }

  /** Runs `fn` after every earlier call on this release has settled: bus handler and timers never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }
}

/**
 * A stable offset in [0, spreadMs) from a release id (FNV-1a): where in the interval this
 * release's looks are taken, so thousands of releases registered in one wave (the same start, so
 * the same look boundaries) do not all look at once.
 */
export function lookOffset(releaseId: string, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  return fnv1a32(releaseId) % spreadMs;
}
