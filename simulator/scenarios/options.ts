/**
 * Scenario options: one typed object, defaults filled in one place, unknown or out-of-range
 * values rejected — a misspelt `regresion` must not quietly yield an A/A run.
 *
 * Rates are for the whole service (both cohorts together) at the start of the hour; the canary
 * receives `canaryShare` of every stream, the baseline the rest. The defaults describe a
 * mid-sized Odoo web shop on a weekday morning.
 */
import type { MetricSpec } from '../../analyzer/types.ts';
import { isRegressionKind, type RegressionKind } from './regressions.ts';

export interface LatencyShape {
  /** median duration in seconds */
  median: number;
  /** standard deviation of the log-duration */
  sigma: number;
}

export interface HeavyTail {
  /** share of requests that hit the slow path (lock waits, cold caches), in both cohorts */
  probability: number;
  /** the slow path multiplies the duration by a factor uniform in [minFactor, maxFactor] */
  minFactor: number;
  maxFactor: number;
}

export interface Diurnal {
  /** relative change of traffic from the start to the end of the window (0.3 = +30%) */
  trafficDrift: number;
  /** relative change of latency over the window; busier shops answer more slowly */
  latencyDrift: number;
  /** +1 morning ramp-up, -1 evening ramp-down; drawn from the seed when omitted */
  direction?: 1 | -1;
}

export interface Spikes {
  /** number of promotion spikes in the window (newsletter sent, flash sale started) */
  count: number;
  /** length of each spike in minutes */
  minutes: number;
  /** traffic multiplier during a spike */
  traffic: number;
  /** latency multiplier during a spike */
  latency: number;
}

export interface ScenarioOptions {
  seed: number;
  /** which regression the canary carries; 'none' is an A/A run */
  regression?: RegressionKind | 'none';
  /** minutes after `startedAt` at which the regression starts */
  onsetMinutes?: number;
  durationMinutes?: number;
  /** epoch ms of the release start; a whole minute, so minute buckets line up with Prometheus steps */
  startedAt?: number;
  /** canary traffic share; drawn uniformly from [0.1, 0.5] with the seed when omitted */
  canaryShare?: number;
  checkoutPerMinute?: number;
  stockPerMinute?: number;
  httpRequestsPerMinute?: number;
  /** baseline share of HTTP requests that fail */
  errorRatio?: number;
  /** baseline orders confirmed per HTTP request */
  conversion?: number;
  checkoutLatency?: LatencyShape;
  stockLatency?: LatencyShape;
  /** `null` switches the heavy tail off */
  heavyTail?: HeavyTail | null;
  diurnal?: Diurnal;
  spikes?: Spikes;
  /** release-level alpha written into the spec's policy */
  alpha?: number;
  /** the metrics the spec judges (default `SCENARIO_METRICS`: four critical metrics of a mid-size shop) */
  metrics?: readonly MetricSpec[];
}

export type ResolvedOptions = Required<Omit<ScenarioOptions, 'canaryShare' | 'heavyTail' | 'metrics'>> & {
  canaryShare: number | undefined;
  heavyTail: HeavyTail | null;
  metrics: readonly MetricSpec[] | undefined;
};

export const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'seed'> = {
  regression: 'none',
  onsetMinutes: 0,
  durationMinutes: 60,
  startedAt: Date.UTC(2025, 2, 12, 9, 0), // a Wednesday, 09:00 UTC: the morning ramp of a European shop
  canaryShare: undefined,
  checkoutPerMinute: 400,
  stockPerMinute: 40,
  httpRequestsPerMinute: 4000,
  errorRatio: 0.0075,
  conversion: 0.03,
  checkoutLatency: { median: 0.35, sigma: 0.6 },
  stockLatency: { median: 0.12, sigma: 0.5 },
  heavyTail: { probability: 0.03, minFactor: 5, maxFactor: 20 },
  diurnal: { trafficDrift: 0.3, latencyDrift: 0.1 },
  spikes: { count: 1, minutes: 3, traffic: 3, latency: 1.3 },
  alpha: 0.01,
  metrics: undefined,
};

const KNOWN = new Set<string>(['seed', ...Object.keys(DEFAULT_OPTIONS)]);

export class ScenarioOptionsError extends Error {
  override readonly name = 'ScenarioOptionsError';
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ScenarioOptionsError(`scenario options: ${message}`);
}

const positive = (x: number): boolean => Number.isFinite(x) && x > 0;
const probability = (x: number): boolean => Number.isFinite(x) && x >= 0 && x <= 1;

/** Fills defaults and validates; throws `ScenarioOptionsError` naming the first bad field. */
export function resolveOptions(options: ScenarioOptions): ResolvedOptions {
  for (const key of Object.keys(options)) check(KNOWN.has(key), `unknown option "${key}"`);
  const o: ResolvedOptions = { ...DEFAULT_OPTIONS, ...options };
  check(Number.isSafeInteger(o.seed), `seed must be a safe integer, got ${o.seed}`);
  check(o.regression === 'none' || isRegressionKind(o.regression), `unknown regression "${String(o.regression)}"`);
  check(Number.isInteger(o.durationMinutes) && o.durationMinutes >= 1, 'durationMinutes must be an integer >= 1');
  check(
    Number.isInteger(o.onsetMinutes) && o.onsetMinutes >= 0 && o.onsetMinutes < o.durationMinutes,
    'onsetMinutes must be an integer in [0, durationMinutes)',
  );
  check(
    Number.isSafeInteger(o.startedAt) && o.startedAt % 60_000 === 0,
    'startedAt must be epoch ms on a whole minute',
  );
  check(o.canaryShare === undefined || (o.canaryShare > 0 && o.canaryShare < 1), 'canaryShare must be in (0, 1)');
  for (const k of ['checkoutPerMinute', 'stockPerMinute', 'httpRequestsPerMinute'] as const)
    check(positive(o[k]), `${k} must be > 0`);
  check(
    probability(o.errorRatio) && o.errorRatio * 3 < 1,
    'errorRatio must be in [0, 1/3) so that ×3 stays a probability',
  );
  check(probability(o.conversion), 'conversion must be in [0, 1]');
  for (const k of ['checkoutLatency', 'stockLatency'] as const) {
    check(
      positive(o[k].median) && Number.isFinite(o[k].sigma) && o[k].sigma >= 0,
      `${k} needs median > 0 and sigma >= 0`,
    );
  }
  if (o.heavyTail) {
    const t = o.heavyTail;
    check(probability(t.probability) && positive(t.minFactor) && t.maxFactor >= t.minFactor, 'heavyTail is malformed');
  }
  // |drift| < 1 keeps the multipliers positive whichever direction the ramp takes
  check(Math.abs(o.diurnal.trafficDrift) < 1, 'diurnal.trafficDrift must be in (-1, 1)');
  check(Math.abs(o.diurnal.latencyDrift) < 1, 'diurnal.latencyDrift must be in (-1, 1)');
  check(
    o.diurnal.direction === undefined || o.diurnal.direction === 1 || o.diurnal.direction === -1,
    'diurnal.direction is 1 or -1',
  );
  const s = o.spikes;
  check(Number.isInteger(s.count) && s.count >= 0, 'spikes.count must be an integer >= 0');
  check(
    Number.isInteger(s.minutes) && s.minutes >= 1 && s.minutes <= o.durationMinutes,
    'spikes.minutes must fit the window',
  );
  check(positive(s.traffic) && positive(s.latency), 'spikes.traffic and spikes.latency must be > 0');
  check(o.alpha > 0 && o.alpha < 0.5, 'alpha must be in (0, 0.5)');
  return o;
}
