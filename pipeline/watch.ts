/**
 * Post-release observation window (governance): after `promote`, keep judging for
 * `postReleaseWatchMs` and raise `rollback` if a regression appears late.
 *
 * What it compares, honestly: a second sequential engine that starts at the promotion, fed the
 * samples the collector keeps publishing for the release, cohort labels unchanged. The canary
 * cohort keeps flowing in canary mode for the watch:
 *  - tenant waves and rollouts that keep a holdback (a small stable share, Argo's
 *    `setCanaryScale`) still deliver a concurrent baseline, so the relative tests work as before;
 *  - after a full promotion there is no baseline cohort any more: relative metrics stay `nodata`,
 *    which never rolls back, and only the absolute SLO guards (canary-only) can still fire.
 *    A before/after release is watched the same way (its pre-release history is not replayed).
 * Only regressions are emitted: `rollback`, and `reduce-traffic` escalated to `rollback` (after
 * promotion there is no canary weight left to halve). The watch's `continue` looks and its own
 * end-of-window outcome are not emitted, so the release's reported decision stays `promote`.
 */
import {
  ReleaseEngine,
  type AnalysisSpec,
  type EngineOptions,
  type EngineSnapshot,
  type Sample,
  type Verdict,
} from '../analyzer/index.ts';

export interface WatchSnapshot {
  promotedAt: number;
  watchMs: number;
  engine: EngineSnapshot;
  /** a rollback was raised or the window ended */
  done: boolean;
}

export const WATCH_REASON = 'post-release watch';

/** The watch engine's spec: the release's metrics, a window starting at the promotion. */
export function watchSpec(spec: AnalysisSpec, promotedAt: number, watchMs: number): AnalysisSpec {
  return {
    ...spec,
    release: {
      ...spec.release,
      startedAt: promotedAt,
      strategy: spec.release.strategy === 'before-after' ? 'canary' : spec.release.strategy,
    },
    // minObserveMs = the window: the watch never "promotes early", it only looks for harm
    policy: { ...spec.policy, observeMs: watchMs, minObserveMs: watchMs },
  };
}

export class PostReleaseWatch {
  private done = false;

  private constructor(
    private readonly spec: AnalysisSpec,
    readonly promotedAt: number,
    readonly watchMs: number,
    private readonly engine: ReleaseEngine,
  ) {}

  static start(spec: AnalysisSpec, options: EngineOptions, promotedAt: number, watchMs: number): PostReleaseWatch {
    return new PostReleaseWatch(
      spec,
      promotedAt,
      watchMs,
      new ReleaseEngine(watchSpec(spec, promotedAt, watchMs), options),
    );
  }

  static restore(spec: AnalysisSpec, options: EngineOptions, snapshot: WatchSnapshot): PostReleaseWatch {
    const engine = ReleaseEngine.restore(
      watchSpec(spec, snapshot.promotedAt, snapshot.watchMs),
      options,
      snapshot.engine,
    );
    const watch = new PostReleaseWatch(spec, snapshot.promotedAt, snapshot.watchMs, engine);
    watch.done = snapshot.done;
    return watch;
  }

  get finished(): boolean {
    return this.done;
  }

  /** As `Replay.push`: takes the looks due before the sample, then adds it. Returns verdicts to emit. */
  push(sample: Sample): Verdict[] {
    if (this.done) return [];
    const out = sample.ts >= this.engine.nextBoundary ? this.advanceTo(sample.ts) : [];
    if (!this.done) this.engine.ingest(sample);
    return out;
  }

  advanceTo(ts: number): Verdict[] {
    if (this.done) return [];
    for (const look of this.engine.advanceTo(ts)) {
      if (look.decision === 'rollback' || look.decision === 'reduce-traffic') {
        this.done = true;
        return [this.escalate(look)];
      }
    }
    if (this.engine.final) this.done = true; // the window ended (promote or inconclusive): nothing to raise
    return [];
  }

  snapshot(): WatchSnapshot {
    return { promotedAt: this.promotedAt, watchMs: this.watchMs, engine: this.engine.snapshot(), done: this.done };
  }

  private escalate(look: Verdict): Verdict {
    const release = this.spec.release;
    const minutes = Math.round((look.at - this.promotedAt) / 60_000);
    return {
      ...look,
      decision: 'rollback',
      reasons: [
        `${WATCH_REASON}: regression ${minutes} min after promotion at ${new Date(this.promotedAt).toISOString()}`,
        ...look.reasons,
      ],
      policy: { ...look.policy, class: release.class, observedFor: look.at - release.startedAt },
    };
  }
}
