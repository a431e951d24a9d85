import { decide, resolvePolicy, type ReleaseClassPolicy } from '../policy/index.ts';
import { scoreRelease } from '../judge/index.ts';
import { projectPower, type ExpectedTraffic, type MetricPower } from '../judge/power.ts';
import type { AnalysisSpec, MetricSpec, Sample, Verdict } from '../types.ts';
import { BeforeAfterAligner } from './beforeAfter.ts';
import { FixedMetricJudge } from './fixedMetricJudge.ts';
import {
  createMultinomialTest,
  restoreMultinomialTest,
  type MultinomialState,
  type MultinomialTest,
} from '../stats/index.ts';
import { emptyEffect, inputsOf, type InputRole, type JudgeContext, type MetricJudge } from './metricJudge.ts';
import { SequentialMetricJudge, type SequentialJudgeState } from './sequentialMetricJudge.ts';

/** A checkpoint of a sequential engine: JSON, bounded by the number of metrics, not of samples. */
export interface EngineSnapshot {
  version: 1;
  releaseId: string;
  batchStart: number;
  last: Verdict | undefined;
  counts: IngestCounts;
  judges: SequentialJudgeState[];
  /** usable inputs per judge and cohort ([baseline, canary]) in the open and the last closed batch;
   * absent in checkpoints written before freshness was tracked (then nothing counts as stale) */
  inputs?: { open: [number, number][]; last: [number, number][] | null };
  /** the traffic-split guard (absent when the release has none, and in older checkpoints) */
  split?: { open: [number, number]; test: MultinomialState };
}

export type JudgeMode = 'sequential' | 'fixed';

export interface EngineOptions {
  mode: JudgeMode;
  /** how often the judge looks (and, for the sequential judge, the batch length) */
  intervalMs: number;
  /**
   * release classes to resolve `release.class` against (default: the built-in table). The live
   * pipeline passes the governance file's classes, so user-defined classes and overrides of the
   * built-in ones reach the judge, not only the gate.
   */
  classes?: Readonly<Record<string, ReleaseClassPolicy>>;
}

/**
 * What a release can detect by its window's end at the traffic its spec expects (`metrics[].expected`):
 * what registration reports before any data arrives. See analyzer/judge/power.ts.
 */
export function releasePower(
  spec: AnalysisSpec,
  classes?: Readonly<Record<string, ReleaseClassPolicy>>,
): MetricPower[] {
  const policy = resolvePolicy(spec.release.class, spec.policy, classes);
  return projectPower(spec, {
    alpha: perMetricAlpha(spec, policy.alpha),
    observeMs: policy.observeMs,
    toleranceScale: policy.toleranceScale,
    canaryShare: spec.release.canaryWeight ?? 0.5,
  });
}

/** Why a sample was not used; counted, never silently lost. */
export interface IngestCounts {
  accepted: number;
  /** older than the batch already closed: the look it belonged to has been taken */
  late: number;
  /** metric named by no spec */
  unknownMetric: number;
  /** before the release started (concurrent strategies compare cohorts after the start only) */
  beforeStart: number;
  /** after the decision became final (rollback, promote, or the window's end) */
  afterFinal: number;
  /** before/after mode: pre-release samples taken as baseline history */
  history: number;
}

const FINAL = new Set(['rollback', 'promote', 'inconclusive']);

/** First words of the reasons of a release judged before its first interval closed (the gate's placeholder says the same). */
export const WARMING_UP_REASON = 'warming up';
/** The first reason of the look the engine takes at registration (see `firstLook`). */
export const REGISTRATION_LOOK_REASON = `${WARMING_UP_REASON} at registration`;

/**
 * Whether a verdict is the look taken at registration: it closes no interval, and a release
 * registered after its first interval ended has none, so runs that compare histories across
 * registration times (a recorded release replayed late) leave it out.
 */
export function isRegistrationLook(verdict: { readonly reasons: readonly string[] }): boolean {
  return verdict.reasons[0]?.startsWith(`${REGISTRATION_LOOK_REASON}:`) ?? false;
}

/** An engine state that must not be checkpointed (a restore could not judge it). */
export class UnjudgeableStateError extends Error {
  override readonly name = 'UnjudgeableStateError';
}

/**
 * Bonferroni: the release-level false-alarm rate stays ≤ alpha whatever metric fails; SLO guards
 * are tests too and take their share.
 */
export function perMetricAlpha(spec: Pick<AnalysisSpec, 'metrics'>, releaseAlpha: number): number {
  return releaseAlpha / (spec.metrics.length + spec.metrics.filter((m) => m.slo).length);
}

/** where a metric's samples go: a judge, the role they play in it, the judge's index */
interface Route {
  judge: MetricJudge;
  role: InputRole;
  index: number;
}

/**
 * One release under analysis: routes samples to metric judges, closes a batch at every interval
 * boundary (release start + k·interval), and evaluates the whole release there. Pure: time comes
 * only from the samples and from `advanceTo`.
 */
export class ReleaseEngine {
  readonly policy: ReleaseClassPolicy;
  readonly counts: IngestCounts = { accepted: 0, late: 0, unknownMetric: 0, beforeStart: 0, afterFinal: 0, history: 0 };
  private readonly beforeAfter?: BeforeAfterAligner;
  private readonly judges: MetricJudge[];
  private readonly routes = new Map<string, Route[]>();
  /**
   * Freshness: usable inputs (finite values) per judge and cohort in the open batch, and in the
   * last closed one (null before the first). A metric with no input for a cohort in the last
   * batch has data that stopped coming (a source down, a query failing): its earlier evidence
   * still counts, but it must not carry a promotion (decide's `stale`).
   */
  private openInputs: [number, number][];
  private lastInputs: [number, number][] | null = null;
  /**
   * Per judge: why its statistics failed at the end of a batch (undefined while healthy). A judge
   * that throws is out for the rest of the analysis and reported as `error` (never a pass), so one
   * metric's exception cannot stop the release's other metrics, or the batch loop around it.
   */
  private readonly failed: (string | undefined)[];
  private readonly specsByName: ReadonlyMap<string, MetricSpec>;
  private readonly context: JudgeContext;
  private batchStart: number;
  private last: Verdict | undefined;
  /**
   * Sample-ratio-mismatch guard: counts without an exposure metric are compared through the
   * declared canary share, which is only right when traffic really splits that way. When the
   * release has a traffic series (a ratio's denominator or an exposure metric), its per-cohort
   * totals are tested against the declared split (Dirichlet-multinomial e-process); once the
   * mismatch is established, those counts are missing data rather than a rollback.
   */
  private split?: { metric: string; open: [number, number]; test: MultinomialTest };

  constructor(
    readonly spec: AnalysisSpec,
    readonly options: EngineOptions,
  ) {
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
    this.policy = resolvePolicy(spec.release.class, spec.policy, options.classes);
    // the class's tolerance scale, applied once: every judge sees the tolerance it must enforce
    const scale = this.policy.toleranceScale;
    const judged = spec.metrics.map((m) => (scale === 1 ? m : { ...m, tolerance: m.tolerance * scale }));
    this.judges = judged.map((m) =>
      options.mode === 'fixed' ? new FixedMetricJudge(m) : new SequentialMetricJudge(m),
    );
    this.openInputs = this.judges.map(() => [0, 0]);
    this.failed = this.judges.map(() => undefined);
    for (const [index, judge] of this.judges.entries()) {
      for (const { metric, role } of inputsOf(judge.spec)) {
        const list = this.routes.get(metric) ?? [];
        list.push({ judge, role, index });
        this.routes.set(metric, list);
      }
    }
    this.specsByName = new Map(spec.metrics.map((m) => [m.name, m]));
    this.context = {
      alpha: perMetricAlpha(spec, this.policy.alpha),
      minSamples: this.policy.minSamples,
      canaryShare: spec.release.canaryWeight ?? 0.5,
    };
    this.batchStart = spec.release.startedAt;
    if (spec.release.strategy === 'before-after')
      this.beforeAfter = new BeforeAfterAligner(spec, this.policy.observeMs);
    const needsSplit = spec.metrics.some((m) => m.kind === 'count' && !m.exposure);
    const traffic =
      spec.metrics.find((m) => m.kind === 'ratio')?.denominator ?? spec.metrics.find((m) => m.exposure)?.exposure;
    if (needsSplit && traffic && !this.beforeAfter) {
      const share = this.context.canaryShare;
      this.split = { metric: traffic, open: [0, 0], test: createMultinomialTest([1 - share, share]) };
    }
  }

  /** The latest verdict, if any look has been taken. */
  get current(): Verdict | undefined {
    return this.last;
  }

  /** True once the decision can no longer change (rollback, promote, or the window has ended). */
  get final(): boolean {
    return this.last !== undefined && FINAL.has(this.last.decision);
  }

  /** Start of the next look: samples at or after it belong to the next batch. */
  get nextBoundary(): number {
    return this.batchStart + this.options.intervalMs;
  }

  /** Adds one sample to the open batch. Call `advanceTo(sample.ts)` first when streaming. */
  ingest(sample: Sample): void {
    if (this.final) {
      this.counts.afterFinal++;
      return;
    }
    if (sample.ts < this.spec.release.startedAt) {
      // before/after: the pre-release period is the baseline, whatever cohort the source said
      if (this.beforeAfter && this.routes.has(sample.metric) && this.beforeAfter.take(sample)) this.counts.history++;
      else this.counts.beforeStart++;
      return;
    }
    if (sample.ts < this.batchStart) {
      this.counts.late++;
      return;
    }
    const routes = this.routes.get(sample.metric);
    if (!routes) {
      this.counts.unknownMetric++;
      return;
    }
    this.counts.accepted++;
    this.routeTo(routes, sample);
  }

  private route(sample: Sample): void {
    const routes = this.routes.get(sample.metric);
    if (routes) this.routeTo(routes, sample);
  }

  private routeTo(routes: readonly Route[], sample: Sample): void {
    const usable = Number.isFinite(sample.value) && sample.value >= 0;
    if (usable && this.split && sample.metric === this.split.metric)
      this.split.open[sample.cohort === 'canary' ? 1 : 0] += sample.value;
    for (const { judge, role, index } of routes) {
      judge.add(role, sample.cohort, sample.value, sample.labels);
      if (usable) this.openInputs[index][sample.cohort === 'canary' ? 1 : 0]++;
    }
  }

  /** Closes every batch that ends at or before `ts` and evaluates at each boundary. Returns the verdicts. */
  advanceTo(ts: number): Verdict[] {
    const verdicts: Verdict[] = [];
    while (!this.final && ts >= this.nextBoundary) verdicts.push(this.closeBatch());
    return verdicts;
  }

  /**
   * The look taken when a release is registered, before its first interval closes: the release is
   * judged on what it has (nothing yet, so every metric is `nodata`) by the same rule as every
   * look, and the decision rule keeps it `continue` before the window's end — never `inconclusive`
   * for being new, never `promote` on missing data. The reasons start with "warming up" and the
   * minutes left. Changes nothing: the open batch stays open and the next look is at its boundary
   * as before. Undefined once a look was taken (a resumed release has its own history), before the
   * release's start, and once the first interval has ended (its own look is due: the history stays
   * in time order).
   */
  firstLook(at: number): Verdict | undefined {
    if (this.last !== undefined || at < this.spec.release.startedAt || at >= this.nextBoundary) return undefined;
    const verdict = this.evaluate(at);
    const { observedFor } = verdict.policy;
    const left = Math.max(0, Math.ceil((this.policy.observeMs - observedFor) / 60_000));
    const window = `${left} of ${Math.round(this.policy.observeMs / 60_000)} min of the observation window left`;
    if (verdict.decision === 'continue')
      verdict.reasons = [`${REGISTRATION_LOOK_REASON}: ${window}`, ...verdict.reasons];
    return verdict;
  }

  /** Ends the stream: closes the open batch (a partial interval) and evaluates once more. */
  flush(): Verdict {
    if (this.final && this.last) return this.last;
    return this.closeBatch(true);
  }

  private closeBatch(partial = false): Verdict {
    const at = this.nextBoundary;
    if (this.beforeAfter) {
      this.beforeAfter.drain(at, (sample) => this.route(sample));
      this.context.canaryShare = this.beforeAfter.canaryShare();
    }
    this.checkSplit();
    this.judges.forEach((judge, i) => {
      if (this.failed[i] !== undefined) return;
      try {
        judge.endBatch(this.context);
      } catch (error) {
        this.failed[i] =
          `statistics failed, metric out of the analysis: ${error instanceof Error ? error.message : String(error)}`;
      }
    });
    // a flush at the end of a recorded stream closes a partial interval: one with no input at all
    // is the stream's end, not a source gone quiet
    const empty = this.openInputs.every(([b, c]) => b + c === 0);
    if (!(partial && empty && this.lastInputs)) this.lastInputs = this.openInputs;
    this.openInputs = this.judges.map(() => [0, 0]);
    this.batchStart = at;
    this.last = this.evaluate(at);
    return this.last;
  }

  private checkSplit(): void {
    const split = this.split;
    if (!split) return;
    const [baseline, canary] = split.open;
    split.open = [0, 0];
    if (!(Number.isFinite(baseline + canary) && baseline + canary > 0)) return;
    split.test.update([Math.round(baseline), Math.round(canary)]);
    this.flagSplit();
  }

  /** Once the mismatch is established it stays: the e-process crossed its threshold. */
  private flagSplit(): void {
    const split = this.split;
    if (split && this.context.trafficSplitMismatch === undefined && split.test.evidence() >= 1 / this.context.alpha) {
      const [b, c] = split.test.snapshot().counts;
      const observed = c / (b + c);
      this.context.trafficSplitMismatch = `traffic split mismatch: ${split.metric} gives the canary ${(100 * observed).toFixed(1)}% of traffic, the release declared ${(100 * this.context.canaryShare).toFixed(1)}%`;
    }
  }

  private evaluate(at: number): Verdict {
    const metrics = this.judges.map((judge, i) => {
      const failure = this.failed[i];
      if (failure === undefined) return judge.verdict(this.context);
      return {
        metric: judge.spec.name,
        classification: 'error' as const,
        effect: emptyEffect(),
        evidence: 1,
        method: 'none',
        n: { baseline: 0, canary: 0 },
        reason: failure,
      };
    });
    const score = scoreRelease(metrics, this.specsByName, this.spec.groupWeights);
    const observedFor = at - this.spec.release.startedAt;
    const { decision, reasons } = decide({
      metrics,
      score,
      policy: this.policy,
      observedFor,
      mode: this.options.mode,
      stale: this.staleReasons(),
    });
    return {
      releaseId: this.spec.release.id,
      at,
      decision,
      score,
      metrics,
      reasons,
      policy: { class: this.spec.release.class, observedFor },
    };
  }

  /**
   * What each metric can detect by the window's end (analyzer/judge/power.ts): at the traffic seen
   * so far when `observed` (analyze, after a replay), else at the spec's expected traffic.
   */
  power(observed = false): MetricPower[] {
    const context = {
      alpha: this.context.alpha,
      observeMs: this.policy.observeMs,
      toleranceScale: this.policy.toleranceScale,
      canaryShare: this.context.canaryShare,
    };
    const traffic = new Map<string, ExpectedTraffic>();
    const minutes = ((this.last?.at ?? this.batchStart) - this.spec.release.startedAt) / 60_000;
    if (observed && minutes > 0) {
      this.judges.forEach((judge) => {
        const { observations, ratio, sigma } = judge.observedTotals();
        if (observations > 0) {
          traffic.set(judge.spec.name, {
            perMinute: Number((observations / minutes).toPrecision(3)),
            ...(ratio !== undefined && ratio > 0 ? { ratio } : {}),
            ...(sigma !== undefined ? { sigma: Number(sigma.toPrecision(3)) } : {}),
          });
        }
      });
    }
    return projectPower(this.spec, context, traffic);
  }

  /** Metrics without input for a cohort in the last closed batch (the live, sequential judge only). */
  private staleReasons(): string[] {
    const last = this.lastInputs;
    if (this.options.mode !== 'sequential' || !last) return [];
    const minutes =
      this.options.intervalMs >= 60_000
        ? `${Math.round(this.options.intervalMs / 60_000)} min`
        : `${Math.round(this.options.intervalMs / 1000)} s`;
    return this.judges.flatMap((judge, i) => {
      const quiet = [last[i][0] === 0 ? 'baseline' : '', last[i][1] === 0 ? 'canary' : ''].filter(Boolean);
      return quiet.length
        ? [
            `${judge.spec.name}: no ${quiet.join(' or ')} data in the last ${minutes} (a source down or a query failing?)`,
          ]
        : [];
    });
  }

  /**
   * JSON-serialisable engine state (sequential mode): where the batch stands and each judge's state.
   * Before/after history still waiting to be aligned is not part of it: take checkpoints after the
   * release has started and its history has been read (as the live pipeline does).
   */
  snapshot(): EngineSnapshot {
    if (this.options.mode !== 'sequential')
      throw new Error('only sequential engines keep bounded, checkpointable state');
    // a judge that threw may hold a half-updated state: a checkpoint of it could not be judged
    const failure = this.failed.findIndex((f) => f !== undefined);
    if (failure >= 0)
      throw new UnjudgeableStateError(`metric ${this.judges[failure].spec.name}: ${this.failed[failure]}`);
    return {
      version: 1,
      releaseId: this.spec.release.id,
      batchStart: this.batchStart,
      last: this.last,
      counts: { ...this.counts },
      judges: this.judges.map((j) => j.snapshot() as SequentialJudgeState),
      inputs: {
        open: this.openInputs.map(([b, c]) => [b, c]),
        last: this.lastInputs && this.lastInputs.map(([b, c]) => [b, c]),
      },
      ...(this.split
        ? { split: { open: [this.split.open[0], this.split.open[1]], test: this.split.test.snapshot() } }
        : {}),
    };
  }

  /** An engine that continues exactly where `snapshot` was taken (same spec and options). */
  static restore(spec: AnalysisSpec, options: EngineOptions, snapshot: EngineSnapshot): ReleaseEngine {
    if (options.mode !== 'sequential') throw new Error('only sequential engines can be restored');
    if (snapshot?.version !== 1 || snapshot.releaseId !== spec.release.id)
      throw new Error(`checkpoint is not of release "${spec.release.id}"`);
    const engine = new ReleaseEngine(spec, options);
    if (snapshot.judges.length !== engine.judges.length)
      throw new Error('checkpoint has a different number of metrics than the spec');
    engine.judges.forEach((judge, i) => (judge as SequentialMetricJudge).restore(snapshot.judges[i]));
    engine.batchStart = snapshot.batchStart;
    engine.last = snapshot.last;
    Object.assign(engine.counts, snapshot.counts);
    const inputs = snapshot.inputs;
    const pairs = (v: unknown): v is [number, number][] =>
      Array.isArray(v) &&
      v.length === engine.judges.length &&
      v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isSafeInteger(x) && x >= 0));
    if (inputs !== undefined) {
      if (!pairs(inputs.open) || !(inputs.last === null || pairs(inputs.last)))
        throw new Error('checkpoint has malformed input counts');
      engine.openInputs = inputs.open.map(([b, c]) => [b, c]);
      engine.lastInputs = inputs.last && inputs.last.map(([b, c]) => [b, c]);
    }
    if (engine.split && snapshot.split) {
      engine.split.test = restoreMultinomialTest(snapshot.split.test);
      engine.split.open = [snapshot.split.open[0], snapshot.split.open[1]];
      engine.flagSplit();
    }
    return engine;
  }
}
