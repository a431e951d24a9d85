/**
 * One release inside the pipeline: its engine (and post-release watch), the producer marks that
 * tell a redelivered batch from a new one, the verdicts not yet stored (outbox), and the
 * acknowledgements waiting for the checkpoint that will cover their batches. No I/O here: the
 * pipeline drives storage, sinks and the bus.
 */
import {
  ReleaseEngine,
  type EngineOptions,
  type EngineSnapshot,
  type Sample,
  type Verdict,
} from '../analyzer/index.ts';
import type { Ack, SampleBatch } from '../collector/index.ts';
import type { CheckpointProgress, ReleaseRecord } from '../store/index.ts';
import { PostReleaseWatch, type WatchSnapshot } from './watch.ts';

/** What the pipeline stores as `EngineCheckpoint.snapshot` (opaque to the store). */
export interface PipelineCheckpoint {
  version: 1;
  /** the interval the engine was built with; it wins over the pipeline's option on restore */
  intervalMs: number;
  engine: EngineSnapshot;
  /** highest batch sequence ingested per producer: a redelivered batch at or below it is skipped */
  marks: Record<string, number>;
  /** the last verdict handed to the sinks (their `previous` after a restart) */
  lastHanded?: Verdict;
  watch?: WatchSnapshot;
}

/**
 * How far a checkpoint has got, for the store's fence (`CheckpointProgress`): the producer marks,
 * and the engine's clock — where its open batch starts, or the post-release watch's when that is
 * further.
 */
export function progressOf(checkpoint: PipelineCheckpoint): CheckpointProgress {
  const watchAt = checkpoint.watch?.engine.batchStart ?? Number.NEGATIVE_INFINITY;
  return { marks: { ...checkpoint.marks }, at: Math.max(checkpoint.engine.batchStart, watchAt) };
}

export interface BatchOutcome {
  verdicts: Verdict[];
  /** samples dropped because they were not samples (bad ts, metric, cohort or value) */
  malformed: number;
  /** the whole batch had been ingested already (redelivery) */
  skipped: boolean;
  /** samples stamped before the open look (a source whose clock is behind, or a late scrape): left out */
  late: number;
}

const COHORTS = new Set(['baseline', 'canary']);

/** Cheap structural check (a batch may hold thousands of samples, so no schema library per sample). */
export function isSample(x: unknown): x is Sample {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.ts === 'number' &&
    Number.isFinite(s.ts) &&
    typeof s.metric === 'string' &&
    s.metric.length > 0 &&
    typeof s.cohort === 'string' &&
    COHORTS.has(s.cohort) &&
    typeof s.value === 'number' &&
    (s.labels === undefined || (typeof s.labels === 'object' && s.labels !== null))
  );
}

/** Where a release's engine stands, as the pipeline needs it to schedule the next look. */
export interface AnalysisState {
  /** start of the next look (samples at or after it belong to the next batch) */
  nextBoundary: number;
  /** the decision can no longer change */
  final: boolean;
}

/**
 * One release's engine (and post-release watch) and producer marks. The pipeline runs it through a
 * `ReleaseAnalysis` (analysis.ts): in its own thread or in an analysis thread, where only the pure
 * part is used (ingest, advanceTo, checkpoint); the pipeline's own bookkeeping per release
 * (outbox, held acks, schedule) is `ReleaseSlot`.
 */
export class ReleaseRun {
  /** verdicts produced and not yet stored + handed on, oldest first */
  readonly outbox: Verdict[] = [];
  /** acks of batches ingested since the last checkpoint */
  heldAcks: Ack[] = [];
  batchesSinceCheckpoint = 0;
  /** batches after which the next checkpoint is due (0: not set yet; the pipeline staggers the first) */
  checkpointDue = 0;
  lastHanded: Verdict | undefined;
  private watch: PostReleaseWatch | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly record: ReleaseRecord,
    readonly engineOptions: EngineOptions,
    private readonly engine: ReleaseEngine,
    /** a Map, not an object: producer names come from the wire ("__proto__" must stay a plain key) */
    private readonly marks: Map<string, number>,
    private readonly watchMs: number,
  ) {}

  static fresh(record: ReleaseRecord, options: EngineOptions, watchMs: number): ReleaseRun {
    const engine = new ReleaseEngine(record.spec, options);
    checkBounded(record, engine, options);
    return new ReleaseRun(record, options, engine, new Map(), watchMs);
  }

  /** Throws when the checkpoint does not fit the spec (the caller then starts fresh, and says so). */
  static restore(
    record: ReleaseRecord,
    options: EngineOptions,
    watchMs: number,
    checkpoint: PipelineCheckpoint,
  ): ReleaseRun {
    if (checkpoint?.version !== 1) throw new Error('unknown pipeline checkpoint version');
    const engineOptions = { ...options, intervalMs: checkpoint.intervalMs };
    const engine = ReleaseEngine.restore(record.spec, engineOptions, checkpoint.engine);
    checkBounded(record, engine, engineOptions);
    const run = new ReleaseRun(record, engineOptions, engine, new Map(Object.entries(checkpoint.marks ?? {})), watchMs);
    run.lastHanded = checkpoint.lastHanded;
    if (checkpoint.watch) run.watch = PostReleaseWatch.restore(record.spec, engineOptions, checkpoint.watch);
    return run;
  }

  get id(): string {
    return this.record.release.id;
  }

  /** Runs `fn` after every earlier call on this release has settled: bus handler and timer never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Feeds a batch sample by sample, exactly as `Replay.push` does, so live and offline agree. */
  ingest(batch: SampleBatch): BatchOutcome {
    const mark = this.marks.get(batch.producer);
    if (mark !== undefined && batch.sequence <= mark) return { verdicts: [], malformed: 0, skipped: true, late: 0 };
    const verdicts: Verdict[] = [];
    const lateBefore = this.engine.counts.late;
    let malformed = 0;
    for (const sample of batch.samples) {
      if (!isSample(sample)) {
        malformed++;
        continue;
      }
      if (sample.ts >= this.engine.nextBoundary && !this.engine.final)
        this.collect(this.engine.advanceTo(sample.ts), verdicts);
      this.engine.ingest(sample); // after a final decision the engine counts it (afterFinal)
      if (this.watch) verdicts.push(...this.watch.push(sample));
    }
    this.marks.set(batch.producer, batch.sequence);
    return { verdicts, malformed, skipped: false, late: this.engine.counts.late - lateBefore };
  }

  /** Takes every look due at `now`: a release with no data still reaches its window's end. */
  advanceTo(now: number): Verdict[] {
    const verdicts: Verdict[] = [];
    this.collect(this.engine.advanceTo(now), verdicts);
    if (this.watch) verdicts.push(...this.watch.advanceTo(now));
    return verdicts;
  }

  /** The look at registration (the engine's `firstLook`); undefined once a look was taken. */
  firstLook(at: number): Verdict | undefined {
    return this.engine.firstLook(at);
  }

  private collect(looks: Verdict[], out: Verdict[]): void {
    for (const look of looks) {
      out.push(look);
      if (look.decision === 'promote' && this.watchMs > 0 && !this.watch) {
        this.watch = PostReleaseWatch.start(this.record.spec, this.engineOptions, look.at, this.watchMs);
      }
    }
  }

  get current(): Verdict | undefined {
    return this.engine.current;
  }

  get state(): AnalysisState {
    return { nextBoundary: this.engine.nextBoundary, final: this.engine.final };
  }

  /**
   * The state to store. Throws (and nothing is stored) when the state could not be judged after a
   * restore: a judge that failed, or a non-finite number in a judge's closed statistics, which
   * every later look would trip over again.
   */
  checkpoint(): PipelineCheckpoint {
    const cp: PipelineCheckpoint = {
      version: 1,
      intervalMs: this.engineOptions.intervalMs,
      engine: this.engine.snapshot(),
      marks: Object.fromEntries(this.marks),
    };
    // the open batch's sums may have overflowed: the judge counts that batch invalid when it
    // closes, so only the closed-batch statistics (test, cumulative sums) must be finite
    const bad = cp.engine.judges.reduce<string | undefined>(
      (found, judge, i) => found ?? nonFinitePath({ ...judge, open: undefined }, `judges[${i}]`),
      undefined,
    );
    if (bad !== undefined) throw new UnjudgeableCheckpointError(`engine state holds a non-finite number at ${bad}`);
    if (this.lastHanded) cp.lastHanded = this.lastHanded;
    if (this.watch) cp.watch = this.watch.snapshot();
    return cp;
  }
}

/** A state the pipeline refuses to checkpoint (see `ReleaseRun.checkpoint`). */
export class UnjudgeableCheckpointError extends Error {
  override readonly name = 'UnjudgeableCheckpointError';
}

/** A release whose analysis would cost without bound: refused (quarantined) instead of run. */
export class UnboundedReleaseError extends Error {
  override readonly name = 'UnboundedReleaseError';
}

/**
 * Most looks one analysis may take (30 days at 1 min is 43,200). The engine takes one look per
 * interval from the start until the window ends: `observeMs: 9e15` was billions of looks, taken
 * as fast as the heap allowed, and again at every restart from the same store.
 */
export const MAX_LOOKS = 50_000;

function checkBounded(record: ReleaseRecord, engine: ReleaseEngine, options: EngineOptions): void {
  const { startedAt } = record.release;
  if (!Number.isSafeInteger(startedAt) || startedAt < 0 || startedAt >= Date.UTC(2100, 0, 1)) {
    throw new UnboundedReleaseError(`release.startedAt ${startedAt} is not an epoch-ms time before 2100-01-01`);
  }
  const looks = Math.ceil(engine.policy.observeMs / options.intervalMs);
  if (!(looks <= MAX_LOOKS)) {
    throw new UnboundedReleaseError(
      `its observation window (observeMs ${engine.policy.observeMs}) is ${looks} looks of ${options.intervalMs} ms, more than ${MAX_LOOKS}`,
    );
  }
}

/** Path of the first NaN or ±Infinity in a JSON-like value, or undefined (iterative: no stack limit). */
function nonFinitePath(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++)
        if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) stack.push([child, `${path}.${k}`]);
    }
  }
  return undefined;
}
