/**
 * Runs the detection benchmark's simulations: for each case (a regression kind and onset, or
 * A/A), generate the seeded scenarios, let every judge replay them, record when each first
 * decided to roll back, and run the oracle on the same data for the information limit.
 *
 * Judges are plain functions from a scenario to its decision timeline, so this file does not
 * depend on the analyzer and its tests can use toy judges.
 */
import type { TimelineEntry } from '../../analyzer/types.ts';
import {
  generateScenario,
  SMALL_TENANT,
  type RegressionKind,
  type Scenario,
  type ScenarioOptions,
} from '../../simulator/index.ts';
import { oracleRejections, oracleStats, perMetricAlpha } from './oracle.ts';

const MINUTE = 60_000;

export interface Judge {
  name: string;
  /** the decision timeline of one replayed scenario; its first `rollback` is the detection */
  replay(scenario: Scenario): TimelineEntry[];
}

/** Which shop the scenarios describe: the generator's mid-size default, or `SMALL_TENANT`. */
export type Tenant = 'mid-size' | 'small';

export interface BenchCase {
  tenant: Tenant;
  kind: RegressionKind | 'none';
  onsetMinutes: number;
  /** judge runs (seeds 1..runs: every case sees the same seeds, so kinds differ only by the injection) */
  runs: number;
  /** oracle runs (seeds 1..oracleRuns; 0 for A/A); beyond `runs` only the oracle is run, it is cheap */
  oracleRuns: number;
}

export interface JudgeCaseResult {
  /** per run: minutes from the onset (A/A: from the release start) to the first rollback; null = none */
  detections: (number | null)[];
  /** the same for the first harmful-change action, `reduce-traffic` or `rollback` */
  actions: (number | null)[];
  /** regression runs rolled back before the onset: false alarms, not detections */
  early: number;
  /** regression runs with an action before the onset */
  earlyActions: number;
  /** runs whose first rollback came after a promotion (a live rollout would have stopped at the promotion) */
  promotedFirst: number;
  /** runs promoted by the window's end (A/A: the healthy outcome; a regression run: harm missed) */
  promoted: number;
  /** runs that ended `inconclusive` (a person must approve) */
  inconclusive: number;
}

export interface CaseResult {
  bench: BenchCase;
  judges: Record<string, JudgeCaseResult>;
  /** per horizon h (index h-1): in how many oracle runs the one-look test at h rejected */
  oracleRejects: number[];
}

export interface RunnerOptions {
  /** generator options shared by every scenario (seed, regression and onset are set per run) */
  scenario?: Omit<ScenarioOptions, 'seed' | 'regression' | 'onsetMinutes'>;
  /** only these seeds (inclusive), for splitting a case across processes; default: all of them */
  seeds?: { from: number; to: number };
  /** called after each scenario with the case, how many scenarios of it are done, and its total */
  onProgress?: (bench: BenchCase, done: number, total: number) => void;
}

/** Scenarios a case needs: one per seed up to the larger of its judge and oracle runs. */
export function scenarioCount(bench: BenchCase): number {
  return Math.max(bench.runs, bench.kind === 'none' ? 0 : bench.oracleRuns);
}

/** When a judge first reached some decision, relative to the onset. */
export interface Detection {
  /** minutes from the onset (A/A: the start) to it; null when never, or before the onset */
  minutes: number | null;
  /** reached before the onset: a false alarm inside a regression run */
  early: boolean;
  /** a promotion came first (a live rollout would have stopped there) */
  promotedFirst: boolean;
}

/** What one judge made of one scenario: its first rollback, and its first reduce-traffic or rollback. */
export interface Outcome {
  rollback: Detection;
  action: Detection;
}

function first(
  timeline: TimelineEntry[],
  decisions: ReadonlySet<string>,
  startedAt: number,
  onsetMs: number | null,
): Detection {
  const i = timeline.findIndex((e) => decisions.has(e.decision));
  if (i < 0) return { minutes: null, early: false, promotedFirst: false };
  const at = timeline[i].at;
  const promotedFirst = timeline.slice(0, i).some((e) => e.decision === 'promote');
  if (onsetMs !== null && at < onsetMs) return { minutes: null, early: true, promotedFirst };
  return { minutes: (at - (onsetMs ?? startedAt)) / MINUTE, early: false, promotedFirst };
}

const ROLLBACK = new Set(['rollback']);
const ACTION = new Set(['rollback', 'reduce-traffic']);

export function outcomeOf(timeline: TimelineEntry[], startedAt: number, onsetMs: number | null): Outcome {
  return {
    rollback: first(timeline, ROLLBACK, startedAt, onsetMs),
    action: first(timeline, ACTION, startedAt, onsetMs),
  };
}

/** Generator options of a tenant profile (on top of the runner's shared scenario options). */
export function tenantOptions(tenant: Tenant): Partial<ScenarioOptions> {
  return tenant === 'small' ? { ...SMALL_TENANT.options, metrics: SMALL_TENANT.metrics } : {};
}

const emptyJudgeResult = (): JudgeCaseResult => ({
  detections: [],
  actions: [],
  early: 0,
  earlyActions: 0,
  promotedFirst: 0,
  promoted: 0,
  inconclusive: 0,
});

/** Runs one case; deterministic for a given case, judges and options. */
export function runCase(bench: BenchCase, judges: readonly Judge[], options: RunnerOptions = {}): CaseResult {
  const result: CaseResult = {
    bench,
    judges: Object.fromEntries(judges.map((j) => [j.name, emptyJudgeResult()])),
    oracleRejects: [],
  };
  const total = scenarioCount(bench);
  const from = options.seeds?.from ?? 1;
  const to = Math.min(total, options.seeds?.to ?? total);
  for (let seed = from; seed <= to; seed++) {
    const scenario = generateScenario({
      ...options.scenario,
      ...tenantOptions(bench.tenant),
      seed,
      regression: bench.kind,
      onsetMinutes: bench.onsetMinutes,
    });
    if (seed <= bench.runs) {
      for (const judge of judges) {
        const timeline = judge.replay(scenario);
        const o = outcomeOf(timeline, scenario.spec.release.startedAt, scenario.truth.onsetMs);
        const r = result.judges[judge.name];
        r.detections.push(o.rollback.minutes);
        r.actions.push(o.action.minutes);
        if (o.rollback.early) r.early++;
        if (o.action.early) r.earlyActions++;
        if (o.rollback.promotedFirst) r.promotedFirst++;
        const end = timeline.at(-1)?.decision;
        if (timeline.some((e) => e.decision === 'promote')) r.promoted++;
        else if (end === 'inconclusive') r.inconclusive++;
      }
    }
    if (seed <= bench.oracleRuns && scenario.truth.metric !== null && scenario.truth.onsetMs !== null) {
      addOracle(result.oracleRejects, scenario);
    }
    options.onProgress?.(bench, seed - from + 1, to - from + 1);
  }
  return result;
}

/** Joins results of consecutive seed ranges of one case, given in seed order, into one. */
export function mergeCaseResults(parts: readonly CaseResult[]): CaseResult {
  if (parts.length === 0) throw new Error('mergeCaseResults: nothing to merge');
  const merged: CaseResult = { bench: parts[0].bench, judges: {}, oracleRejects: [] };
  for (const part of parts) {
    for (const [name, j] of Object.entries(part.judges)) {
      const into = (merged.judges[name] ??= emptyJudgeResult());
      into.detections.push(...j.detections);
      into.actions.push(...j.actions);
      into.early += j.early;
      into.earlyActions += j.earlyActions;
      into.promotedFirst += j.promotedFirst;
      into.promoted += j.promoted;
      into.inconclusive += j.inconclusive;
    }
    part.oracleRejects.forEach((r, i) => {
      merged.oracleRejects[i] = (merged.oracleRejects[i] ?? 0) + r;
    });
  }
  return merged;
}

function addOracle(counts: number[], scenario: Scenario): void {
  const { spec, truth } = scenario;
  const metric = spec.metrics.find((m) => m.name === truth.metric);
  if (!metric || truth.onsetMs === null) throw new Error(`oracle: the spec has no metric ${truth.metric}`);
  const horizon = Math.round((spec.release.startedAt + (spec.policy.observeMs ?? 0) - truth.onsetMs) / MINUTE);
  const rejects = oracleRejections(
    oracleStats(scenario.samples, metric, truth.onsetMs, horizon),
    metric,
    perMetricAlpha(spec),
  );
  rejects.forEach((r, i) => {
    counts[i] = (counts[i] ?? 0) + (r ? 1 : 0);
  });
}
