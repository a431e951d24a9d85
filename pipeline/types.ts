/**
 * The pipeline seam (DESIGN.md, "pipeline/"): the live loop that consumes the bus, runs one
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
  onVerdict(verdict: Verdict, previous: Verdict | undefined, record: ReleaseRecord): Promise<void>;
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
