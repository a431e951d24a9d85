/**
 * The pipeline seam (docs/architecture.md, "Seams"): the live loop that consumes the bus, runs one
 * `ReleaseEngine` per active release, checkpoints engine state, and hands every verdict change
 * to its sinks (store, actions, metrics). The gate drives it through `ReleaseRunner`; actions
 * and metrics plug in as `VerdictSink`s.
 */
import type { Verdict } from '../analyzer/index.ts';
import type { ReleaseRecord } from '../store/index.ts';

/** Receives verdicts. `previous` is the last verdict handed to sinks for this release (undefined at the first). */
export interface VerdictSink {
  /** for logs and the action records */
  readonly name: string;
  /**
   * Called for every verdict the engine emits (at each look), in order per release. A sink that
   * only cares about decision changes compares `verdict.decision` with `previous?.decision`.
   * Must not throw for a downstream failure (record and retry instead); a rejection is logged
   * and does not stop the pipeline.
   */
  onVerdict(
    verdict: Verdict,
    previous: Verdict | undefined,
    record: ReleaseRecord,
    delivery?: VerdictDelivery,
  ): Promise<void>;
}

/**
 * How a verdict reached the sinks (added by the pipeline room; optional, so older sinks still fit).
 * `replayed`: the store already had this verdict — the pipeline is re-running batches after a
 * restart (at-least-once), and a sink that must not act twice checks its own records.
 */
export interface VerdictDelivery {
  replayed: boolean;
}

/** What the gate asks of the live loop. */
export interface ReleaseRunner {
  /** begins (or, after a restart, resumes from its checkpoint) the analysis of a registered release */
  start(record: ReleaseRecord): Promise<void>;
  /** stops analysing (complete/abort); idempotent; unknown ids are ignored */
  stop(releaseId: string): Promise<void>;
  /** ids currently analysed */
  active(): string[];
}

/** What the live loop reports about itself (for `/metrics` and logs); added by the pipeline room. */
export interface PipelineStats {
  /** batches delivered to active releases (including skipped redeliveries) */
  batches: number;
  samples: number;
  /** redelivered batches already covered by the engine's marks */
  skippedBatches: number;
  /** batches of releases that are unknown to the store or closed: acknowledged and dropped */
  ignoredBatches: number;
  /** batches whose `samples` was not an array */
  malformedBatches: number;
  /** samples that were not samples (bad ts, metric, cohort or value), dropped */
  malformedSamples: number;
  /** samples stamped before their release's open look (clock skew, late scrapes): counted and left out */
  lateSamples: number;
  /** verdicts stored for the first time */
  verdicts: number;
  /** verdicts the store already had (replay after a restart) */
  duplicateVerdicts: number;
  sinkErrors: number;
  storeErrors: number;
  publishErrors: number;
  checkpoints: number;
  /** checkpoints the store refused because its own was further along (`Store.saveEngineCheckpoint`): another instance has the release */
  checkpointsRefused: number;
  /** acknowledgements waiting for a checkpoint */
  heldAcks: number;
  /** releases taken out of the analysis because it failed or would not be bounded (the poison-release rule) */
  quarantined: number;
  /** batches held until their release's look was due (look spreading) */
  deferredBatches: number;
  /** looks taken by the look-spreading scheduler */
  looks: number;
  /** how late those looks started after their due time (boundary + the release's offset), ms; over the last 10,000 */
  lookLagMs: { count: number; p50: number; p99: number; max: number };
}

export interface PipelineCloseOptions {
  /**
   * true (default): finish, store pending verdicts, checkpoint every release and acknowledge.
   * false: leave the group without checkpointing or acknowledging — what a crash looks like
   * (tests; fatal errors), the next owner replays from the last checkpoint.
   */
  graceful?: boolean;
}

export interface Pipeline extends ReleaseRunner {
  /** takes every look due at `now` (epoch ms) for every active release; returns the verdicts emitted */
  tick(now: number): Promise<Verdict[]>;
  /** checkpoints every release now (and acknowledges what that covers) */
  checkpoint(): Promise<void>;
  stats(): PipelineStats;
  /**
   * Drops every release's in-memory state (after its current batch) without checkpointing or
   * acknowledging; the next batch of a release resumes it from its stored checkpoint. For a
   * consumer-group rebalance (Kafka workers): a partition may have moved to another instance and
   * back meanwhile, so what this process holds in memory can be behind the store, and every
   * partition restarts from its committed offset anyway. Batches still waiting are left
   * unacknowledged (redelivered from the committed offset).
   */
  forgetAll(): Promise<void>;
  close(options?: PipelineCloseOptions): Promise<void>;
}
