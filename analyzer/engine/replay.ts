import type { AnalysisSpec, Sample, TimelineEntry, Verdict } from '../types.ts';
import type { MetricPower } from '../judge/power.ts';
import { ReleaseEngine, type EngineOptions, type IngestCounts } from './releaseEngine.ts';

export interface ReplayResult {
  /** the decision at the end of the replay (a rollback or promotion is final) */
  verdict: Verdict;
  /** each change of decision, in order, with the moment it was first reached */
  timeline: TimelineEntry[];
  counts: IngestCounts;
}

/**
 * Replays samples through a release engine, taking a look at every interval boundary, as a live
 * analysis would have. Samples should arrive in time order; within one interval any order gives
 * the same result (a batch is a set), and a sample older than an interval already judged is
 * counted in `counts.late` and left out — the look it belonged to has been taken.
 */
export class Replay {
  private readonly engine: ReleaseEngine;
  private readonly entries: TimelineEntry[] = [];

  constructor(spec: AnalysisSpec, options: EngineOptions) {
    this.engine = new ReleaseEngine(spec, options);
  }

  /** Adds one sample, first taking every look that is due before it. */
  push(sample: Sample): void {
    if (sample.ts >= this.engine.nextBoundary) {
      for (const verdict of this.engine.advanceTo(sample.ts)) this.record(verdict);
    }
    this.engine.ingest(sample);
  }

  /** Ends the replay and returns the verdict with its timeline. */
  finish(): ReplayResult {
    const verdict = this.engine.flush();
    this.record(verdict);
    return { verdict, timeline: this.entries, counts: { ...this.engine.counts } };
  }

  /** What each metric could detect by the window's end at the traffic replayed so far (see ReleaseEngine.power). */
  power(): MetricPower[] {
    return this.engine.power(true);
  }

  get current(): Verdict | undefined {
    return this.engine.current;
  }

  private record(verdict: Verdict): void {
    const previous = this.entries.at(-1);
    if (previous && previous.decision === verdict.decision) return;
    this.entries.push({ at: verdict.at, decision: verdict.decision, score: verdict.score });
  }
}

/** Replays an in-memory or generated sample sequence; see `Replay`. */
export function replaySamples(spec: AnalysisSpec, samples: Iterable<Sample>, options: EngineOptions): ReplayResult {
  const replay = new Replay(spec, options);
  for (const sample of samples) replay.push(sample);
  return replay.finish();
}
